package io.ringlog.client.consumer;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The hand-written ConsumerProtocol bytes equal kafka-clients' {@code ConsumerProtocol} both ways: what we write,
 * Kafka writes byte for byte and reads back; what Kafka writes at any version, we read.
 */
@Timeout(60)
class ConsumerProtocolTest
{
    private final Random random = new Random(11);

    @Test
    void subscriptionBytesEqualKafkasAtVersions0And1()
    {
        for (int round = 0; round < 300; round++)
        {
            final List<String> topics = randomTopics();
            final Map<String, List<Integer>> owned = randomPartitions();
            final byte[] userData = random.nextInt(3) == 0 ? null : bytes(random.nextInt(20));
            final ConsumerPartitionAssignor.Subscription kafka = new ConsumerPartitionAssignor.Subscription(
                topics, null == userData ? null : ByteBuffer.wrap(userData), toTopicPartitions(owned));
            for (short version = 0; version <= 1; version++)
            {
                final byte[] ours = ConsumerProtocol.serializeSubscription(
                    new ConsumerProtocol.Subscription(topics, owned, userData), version);
                assertArrayEquals(toArray(org.apache.kafka.clients.consumer.internals.ConsumerProtocol
                    .serializeSubscription(kafka, version)), ours, "version " + version);

                final ConsumerPartitionAssignor.Subscription back =
                    org.apache.kafka.clients.consumer.internals.ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(ours));
                assertEquals(sorted(topics), back.topics());
                assertEquals(version >= 1 ? toTopicPartitions(sorted(owned)) : List.of(), back.ownedPartitions());
            }
        }
    }

    @Test
    void readsKafkasSubscriptionsAtEveryVersion()
    {
        for (int round = 0; round < 300; round++)
        {
            final List<String> topics = randomTopics();
            final Map<String, List<Integer>> owned = randomPartitions();
            final byte[] userData = random.nextBoolean() ? null : bytes(random.nextInt(30));
            final ConsumerPartitionAssignor.Subscription kafka = new ConsumerPartitionAssignor.Subscription(
                topics, null == userData ? null : ByteBuffer.wrap(userData), toTopicPartitions(owned),
                random.nextInt(100), random.nextBoolean() ? Optional.of("rack-" + random.nextInt(5)) : Optional.empty());
            for (short version = 0; version <= 3; version++)
            {
                final ConsumerProtocol.Subscription ours = ConsumerProtocol.deserializeSubscription(
                    org.apache.kafka.clients.consumer.internals.ConsumerProtocol.serializeSubscription(kafka, version));
                assertEquals(sorted(topics), ours.topics(), "Kafka writes topics sorted");
                assertArrayEquals(userData, ours.userData());
                assertEquals(version >= 1 ? sorted(owned) : Map.of(), ours.ownedPartitions(), "version " + version);
            }
        }
    }

    @Test
    void assignmentBytesEqualKafkasBothWays()
    {
        for (int round = 0; round < 300; round++)
        {
            final Map<String, List<Integer>> partitions = randomPartitions();
            final byte[] userData = random.nextInt(3) == 0 ? null : bytes(random.nextInt(20));
            final ConsumerPartitionAssignor.Assignment kafka = new ConsumerPartitionAssignor.Assignment(
                toTopicPartitions(partitions), null == userData ? null : ByteBuffer.wrap(userData));
            for (short version = 0; version <= 3; version++)
            {
                final ByteBuffer kafkaBytes =
                    org.apache.kafka.clients.consumer.internals.ConsumerProtocol.serializeAssignment(kafka, version);
                final ConsumerProtocol.Assignment read = ConsumerProtocol.deserializeAssignment(kafkaBytes);
                assertEquals(partitions, read.partitions());
                assertArrayEquals(userData, read.userData());
                if (version <= 1)
                {
                    final byte[] ours = ConsumerProtocol.serializeAssignment(
                        new ConsumerProtocol.Assignment(partitions, userData), version);
                    assertArrayEquals(toArray(kafkaBytes), ours, "version " + version);
                    final ConsumerPartitionAssignor.Assignment back =
                        org.apache.kafka.clients.consumer.internals.ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(ours));
                    assertEquals(toTopicPartitions(partitions), back.partitions());
                }
            }
        }
    }

    @Test
    void truncatedBytesAreRefused()
    {
        final byte[] full = ConsumerProtocol.serializeSubscription(
            new ConsumerProtocol.Subscription(List.of("a", "b"), Map.of("a", List.of(1, 2)), null), (short)1);
        for (int cut = 0; cut < full.length; cut++)
        {
            final ByteBuffer b = ByteBuffer.wrap(full, 0, cut);
            assertThrows(IllegalArgumentException.class, () -> ConsumerProtocol.deserializeSubscription(b));
        }
        assertNull(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(full)).userData());
    }

    private List<String> randomTopics()
    {
        final List<String> topics = new ArrayList<>();
        for (int i = random.nextInt(4); i >= 0; i--)
        {
            topics.add("topic-" + random.nextInt(1000) + (random.nextBoolean() ? "-é" : ""));
        }
        return topics;
    }

    private Map<String, List<Integer>> randomPartitions()
    {
        final Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (int t = random.nextInt(4); t > 0; t--)
        {
            final List<Integer> ps = new ArrayList<>();
            for (int p = 1 + random.nextInt(5); p > 0; p--)
            {
                ps.add(random.nextInt(64));
            }
            m.put("t" + random.nextInt(100), ps);
        }
        return m;
    }

    private static List<TopicPartition> toTopicPartitions(final Map<String, List<Integer>> m)
    {
        final List<TopicPartition> list = new ArrayList<>();
        m.forEach((t, ps) -> ps.forEach(p -> list.add(new TopicPartition(t, p))));
        return list;
    }

    private byte[] bytes(final int n)
    {
        final byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] toArray(final ByteBuffer b)
    {
        final byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return bytes;
    }

    private static List<String> sorted(final List<String> topics)
    {
        final List<String> s = new ArrayList<>(topics);
        s.sort(String::compareTo);
        return s;
    }

    /** Owned partitions as Kafka writes them: by topic, then partition. */
    private static Map<String, List<Integer>> sorted(final Map<String, List<Integer>> m)
    {
        final Map<String, List<Integer>> s = new java.util.TreeMap<>();
        m.forEach((t, p) -> s.computeIfAbsent(t, k -> new ArrayList<>()).addAll(p));
        s.values().forEach(p -> p.sort(Integer::compare));
        return new LinkedHashMap<>(s);
    }
}
