package io.ringlog.broker;

import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three brokers in this JVM, each a member of a three-voter controller quorum (combined mode) on its own UDP ports and
 * its own embedded media driver: topics are placed across them, Kafka clients find each partition's leader through
 * any broker, a group works through any bootstrap broker, and a broker that leaves is fenced and its leaderships move
 * (then it comes back with a new broker epoch). Data replication is the next issue: only leaders' logs are written.
 */
@Timeout(180)
class ThreeBrokerClusterTest
{
    @TempDir
    Path dir;

    private final List<TestBroker> brokers = new ArrayList<>(List.of());
    private String voters;

    @AfterEach
    void close()
    {
        brokers.parallelStream().forEach(b ->
        {
            if (b != null)
            {
                b.close();
            }
        });
    }

    @Test
    void topicsSpreadClientsFollowLeadersAndALeavingBrokerIsFenced() throws Exception
    {
        startCluster();
        final String any = bootstrapAll();
        try (Admin admin = TestBroker.adminFor(brokers.get(2).bootstrap()))
        {
            // Every broker is listed by every broker, and one of them is the active controller.
            final DescribeClusterResult cluster = admin.describeCluster();
            assertEquals(Set.of(1, 2, 3), ids(cluster.nodes().get()));
            assertTrue(Set.of(1, 2, 3).contains(cluster.controller().get().id()));

            admin.createTopics(List.of(new NewTopic("spread", 6, (short)3))).all().get(30, TimeUnit.SECONDS);
            final TopicDescription spread = describe(admin, "spread");
            final Set<Integer> leaders = new HashSet<>();
            for (final TopicPartitionInfo p : spread.partitions())
            {
                assertEquals(Set.of(1, 2, 3), ids(p.replicas()), "replicas of spread-" + p.partition());
                assertEquals(Set.of(1, 2, 3), ids(p.isr()), "ISR of spread-" + p.partition());
                leaders.add(p.leader().id());
            }
            assertEquals(3, leaders.size(), "leaders spread over every broker: " + spread);

            final InvalidReplicationFactorException tooMany = assertInstanceOf(InvalidReplicationFactorException.class,
                assertThrows(() -> admin.createTopics(List.of(new NewTopic("four", 1, (short)4))).all().get()));
            assertTrue(tooMany.getMessage().contains("3"), tooMany.getMessage());
        }

        // A producer bootstrapped on broker 1 writes to every partition's leader; a group bootstrapped on broker 2
        // reads them all back and commits.
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(brokers.get(0))))
        {
            for (int i = 0; i < 60; i++)
            {
                producer.send(new ProducerRecord<>("spread", i % 6, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        final Set<String> read = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = TestBroker.consumerFor(brokers.get(1).bootstrap(),
            ConsumerConfig.GROUP_ID_CONFIG, "readers", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))
        {
            consumer.subscribe(List.of("spread"));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < 60 && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
                {
                    read.add(r.value());
                }
            }
            consumer.commitSync(Duration.ofSeconds(30));
        }
        assertEquals(60, read.size(), "records read back through the group");

        // Broker 3 leaves (a clean close: controlled shutdown). It is fenced and leads nothing any more; the others
        // took its partitions at a larger leader epoch.
        final TestBroker leaving = brokers.get(2);
        try (Admin admin = TestBroker.adminFor(brokers.get(0).bootstrap()))
        {
            final Map<Integer, Integer> epochsBefore = leaderEpochs();
            leaving.close();
            brokers.set(2, null);
            Conditions.await("broker 3 fenced and its leaderships moved", Duration.ofSeconds(30), () ->
                fenced(admin).contains(3) && leadersOf(admin).stream().noneMatch(l -> l == 3));
            final TopicDescription after = describe(admin, "spread");
            for (final TopicPartitionInfo p : after.partitions())
            {
                assertNotEquals(3, p.leader().id());
                assertEquals(Set.of(1, 2, 3), ids(p.replicas()), "replicas stay assigned");
            }
            final Map<Integer, Integer> epochsAfter = leaderEpochs();
            for (final TopicPartitionInfo p : after.partitions())
            {
                final int before = epochsBefore.get(p.partition());
                assertTrue(epochsAfter.get(p.partition()) >= before, "leader epochs only grow");
            }
            assertTrue(epochsAfter.values().stream().mapToInt(Integer::intValue).sum() >
                epochsBefore.values().stream().mapToInt(Integer::intValue).sum(), "the moved partitions' epochs grew");
            // Clients see two brokers now.
            assertEquals(Set.of(1, 2), ids(admin.describeCluster().nodes().get()));
        }

        // It comes back on its data: registered again with a new broker epoch, unfenced.
        brokers.set(2, new TestBroker(dir.resolve("node-3"), overrides(3)));
        try (Admin admin = TestBroker.adminFor(any))
        {
            Conditions.await("broker 3 unfenced", Duration.ofSeconds(30), () -> !fenced(admin).contains(3) &&
                ids(describeClusterQuietly(admin)).equals(Set.of(1, 2, 3)));
        }
    }

    /** Start the three brokers at once: each waits for a quorum of the others before it says it has started. */
    private void startCluster() throws Exception
    {
        voters = FreeUdpPorts.voters(3);
        final List<CompletableFuture<TestBroker>> starting = new ArrayList<>();
        for (int node = 1; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new TestBroker(dir.resolve("node-" + id), overrides(id));
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        for (final CompletableFuture<TestBroker> f : starting)
        {
            try
            {
                brokers.add(f.get(90, TimeUnit.SECONDS));
            }
            catch (final ExecutionException ex)
            {
                for (final CompletableFuture<TestBroker> other : starting)
                {
                    other.thenAccept(TestBroker::close);
                }
                throw ex;
            }
        }
    }

    private String[] overrides(final int node)
    {
        return new String[]{
            "node.id=" + node,
            "process.roles=broker,controller",
            "controller.quorum.voters=" + voters,
            "default.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "group.initial.rebalance.delay.ms=0",
            "broker.session.timeout.ms=2000"
        };
    }

    private String bootstrapAll()
    {
        return brokers.stream().map(TestBroker::bootstrap).collect(Collectors.joining(","));
    }

    private static Map<String, Object> producerProperties(final TestBroker broker)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return p;
    }

    private static TopicDescription describe(final Admin admin, final String topic) throws Exception
    {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    }

    private static Set<Integer> ids(final java.util.Collection<Node> nodes)
    {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    private static java.util.Collection<Node> describeClusterQuietly(final Admin admin)
    {
        try
        {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            return List.of();
        }
    }

    private static Set<Integer> fenced(final Admin admin)
    {
        try
        {
            return admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes()
                .get(10, TimeUnit.SECONDS).stream().filter(Node::isFenced).map(Node::id).collect(Collectors.toSet());
        }
        catch (final Exception ex)
        {
            return Set.of();
        }
    }

    private static List<Integer> leadersOf(final Admin admin)
    {
        try
        {
            return describe(admin, "spread").partitions().stream()
                .map(p -> p.leader() == null ? -1 : p.leader().id()).toList();
        }
        catch (final Exception ex)
        {
            return List.of(3);
        }
    }

    /** Leader epoch per partition of "spread", as broker 1's metadata image has it (the Admin API does not show it). */
    private Map<Integer, Integer> leaderEpochs()
    {
        final Map<Integer, Integer> epochs = new HashMap<>();
        brokers.get(0).broker.controller().image().topic("spread").partitions()
            .forEach(p -> epochs.put(p.partition(), p.leaderEpoch()));
        return epochs;
    }

    private static Throwable assertThrows(final ThrowingCall call)
    {
        try
        {
            call.run();
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause();
        }
        catch (final Exception ex)
        {
            return ex;
        }
        return fail("expected a failure");
    }

    @FunctionalInterface
    private interface ThrowingCall
    {
        void run() throws Exception;
    }
}
