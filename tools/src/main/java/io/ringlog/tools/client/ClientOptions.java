package io.ringlog.tools.client;

import io.ringlog.tools.CliException;
import io.ringlog.tools.ErrorMessages;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * How a subcommand reaches a broker: any Kafka-protocol broker (Ringlog or Apache Kafka) through kafka-clients. The
 * one {@code --timeout} bounds every wait, so an unreachable broker fails in that time with one line, not a hang.
 */
public final class ClientOptions
{
    /** Longest single request; a longer {@code --timeout} lets the clients retry within it. */
    private static final long MAX_REQUEST_TIMEOUT_MS = 30_000;
    private static final int PROBE_TIMEOUT_MS = 1_000;

    @Option(names = {"-b", "--bootstrap-server"}, paramLabel = "HOST:PORT[,...]",
        defaultValue = "${env:RINGLOG_BOOTSTRAP_SERVER:-127.0.0.1:9092}",
        description = "broker(s) to connect to (default ${DEFAULT-VALUE}; env RINGLOG_BOOTSTRAP_SERVER)")
    String bootstrap;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
        description = "how long to wait for the broker before failing, e.g. 500ms, 10s (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--command-config", paramLabel = "FILE",
        description = "kafka-clients properties file, e.g. security settings")
    Path commandConfig;

    @Option(names = {"-X", "--property"}, paramLabel = "KEY=VALUE",
        description = "a kafka-clients property, repeatable; wins over --command-config")
    Map<String, String> properties = new LinkedHashMap<>();

    public String bootstrap()
    {
        return bootstrap;
    }

    public Duration timeout()
    {
        return timeout;
    }

    public Admin admin()
    {
        return Admin.create(common("ringlog-admin"));
    }

    /** A producer of raw bytes; {@code settings} (e.g. acks) are applied before the user's own properties. */
    public KafkaProducer<byte[], byte[]> producer(final Map<String, Object> settings)
    {
        final Properties p = common("ringlog-producer");
        final long request = Long.parseLong(p.getProperty(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(timeout.toMillis(), request + 1000)));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        settings.forEach((k, v) -> p.put(k, v.toString()));
        applyUserProperties(p);
        return new KafkaProducer<>(p);
    }

    /** A consumer of raw bytes that never creates topics; without {@code group.id} in settings it is groupless. */
    public KafkaConsumer<byte[], byte[]> consumer(final Map<String, Object> settings)
    {
        final Properties p = common("ringlog-consumer");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.forEach((k, v) -> p.put(k, v.toString()));
        applyUserProperties(p);
        return new KafkaConsumer<>(p);
    }

    /**
     * Make a failure readable: a kafka-clients time-out becomes "no broker at ..." when nothing accepts a connection
     * at the bootstrap address, else "did not answer within ...". Anything else is returned as it is.
     */
    public Exception explain(final Exception ex)
    {
        final Throwable e = ErrorMessages.unwrap(ex);
        if (!(e instanceof TimeoutException))
        {
            return ex;
        }
        final String unreachable = probe();
        if (unreachable != null)
        {
            return new CliException("no broker at " + bootstrap + " (" + unreachable + "); gave up after " +
                DurationConverter.format(timeout), CliException.FAILED, ex);
        }
        return new CliException("the broker at " + bootstrap + " did not answer within " +
            DurationConverter.format(timeout) + ": " + e.getMessage(), CliException.FAILED, ex);
    }

    /**
     * The error for records that failed to send: how many, and the first failure explained as {@link #explain}
     * would (so a producer that never reached a broker says "no broker at ...").
     */
    public CliException sendFailures(final long failed, final long total, final Exception first)
    {
        return new CliException(failed + " of " + total + " record(s) failed: " +
            ErrorMessages.describe(explain(first)), CliException.FAILED, first);
    }

    Properties common(final String clientId)
    {
        final long ms = timeout.toMillis();
        final Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(ms, MAX_REQUEST_TIMEOUT_MS)));
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ms));
        p.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Long.toString(Math.min(ms, 10_000)));
        p.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, Long.toString(Math.min(ms, 30_000)));
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        applyUserProperties(p);
        return p;
    }

    private void applyUserProperties(final Properties p)
    {
        if (commandConfig != null)
        {
            final Properties file = new Properties();
            try (Reader r = Files.newBufferedReader(commandConfig, StandardCharsets.UTF_8))
            {
                file.load(r);
            }
            catch (final IOException ex)
            {
                throw CliException.usage("cannot read --command-config " + commandConfig + ": " + ex.getMessage());
            }
            p.putAll(file);
        }
        p.putAll(properties);
    }

    /** @return why no bootstrap address accepts a TCP connection, or null when one does. */
    private String probe()
    {
        String reason = null;
        for (final String address : bootstrap.split(","))
        {
            final String hostPort = address.trim();
            final int colon = hostPort.lastIndexOf(':');
            if (colon <= 0)
            {
                reason = "'" + hostPort + "' is not host:port";
                continue;
            }
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), PROBE_TIMEOUT_MS);
                return null;
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                reason = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            }
        }
        return reason;
    }
}
