package io.ringlog.broker;

import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three broker processes started as a user starts them ({@code ringlog server}), each a member of the controller
 * quorum, killed with {@code kill -9}: the quorum leader's death leaves a quorum that elects another and commits the
 * next change within seconds; a broker's death is noticed within its lease, its leaderships move to the other
 * replicas, and it comes back on its own data and is unfenced. The times are printed for the record.
 */
@Timeout(240)
class ClusterFailoverProcessTest
{
    private static final int LEASE_MS = 2_000;

    @TempDir
    Path dir;

    private final List<BrokerProcess> nodes = new ArrayList<>();
    private final List<String[]> overrides = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException
    {
        for (final BrokerProcess node : nodes)
        {
            if (node != null)
            {
                node.close();
            }
        }
    }

    @Test
    void theQuorumAndTheBrokersSurviveKillMinus9() throws Exception
    {
        BrokerProcess.ensureBuilt();
        final String voters = FreeUdpPorts.voters(3);
        for (int id = 1; id <= 3; id++)
        {
            overrides.add(BrokerProcess.listenerAndData(BrokerProcess.freePort(), dir.resolve("data-" + id),
                "node.id=" + id, "controller.quorum.voters=" + voters, "default.replication.factor=3",
                "broker.session.timeout.ms=" + LEASE_MS, "offsets.topic.num.partitions=3"));
        }
        for (int id = 1; id <= 3; id++)
        {
            nodes.add(BrokerProcess.launch(dir.resolve("run-" + id), overrides.get(id - 1)));
        }
        nodes.forEach(BrokerProcess::port); // each says it started once a majority of the quorum is up

        try (Admin admin = admin(List.of(1, 2, 3)))
        {
            admin.createTopics(List.of(new NewTopic("orders", 6, (short)3))).all().get(30, TimeUnit.SECONDS);
        }

        // kill -9 the quorum leader (the active controller): the others elect one and commit the next change.
        final int leader;
        try (Admin admin = admin(List.of(1, 2, 3)))
        {
            leader = admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
        }
        final List<Integer> survivors = others(leader);
        try (Admin admin = admin(survivors))
        {
            final long killedAt = System.nanoTime();
            nodes.get(leader - 1).kill();
            Conditions.await("a change committed after the quorum leader died", Duration.ofSeconds(30),
                () -> createSucceeds(admin, "after-leader-" + leader));
            final long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            final int newLeader = admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
            assertNotEquals(leader, newLeader);
            assertTrue(failoverMs < 15_000, "failover took " + failoverMs + " ms");
            System.out.println("cluster: quorum leader " + leader + " killed -> change committed by leader " +
                newLeader + " after " + failoverMs + " ms");

            // Its broker's lease lapses too: fenced, and its leaderships moved.
            Conditions.await("node " + leader + " fenced and leading nothing", Duration.ofSeconds(30),
                () -> fenced(admin).contains(leader) && leaders(admin).stream().noneMatch(l -> l == leader));
        }

        // It comes back on its data (stale mark files and all) and rejoins: unfenced.
        nodes.set(leader - 1, BrokerProcess.launch(dir.resolve("run-" + leader + "-again"), overrides.get(leader - 1)));
        nodes.get(leader - 1).port();
        try (Admin admin = admin(List.of(1, 2, 3)))
        {
            Conditions.await("node " + leader + " back and unfenced", Duration.ofSeconds(30),
                () -> live(admin).equals(Set.of(1, 2, 3)));
        }

        // kill -9 a broker that is not the quorum leader: fenced within its lease, its partitions led by others.
        final int victim;
        try (Admin admin = admin(List.of(1, 2, 3)))
        {
            final int controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
            victim = others(controller).get(0);
        }
        try (Admin admin = admin(others(victim)))
        {
            final long killedAt = System.nanoTime();
            nodes.get(victim - 1).kill();
            Conditions.await("node " + victim + " fenced", Duration.ofSeconds(30), () -> fenced(admin).contains(victim));
            final long fencedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            Conditions.await("node " + victim + "'s leaderships moved", Duration.ofSeconds(30),
                () -> leaders(admin).stream().noneMatch(l -> l == victim || l < 0));
            final long movedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertTrue(fencedMs >= LEASE_MS / 2, "fenced after " + fencedMs + " ms: not before its lease could lapse");
            assertTrue(movedMs < LEASE_MS + 10_000, "leaderships moved after " + movedMs + " ms");
            System.out.println("cluster: broker " + victim + " killed -> fenced after " + fencedMs +
                " ms, leaderships moved after " + movedMs + " ms (lease " + LEASE_MS + " ms)");
            final TopicDescription orders = admin.describeTopics(List.of("orders")).allTopicNames()
                .get(10, TimeUnit.SECONDS).get("orders");
            for (final TopicPartitionInfo p : orders.partitions())
            {
                assertEquals(3, p.replicas().size());
                assertTrue(p.isr().stream().noneMatch(n -> n.id() == victim), "a fenced broker leaves the ISR");
            }
        }
    }

    /** The node ids other than this one. */
    private static List<Integer> others(final int node)
    {
        final List<Integer> ids = new ArrayList<>(List.of(1, 2, 3));
        ids.remove(Integer.valueOf(node));
        return ids;
    }

    /** An Admin client bootstrapped on these nodes, by node id. */
    private Admin admin(final List<Integer> ids)
    {
        final String bootstrap = ids.stream().map(id -> nodes.get(id - 1).bootstrap())
            .collect(Collectors.joining(","));
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 6_000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200));
    }

    private static boolean createSucceeds(final Admin admin, final String topic)
    {
        try
        {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short)1)), new CreateTopicsOptions().timeoutMs(2_000))
                .all().get(5, TimeUnit.SECONDS);
            return true;
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause() instanceof TopicExistsException; // committed; its answer was lost in the failover
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    private static Set<Integer> fenced(final Admin admin)
    {
        return cluster(admin).stream().filter(Node::isFenced).map(Node::id).collect(Collectors.toSet());
    }

    private static Set<Integer> live(final Admin admin)
    {
        return cluster(admin).stream().filter(n -> !n.isFenced()).map(Node::id).collect(Collectors.toSet());
    }

    private static List<Node> cluster(final Admin admin)
    {
        try
        {
            return new ArrayList<>(admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true))
                .nodes().get(5, TimeUnit.SECONDS));
        }
        catch (final Exception ex)
        {
            return List.of();
        }
    }

    private static List<Integer> leaders(final Admin admin)
    {
        try
        {
            return admin.describeTopics(List.of("orders")).allTopicNames().get(5, TimeUnit.SECONDS).get("orders")
                .partitions().stream().map(p -> p.leader() == null ? -1 : p.leader().id()).toList();
        }
        catch (final Exception ex)
        {
            return List.of(-1);
        }
    }
}
