package io.ringlog.broker;

import io.ringlog.broker.core.replica.Partition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Replication between three brokers in this JVM (each its own media driver, UDP between them): followers copy the
 * leader's journal batch for batch, acks=all answers once the ISR has a record, a leader that leaves hands over to a
 * follower that has every acknowledged record, and a broker that comes back catches up and rejoins the ISR.
 */
@Timeout(180)
class ReplicationTest
{
    private static final String TOPIC = "replicated";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private ThreeBrokers cluster;

    @AfterEach
    void close()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void followersCopyTheLeaderAndTakeOverWithEveryAcknowledgedRecord() throws Exception
    {
        cluster = new ThreeBrokers(dir, id -> new String[]{"default.replication.factor=3",
            "replica.lag.time.max.ms=5000", "leader.imbalance.check.interval.seconds=1"});
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short)3)
                .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        }
        final int count = 600;
        produce(0, count);

        // Every replica of every partition holds the same log and the same high watermark.
        Conditions.await("followers caught up", Duration.ofSeconds(30), this::replicasAgree);
        for (int p = 0; p < PARTITIONS; p++)
        {
            final long end = replica(1, p).log().logEndOffset();
            assertEquals(count / PARTITIONS, end, "records in partition " + p);
        }
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            for (final TopicPartitionInfo p : describe(admin).partitions())
            {
                assertEquals(Set.of(1, 2, 3), ids(p.isr()), "ISR of " + p);
            }
        }

        // The leader of partition 0 leaves: a follower takes over with every record acknowledged so far.
        final int leaving = leaderOf(0);
        cluster.stop(leaving);
        final TestBroker survivor = cluster.broker(leaving == 1 ? 2 : 1);
        try (Admin admin = TestBroker.adminFor(survivor.bootstrap()))
        {
            Conditions.await("partition 0 led elsewhere", Duration.ofSeconds(30), () ->
                describeQuietly(admin).partitions().stream().anyMatch(p ->
                    p.partition() == 0 && p.leader() != null && p.leader().id() != leaving));
        }
        assertEquals(readAll(survivor.bootstrap(), 0, count / PARTITIONS), values(0, count), "partition 0 after failover");

        // Writes go on at acks=all with two of three replicas in sync.
        produce(count, 60);

        // The broker comes back on its data, catches up, and rejoins every ISR.
        cluster.restart(leaving);
        try (Admin admin = TestBroker.adminFor(survivor.bootstrap()))
        {
            Conditions.await("broker " + leaving + " back in every ISR", Duration.ofSeconds(60), () ->
            {
                final List<TopicPartitionInfo> partitions = describeQuietly(admin).partitions();
                return partitions.size() == PARTITIONS &&
                    partitions.stream().allMatch(p -> ids(p.isr()).equals(Set.of(1, 2, 3)));
            });
        }
        Conditions.await("every replica agrees again", Duration.ofSeconds(30), this::replicasAgree);
        assertEquals((count + 60) / PARTITIONS, replica(leaving, 0).log().logEndOffset());
    }

    @Test
    void preferredLeadersLeadAgainWhenTheyReturn() throws Exception
    {
        cluster = new ThreeBrokers(dir, id -> new String[]{"default.replication.factor=3",
            "replica.lag.time.max.ms=5000", "leader.imbalance.check.interval.seconds=1"});
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short)3))).all().get(30, TimeUnit.SECONDS);
            Conditions.await("every partition led by its preferred replica", Duration.ofSeconds(30),
                () -> preferredLead(admin));
            // Already the preferred leader: Kafka's ELECTION_NOT_NEEDED, per partition.
            final org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(TOPIC, 0);
            final Throwable notNeeded = admin.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, Set.of(tp))
                .partitions().get(30, TimeUnit.SECONDS).get(tp).orElseThrow();
            assertEquals(org.apache.kafka.common.errors.ElectionNotNeededException.class, notNeeded.getClass());
        }
        produce(0, 30);

        // Broker 3 leaves: its partitions are led by others; it returns, catches up, and leads them again.
        cluster.stop(3);
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            Conditions.await("broker 3 leads nothing", Duration.ofSeconds(30), () -> !preferredLead(admin) &&
                describeQuietly(admin).partitions().stream().noneMatch(p -> p.leader() == null || p.leader().id() == 3));
        }
        produce(30, 30);
        cluster.restart(3);
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            Conditions.await("every partition led by its preferred replica again", Duration.ofSeconds(60),
                () -> preferredLead(admin));
        }
        Conditions.await("every replica agrees", Duration.ofSeconds(30), this::replicasAgree);
        assertEquals(List.of("v0", "v3", "v6", "v9", "v12", "v15", "v18", "v21", "v24", "v27", "v30", "v33", "v36",
            "v39", "v42", "v45", "v48", "v51", "v54", "v57"), readAll(cluster.bootstrap(), 0, 20));
    }

    private static boolean preferredLead(final Admin admin)
    {
        final List<TopicPartitionInfo> partitions = describeQuietly(admin).partitions();
        return partitions.size() == PARTITIONS && partitions.stream().allMatch(p ->
            p.leader() != null && p.leader().id() == p.replicas().get(0).id());
    }

    private void produce(final int from, final int count) throws Exception
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p))
        {
            final List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = from; i < from + count; i++)
            {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "v" + i)));
            }
            for (final java.util.concurrent.Future<?> f : sent)
            {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> readAll(final String bootstrap, final int partition, final int expected)
    {
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = TestBroker.consumerFor(bootstrap))
        {
            final TopicPartition tp = new TopicPartition(TOPIC, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
                {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    private static List<String> values(final int partition, final int count)
    {
        final List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            if (i % PARTITIONS == partition)
            {
                values.add("v" + i);
            }
        }
        return values;
    }

    /** Every live replica of every partition has the same log end and high watermark, and a leader is known. */
    private boolean replicasAgree()
    {
        for (int p = 0; p < PARTITIONS; p++)
        {
            long end = -1;
            long hw = -1;
            for (int id = 1; id <= 3; id++)
            {
                final TestBroker b = cluster.broker(id);
                if (b == null)
                {
                    continue;
                }
                final Partition r = b.broker.partitions().partition(TOPIC, p);
                if (r == null)
                {
                    return false;
                }
                if (end == -1)
                {
                    end = r.log().logEndOffset();
                    hw = r.highWatermark();
                }
                else if (end != r.log().logEndOffset() || hw != r.highWatermark())
                {
                    return false;
                }
            }
            if (hw != end)
            {
                return false;
            }
        }
        return true;
    }

    private Partition replica(final int node, final int partition)
    {
        final Partition r = cluster.broker(node).broker.partitions().partition(TOPIC, partition);
        assertNotNull(r, "replica of " + TOPIC + "-" + partition + " on broker " + node);
        return r;
    }

    private int leaderOf(final int partition)
    {
        final int leader = cluster.broker(leaderView()).broker.controller().image().partition(TOPIC, partition).leader();
        assertNotEquals(-1, leader);
        return leader;
    }

    /** A running broker's id, to read its metadata image. */
    private int leaderView()
    {
        for (int id = 1; id <= 3; id++)
        {
            if (cluster.broker(id) != null)
            {
                return id;
            }
        }
        throw new IllegalStateException("no broker running");
    }

    private static TopicDescription describe(final Admin admin) throws Exception
    {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
    }

    private static TopicDescription describeQuietly(final Admin admin)
    {
        try
        {
            return describe(admin);
        }
        catch (final Exception ex)
        {
            return new TopicDescription(TOPIC, false, List.of());
        }
    }

    private static Set<Integer> ids(final java.util.Collection<Node> nodes)
    {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }
}
