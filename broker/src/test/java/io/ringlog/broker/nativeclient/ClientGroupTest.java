package io.ringlog.broker.nativeclient;

import io.ringlog.client.ClientContext;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.consumer.RinglogConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two native consumers and a KafkaConsumer in one group: the classic protocol's calls with Kafka's ConsumerProtocol
 * bytes and the range assignor, whoever leads. The partitions are split between all three, every record is read
 * exactly once, and when a native member leaves its partitions move to the others.
 */
@Timeout(240)
class ClientGroupTest
{
    private static final String TOPIC = "grouped";
    private static final int PARTITIONS = 6;

    @TempDir
    Path root;

    @Test
    void nativeAndKafkaMembersShareAGroup() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false, "group.initial.rebalance.delay.ms=0"))
        {
            broker.createTopic(TOPIC, PARTITIONS, Map.of());
            final ClientContext settings = broker.ipcClient().groupId("mixed").enableAutoCommit(false)
                .autoOffsetReset("earliest").heartbeatIntervalMs(200).sessionTimeoutMs(10_000)
                .maxPollIntervalMs(20_000);
            try (RinglogClient clientA = RinglogClient.connect(settings);
                RinglogClient clientB = RinglogClient.connect(broker.ipcClient().groupId("mixed")
                    .enableAutoCommit(false).autoOffsetReset("earliest").heartbeatIntervalMs(200)
                    .sessionTimeoutMs(10_000).maxPollIntervalMs(20_000));
                KafkaConsumer<byte[], byte[]> kafka = broker.kafkaConsumer(
                    ConsumerConfig.GROUP_ID_CONFIG, "mixed",
                    ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName(),
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 20_000))
            {
                final RinglogConsumer a = new RinglogConsumer(clientA);
                final RinglogConsumer b = new RinglogConsumer(clientB);
                a.subscribe(TOPIC);
                b.subscribe(TOPIC);
                kafka.subscribe(List.of(TOPIC));
                final List<String> read = new ArrayList<>();
                final Runnable pollAll = () ->
                {
                    a.poll(r -> read.add("a:" + r.partition() + ":" + r.valueAsString()), 100);
                    b.poll(r -> read.add("b:" + r.partition() + ":" + r.valueAsString()), 100);
                    for (final ConsumerRecord<byte[], byte[]> r : kafka.poll(Duration.ofMillis(20)))
                    {
                        read.add("k:" + r.partition() + ":" + new String(r.value(), StandardCharsets.UTF_8));
                    }
                };
                Polling.until("all three members assigned", 60_000, () ->
                {
                    pollAll.run();
                    return a.isGroupStable() && b.isGroupStable() &&
                        a.assignment().size() + b.assignment().size() + kafka.assignment().size() == PARTITIONS &&
                        !a.assignment().isEmpty() && !b.assignment().isEmpty() && !kafka.assignment().isEmpty();
                });
                final Set<String> owners = new HashSet<>(a.assignment());
                owners.addAll(b.assignment());
                for (final TopicPartition tp : kafka.assignment())
                {
                    owners.add(tp.topic() + "-" + tp.partition());
                }
                assertEquals(PARTITIONS, owners.size(), "disjoint and complete: " + a.assignment() + " " +
                    b.assignment() + " " + kafka.assignment());

                final int total = 1_200;
                produce(broker, 0, total);
                Polling.until("every record read once", 60_000, () ->
                {
                    pollAll.run();
                    return read.size() >= total;
                });
                assertExactlyOnce(read, 0, total, a, b, kafka);

                // Everyone commits what it read, so the next owners of moved partitions start after it.
                a.commitSync();
                b.commitSync();
                kafka.commitSync();

                // A native member leaves: its partitions go to the others.
                final List<String> leaving = a.assignment();
                a.close();
                read.clear();
                Polling.until("the group to settle without a", 60_000, () ->
                {
                    b.poll(r -> read.add("b:" + r.partition() + ":" + r.valueAsString()), 100);
                    clientA.poll();
                    for (final ConsumerRecord<byte[], byte[]> r : kafka.poll(Duration.ofMillis(20)))
                    {
                        read.add("k:" + r.partition() + ":" + new String(r.value(), StandardCharsets.UTF_8));
                    }
                    return b.isGroupStable() && b.assignment().size() + kafka.assignment().size() == PARTITIONS;
                });
                assertTrue(read.isEmpty(), "nothing new yet: " + read);
                produce(broker, total, 2 * total);
                Polling.until("the second half read", 60_000, () ->
                {
                    b.poll(r -> read.add("b:" + r.partition() + ":" + r.valueAsString()), 100);
                    for (final ConsumerRecord<byte[], byte[]> r : kafka.poll(Duration.ofMillis(20)))
                    {
                        read.add("k:" + r.partition() + ":" + new String(r.value(), StandardCharsets.UTF_8));
                    }
                    return read.size() >= total;
                });
                final Set<String> values = new HashSet<>();
                for (final String r : read)
                {
                    assertTrue(values.add(r.substring(r.indexOf(':', 2) + 1)), "twice: " + r);
                }
                assertEquals(total, values.size());
                assertTrue(leaving.stream().allMatch(p -> b.assignment().contains(p) ||
                    kafka.assignment().contains(new TopicPartition(TOPIC, Integer.parseInt(p.substring(TOPIC.length() + 1))))));
            }
        }
    }

    private static void produce(final ClientTestBroker broker, final int from, final int to)
    {
        try (KafkaProducer<byte[], byte[]> producer = broker.kafkaProducer())
        {
            for (int i = from; i < to; i++)
            {
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null,
                    ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static void assertExactlyOnce(final List<String> read, final int from, final int to,
        final RinglogConsumer a, final RinglogConsumer b, final KafkaConsumer<byte[], byte[]> kafka)
    {
        final Set<String> values = new HashSet<>();
        for (final String r : read)
        {
            final String[] parts = r.split(":", 3);
            assertTrue(values.add(parts[2]), "read twice: " + r);
            final String tp = TOPIC + "-" + parts[1];
            switch (parts[0])
            {
                case "a" -> assertTrue(a.assignment().contains(tp), r);
                case "b" -> assertTrue(b.assignment().contains(tp), r);
                default -> assertTrue(kafka.assignment().contains(new TopicPartition(TOPIC, Integer.parseInt(parts[1]))), r);
            }
        }
        assertEquals(to - from, values.size());
    }
}
