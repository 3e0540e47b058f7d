package io.ringlog.broker;

import io.ringlog.broker.core.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** A real broker in the test's JVM on a free port, and real kafka-clients pointed at it. */
final class TestBroker implements AutoCloseable
{
    final Path dataDir;
    final RingBroker broker;

    TestBroker(final Path dataDir, final String... overrides) throws Exception
    {
        this.dataDir = dataDir;
        final Map<String, String> config = new HashMap<>();
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", dataDir.toString());
        config.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        // These tests speak Kafka; the native path has its own (io.ringlog.broker.nativeapi), each with its own driver.
        config.put("native.enabled", "false");
        for (final String o : overrides)
        {
            final int eq = o.indexOf('=');
            config.put(o.substring(0, eq), o.substring(eq + 1));
        }
        this.broker = RingBroker.start(BrokerConfig.from(config));
    }

    String bootstrap()
    {
        return "127.0.0.1:" + broker.port();
    }

    Admin admin()
    {
        return adminFor(bootstrap());
    }

    /** An AdminClient for any broker, this one or another (the rebalance benchmark measures Apache Kafka too). */
    static Admin adminFor(final String bootstrap)
    {
        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return Admin.create(p);
    }

    KafkaProducer<String, String> producer(final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaProducer<>(p);
    }

    KafkaConsumer<String, String> consumer(final Object... settings)
    {
        return consumerFor(bootstrap(), settings);
    }

    /** A consumer for any broker, this one or another. */
    static KafkaConsumer<String, String> consumerFor(final String bootstrap, final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaConsumer<>(p);
    }

    KafkaConsumer<byte[], byte[]> byteConsumer()
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p);
    }

    KafkaProducer<byte[], byte[]> byteProducer(final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaProducer<>(p);
    }

    @Override
    public void close()
    {
        broker.close();
    }
}
