package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kafka-clients, unchanged, against a real broker in this JVM: the AdminClient creates and describes topics, the
 * producer writes with acks 0, 1 and all, idempotently and with every compression codec, and the consumer (assign
 * and seek, no group) reads back every record, in order, with its key, value and timestamp.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaClientsTest
{
    private TestBroker broker;

    @BeforeAll
    void start(@TempDir final Path dir) throws Exception
    {
        broker = new TestBroker(dir);
    }

    @AfterAll
    void stop()
    {
        broker.close();
    }

    @Test
    void adminCreatesDescribesAndListsTopics() throws Exception
    {
        try (Admin admin = broker.admin())
        {
            admin.createTopics(List.of(new NewTopic("admin-topic", 3, (short)1)
                .configs(Map.of("retention.ms", "3600000")))).all().get();
            final TopicDescription description =
                admin.describeTopics(List.of("admin-topic")).allTopicNames().get().get("admin-topic");
            assertEquals(3, description.partitions().size());
            assertTrue(admin.listTopics().names().get().contains("admin-topic"));
            assertEquals(1, admin.describeCluster().nodes().get().size());
        }
    }

    @ParameterizedTest(name = "acks={0} compression={1} idempotent={2}")
    @CsvSource({
        "0, none, false",
        "1, none, false",
        "all, none, true",
        "all, gzip, true",
        "1, snappy, false",
        "all, lz4, true",
        "all, zstd, true"})
    void produceAndConsumeEveryRecordInOrder(final String acks, final String compression, final boolean idempotent)
        throws Exception
    {
        final String topic = "t-" + acks + "-" + compression;
        try (Admin admin = broker.admin())
        {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short)1))).all().get();
        }
        final int count = 2_000;
        try (KafkaProducer<String, String> producer = broker.producer(
            ProducerConfig.ACKS_CONFIG, acks,
            ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent))
        {
            final List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                sent.add(producer.send(new ProducerRecord<>(topic, i % 2, 1_700_000_000_000L + i, "k" + i, "v" + i)));
            }
            producer.flush();
            if (!"0".equals(acks))
            {
                for (int i = 0; i < count; i++)
                {
                    assertEquals(i / 2, sent.get(i).get().offset(), "record " + i);
                }
            }
        }

        try (KafkaConsumer<String, String> consumer = broker.consumer())
        {
            final List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final List<ConsumerRecord<String, String>> records = new ArrayList<>();
            final long deadline = System.currentTimeMillis() + 30_000;
            while (records.size() < count && System.currentTimeMillis() < deadline)
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(count, records.size());
            final long[] next = new long[2];
            for (final ConsumerRecord<String, String> r : records)
            {
                assertEquals(next[r.partition()]++, r.offset());
                final int i = Integer.parseInt(r.value().substring(1));
                assertEquals(r.partition(), i % 2);
                assertEquals("k" + i, r.key());
                assertEquals(1_700_000_000_000L + i, r.timestamp());
            }
            assertEquals(Map.of(partitions.get(0), (long)count / 2, partitions.get(1), (long)count / 2),
                consumer.endOffsets(partitions));
        }
    }

    @Test
    void longPollWakesOnNewData() throws Exception
    {
        final String topic = "long-poll";
        try (Admin admin = broker.admin())
        {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short)1))).all().get();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer("fetch.max.wait.ms", 5_000);
            KafkaProducer<String, String> producer = broker.producer())
        {
            final TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(Set.of(tp));
            consumer.seekToEnd(Set.of(tp));
            consumer.position(tp);
            final long start = System.nanoTime();
            final Thread writer = new Thread(() ->
            {
                try
                {
                    producer.send(new ProducerRecord<>(topic, "hello")).get();
                }
                catch (final Exception ex)
                {
                    throw new RuntimeException(ex);
                }
            });
            writer.start();
            final List<ConsumerRecord<String, String>> got = new ArrayList<>();
            while (got.isEmpty() && System.nanoTime() - start < 20_000_000_000L)
            {
                consumer.poll(Duration.ofSeconds(10)).forEach(got::add);
            }
            writer.join();
            assertEquals("hello", got.get(0).value());
            final long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs < 4_000, "the parked fetch was woken by the append, not its 5 s deadline: " + waitedMs);
        }
    }

    @Test
    void offsetsByTimeEarliestAndLatest() throws Exception
    {
        final String topic = "times";
        try (Admin admin = broker.admin())
        {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short)1))).all().get();
        }
        try (KafkaProducer<String, String> producer = broker.producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))
        {
            for (int i = 0; i < 100; i++)
            {
                producer.send(new ProducerRecord<>(topic, 0, 1_000_000L + i * 10, null, "v" + i));
            }
            producer.flush();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer())
        {
            final TopicPartition tp = new TopicPartition(topic, 0);
            assertEquals(0L, consumer.beginningOffsets(Set.of(tp)).get(tp));
            assertEquals(100L, consumer.endOffsets(Set.of(tp)).get(tp));
            assertEquals(42L, consumer.offsetsForTimes(Map.of(tp, 1_000_415L)).get(tp).offset());
            assertEquals(null, consumer.offsetsForTimes(Map.of(tp, 9_000_000L)).get(tp));
        }
    }
}
