package io.ringlog.broker.nativeclient;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.nativeapi.GatewayCounters;
import io.ringlog.client.ClientContext;
import io.ringlog.client.RinglogClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real broker in the test's JVM with the native path on, its embedded media driver in a directory of the test's
 * temp dir under /tmp (the broker deletes it on close), back-off idle strategies, a free Kafka port, and optionally a
 * UDP ingress on a free port. {@link #restart()} closes it and starts it again on the same data and driver
 * directories, as an operator's restart would.
 */
final class ClientTestBroker implements AutoCloseable
{
    final Path dataDir;
    final Path aeronDir;
    final int udpPort;
    private final Map<String, String> config = new HashMap<>();
    RingBroker broker;

    ClientTestBroker(final Path root, final boolean udp, final String... overrides) throws Exception
    {
        this.dataDir = root.resolve("data");
        this.aeronDir = root.resolve("aeron");
        this.udpPort = udp ? freeUdpPort() : -1;
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", dataDir.toString());
        config.put("log.segment.bytes", Integer.toString(4 * 1024 * 1024));
        config.put("offsets.topic.num.partitions", "2");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("aeron.dir", aeronDir.toString());
        config.put("native.ingress.channels", udp ? "aeron:ipc,aeron:udp?endpoint=127.0.0.1:" + udpPort : "aeron:ipc");
        config.put("native.egress.term.length", Integer.toString(1024 * 1024));
        config.put("native.request.memory.bytes", Integer.toString(8 * 1024 * 1024));
        for (final String o : overrides)
        {
            final int eq = o.indexOf('=');
            config.put(o.substring(0, eq), o.substring(eq + 1));
        }
        broker = RingBroker.start(BrokerConfig.from(config));
    }

    void restart() throws Exception
    {
        final int port = broker.port();
        broker.close();
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        broker = RingBroker.start(BrokerConfig.from(config));
    }

    String bootstrap()
    {
        return "127.0.0.1:" + broker.port();
    }

    /** Settings for a native client on the broker's media driver, over IPC. */
    ClientContext ipcClient()
    {
        return new ClientContext()
            .aeronDirectoryName(broker.aeronDirectoryName())
            .clientId("test-ipc")
            .requestTimeoutMs(10_000)
            .connectTimeoutMs(20_000);
    }

    /** Settings for a native client with its own media driver in {@code clientAeronDir}, over UDP. */
    ClientContext udpClient(final String clientAeronDir)
    {
        return new ClientContext()
            .aeronDirectoryName(clientAeronDir)
            .ingressChannel("aeron:udp?endpoint=127.0.0.1:" + udpPort)
            .clientId("test-udp")
            .requestTimeoutMs(10_000)
            .connectTimeoutMs(20_000);
    }

    GatewayCounters gatewayCounters()
    {
        return broker.nativeService().gateway().counters();
    }

    void createTopic(final String topic, final int partitions, final Map<String, String> configs) throws Exception
    {
        try (Admin admin = admin())
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1).configs(configs)))
                .all().get(30, TimeUnit.SECONDS);
        }
    }

    Admin admin()
    {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return Admin.create(p);
    }

    KafkaProducer<byte[], byte[]> kafkaProducer(final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    KafkaConsumer<byte[], byte[]> kafkaConsumer(final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close()
    {
        broker.close();
    }

    static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
