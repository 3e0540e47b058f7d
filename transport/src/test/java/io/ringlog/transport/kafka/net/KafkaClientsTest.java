package io.ringlog.transport.kafka.net;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kafka-clients against the listener with a test harness handler: version negotiation,
 * metadata, produce through the flyweight (acks=1 answered from another thread, acks=0 not
 * answered), and fetch answered by the flyweight encoder with the records sent by transferTo.
 */
@Timeout(90)
class KafkaClientsTest
{
    @TempDir
    Path dir;

    @Test
    void adminProducerAndConsumerWorkAgainstTheListener() throws Exception
    {
        try (MiniBroker broker = new MiniBroker(dir.resolve("orders-0.log"));
            ListenerHarness harness = ListenerHarness.start(new KafkaListenerContext()
                .name("clients").handler(broker).supportedApis(broker.apis)))
        {
            broker.port(harness.port());
            final String bootstrap = "127.0.0.1:" + harness.port();

            try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000)))
            {
                final DescribeClusterResult cluster = admin.describeCluster();
                final Collection<Node> nodes = cluster.nodes().get(20, TimeUnit.SECONDS);
                assertEquals(1, nodes.size());
                assertEquals(MiniBroker.NODE_ID, nodes.iterator().next().id());
                assertEquals("ringlog-transport-test", cluster.clusterId().get(20, TimeUnit.SECONDS));
                assertEquals(Set.of(MiniBroker.TOPIC), admin.listTopics().names().get(20, TimeUnit.SECONDS));
            }

            final List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap, "1")))
            {
                for (int i = 0; i < 20; i++)
                {
                    final String value = "order-" + i;
                    final RecordMetadata metadata = producer.send(
                        new ProducerRecord<>(MiniBroker.TOPIC, 0, "k" + i, value)).get(20, TimeUnit.SECONDS);
                    assertEquals(i, metadata.offset());
                    sent.add(value);
                }
            }
            assertEquals(List.of((short)13), List.copyOf(Set.copyOf(broker.produceVersions)),
                "kafka-clients 4.4 produces with v13 when the broker offers it");

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap, "0")))
            {
                producer.send(new ProducerRecord<>(MiniBroker.TOPIC, 0, "fire", "and-forget"));
                producer.flush();
                Await.until("acks=0 produce handled", () -> broker.producesWithoutAck.get() == 1);
            }
            sent.add("and-forget");

            final Properties consumerConfig = new Properties();
            consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
            consumerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1024");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig))
            {
                final TopicPartition partition = new TopicPartition(MiniBroker.TOPIC, 0);
                consumer.assign(List.of(partition));
                consumer.seek(partition, 0);
                final List<String> received = new ArrayList<>();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received.size() < sent.size() && System.nanoTime() < deadline)
                {
                    for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200)))
                    {
                        assertEquals(received.size(), record.offset());
                        received.add(record.value());
                    }
                }
                assertEquals(sent, received);
            }
            assertTrue(broker.fetchesWithRecords.get() >= 2, "small partition fetch size: several fetches");
            assertTrue(broker.fetchVersions.contains((short)18) || broker.fetchVersions.contains((short)17),
                "a flexible, topic-id Fetch version: " + Set.copyOf(broker.fetchVersions));
            assertEquals(0, harness.counters().badFrames());
            assertEquals(0, harness.counters().unsupportedVersions());
        }
    }

    private static Properties producerConfig(final String bootstrap, final String acks)
    {
        final Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, acks);
        // The harness has no InitProducerId: idempotence belongs to the real broker.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return config;
    }
}
