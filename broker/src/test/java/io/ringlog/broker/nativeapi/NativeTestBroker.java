package io.ringlog.broker.nativeapi;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A real broker in the test's JVM with the native path on: its own embedded media driver in a directory of the
 * test's temp dir (created by the broker, deleted by it on close), IPC ingress only unless the test says otherwise,
 * a free Kafka port, back-off idle strategies (never spinning), and small settings so it starts quickly.
 */
final class NativeTestBroker implements AutoCloseable
{
    final Path dataDir;
    final Path aeronDir;
    final RingBroker broker;

    NativeTestBroker(final Path root, final String... overrides) throws Exception
    {
        this(root.resolve("data"), root.resolve("aeron"), overrides);
    }

    NativeTestBroker(final Path dataDir, final Path aeronDir, final String... overrides) throws Exception
    {
        this.dataDir = dataDir;
        this.aeronDir = aeronDir;
        final Map<String, String> config = new HashMap<>();
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", dataDir.toString());
        config.put("log.segment.bytes", Integer.toString(4 * 1024 * 1024));
        config.put("offsets.topic.num.partitions", "2");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("aeron.dir", aeronDir.toString());
        config.put("native.ingress.channels", "aeron:ipc");
        config.put("native.egress.term.length", Integer.toString(1024 * 1024));
        config.put("native.request.memory.bytes", Integer.toString(4 * 1024 * 1024));
        config.put("message.max.bytes", Integer.toString(64 * 1024));
        for (final String o : overrides)
        {
            final int eq = o.indexOf('=');
            config.put(o.substring(0, eq), o.substring(eq + 1));
        }
        this.broker = RingBroker.start(BrokerConfig.from(config));
    }

    NativeGateway gateway()
    {
        return broker.nativeService().gateway();
    }

    GatewayCounters counters()
    {
        return gateway().counters();
    }

    String bootstrap()
    {
        return "127.0.0.1:" + broker.port();
    }

    NativeTestClient client() throws Exception
    {
        return NativeTestClient.ipc(broker.aeronDirectoryName());
    }

    Admin admin()
    {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return Admin.create(p);
    }

    KafkaProducer<String, String> producer(final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    KafkaConsumer<String, String> consumer()
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    @Override
    public void close()
    {
        broker.close();
    }

    /** The broker deletes the driver directory it created. */
    boolean aeronDirGone()
    {
        return !Files.exists(aeronDir);
    }
}
