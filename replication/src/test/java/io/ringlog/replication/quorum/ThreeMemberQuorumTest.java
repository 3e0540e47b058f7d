package io.ringlog.replication.quorum;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.client.QuorumClientConfig;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.PartitionRegistration;
import io.ringlog.replication.metadata.TopicImage;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.ringlog.replication.quorum.QuorumTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three quorum members in one JVM, each with its own SHARED back-off driver, and three brokers' clients on a fourth:
 * a replicated topic spreads its leaders; the leader member is closed and a new one takes over with a larger
 * controller epoch while clients keep working; a broker's session ends and it is fenced, its leaderships move with
 * larger leader epochs; it comes back with a new broker epoch.
 */
@Timeout(90)
class ThreeMemberQuorumTest
{
    private static final Logger LOG = LoggerFactory.getLogger(ThreeMemberQuorumTest.class);
    private static final long SESSION_TIMEOUT_MS = 2_000;

    private final File dir = QuorumTesting.tempDir("ringlog-quorum-3-");
    private final ControllerNode[] nodes = new ControllerNode[3];
    private final List<QuorumClient> clients = new ArrayList<>();
    private MediaDriver clientDriver;

    @AfterEach
    void tearDown()
    {
        CloseHelper.closeAll(clients);
        CloseHelper.closeAll(nodes);
        CloseHelper.close(clientDriver);
        IoUtil.delete(dir, true);
    }

    @Test
    void failoverAndFencing() throws Exception
    {
        final String voters = QuorumTesting.voters(3);
        final long launchNs = System.nanoTime();
        for (int i = 0; i < 3; i++)
        {
            final ControllerNodeConfig config = QuorumTesting.nodeConfig(i, voters, dir);
            config.sessionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS);
            nodes[i] = ControllerNode.launch(config);
        }
        for (final ControllerNode node : nodes)
        {
            node.awaitActiveController(Duration.ofSeconds(20));
        }
        LOG.info("MEASURED three-member quorum elected a leader {} ms after launch",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchNs));
        final ControllerNode firstLeader = leader();

        clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "client-driver").getPath())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
            .termBufferSparseFile(true)
            .publicationTermBufferLength(256 * 1024)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        for (int b = 0; b < 3; b++)
        {
            clients.add(QuorumClient.start(QuorumTesting.clientConfig(b, voters, clientDriver.aeronDirectoryName(),
                null)));
        }
        for (final QuorumClient client : clients)
        {
            client.registered().get(20, TimeUnit.SECONDS);
        }

        // a 6-partition RF-3 topic: every broker leads two
        final UUID topicId = new UUID(0x6f, 0x72);
        assertTrue(call(() -> clients.get(0).createTopic("orders", topicId, 6, 3, Map.of(), false)).isOk());
        final TopicImage orders = clients.get(0).image().topic("orders");
        final Map<Integer, Integer> leaders = new HashMap<>();
        for (final PartitionRegistration p : orders.partitions())
        {
            assertEquals(3, p.isr().size());
            leaders.merge(p.leader(), 1, Integer::sum);
        }
        assertEquals(Map.of(0, 2, 1, 2, 2, 2), leaders);
        await(Duration.ofSeconds(5), "every member applied the topic",
            () -> nodes[0].image().equals(nodes[1].image()) && nodes[1].image().equals(nodes[2].image()));
        await(Duration.ofSeconds(5), "every client has the topic",
            () -> clients.stream().allMatch(c -> null != c.image().topic("orders")));

        // the leader member dies (its driver first: no goodbye): a new one within a few seconds, a larger controller
        // epoch, clients go on
        final long epochBefore = firstLeader.controllerEpoch();
        final int oldLeaderId = firstLeader.nodeId();
        final long failoverNs = System.nanoTime();
        firstLeader.halt();
        await(Duration.ofSeconds(15), "a new active controller", () ->
        {
            for (final ControllerNode node : nodes)
            {
                if (!node.isClosed() && node.isActiveController() && node.controllerEpoch() > epochBefore)
                {
                    return true;
                }
            }
            return false;
        });
        LOG.info("MEASURED failover: new leader {} in epoch {} {} ms after the leader was halted", leader().nodeId(),
            leader().controllerEpoch(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failoverNs));
        assertNotEquals(oldLeaderId, leader().nodeId());
        assertTrue(leader().controllerEpoch() > epochBefore);

        final Reply afterFailover = proposeUntilAnswered(
            () -> clients.get(1).createTopic("after-failover", new UUID(0xaf, 1), 3, 2, Map.of(), false));
        assertTrue(afterFailover.isOk(), afterFailover.toString());
        LOG.info("MEASURED first proposal answered {} ms after the leader halted",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failoverNs));
        await(Duration.ofSeconds(5), "clients follow the new controller", () -> clients.stream()
            .allMatch(c -> c.controllerEpoch() > epochBefore && null != c.image().topic("after-failover") &&
                c.activeController() == leader().nodeId()));
        assertTrue(leader().fencedBrokers().isEmpty(), "no lease lapsed during the failover");

        // broker 2's session ends: fenced, its leaderships move with larger leader epochs
        final MetadataImage beforeFence = leader().image();
        final long oldBrokerEpoch = clients.get(2).brokerEpoch();
        clients.remove(2).close();
        final Duration fenced = await(Duration.ofMillis(SESSION_TIMEOUT_MS + 3_000), "broker 2 fenced",
            () -> leader().fencedBrokers().contains(2) && clients.get(0).image().broker(2).fenced());
        LOG.info("MEASURED broker 2 fenced {} ms after its client closed", fenced.toMillis());
        final MetadataImage afterFence = clients.get(0).image();
        for (final PartitionRegistration p : afterFence.topic("orders").partitions())
        {
            final PartitionRegistration old = beforeFence.partition("orders", p.partition());
            assertNotEquals(2, p.leader());
            assertFalse(p.isr().contains(2));
            assertTrue(p.leaderEpoch() >= old.leaderEpoch());
            if (2 == old.leader())
            {
                assertEquals(old.leaderEpoch() + 1, p.leaderEpoch());
            }
        }

        // and comes back as a new incarnation: a new, larger broker epoch, unfenced
        final QuorumClientConfig again = QuorumTesting.clientConfig(2, voters, clientDriver.aeronDirectoryName(), null);
        final QuorumClient restarted = QuorumClient.start(again);
        clients.add(restarted);
        final long newBrokerEpoch = restarted.registered().get(20, TimeUnit.SECONDS);
        assertTrue(newBrokerEpoch > oldBrokerEpoch, newBrokerEpoch + " > " + oldBrokerEpoch);
        await(Duration.ofSeconds(5), "broker 2 unfenced", () -> !leader().image().broker(2).fenced() &&
            !restarted.image().broker(2).fenced());
        assertTrue(call(() -> restarted.allocateProducerIds()).isOk());

        // the halted member comes back from its directories and catches up with the others
        final ControllerNodeConfig rejoin = QuorumTesting.nodeConfig(oldLeaderId, voters, dir);
        rejoin.sessionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS);
        rejoin.deleteDataOnStart = false;
        nodes[oldLeaderId] = ControllerNode.launch(rejoin);
        final Duration caughtUp = await(Duration.ofSeconds(20), "the old leader caught up",
            () -> nodes[oldLeaderId].image().equals(leader().image()));
        LOG.info("MEASURED the halted member rejoined and caught up in {} ms", caughtUp.toMillis());
        assertFalse(nodes[oldLeaderId].isActiveController());

        // a broker that stops sending keep-alives (hung, partitioned) loses its lease to the session timeout
        final QuorumClientConfig silent = QuorumTesting.clientConfig(3, voters, clientDriver.aeronDirectoryName(), null);
        silent.keepAliveIntervalMs = TimeUnit.MINUTES.toMillis(10);
        final QuorumClient hung = QuorumClient.start(silent);
        clients.add(hung);
        final long hungEpoch = hung.registered().get(20, TimeUnit.SECONDS);
        final Duration lapsed = await(Duration.ofMillis(SESSION_TIMEOUT_MS * 3), "broker 3 fenced by its lease",
            () -> leader().image().broker(3).fenced() || leader().image().broker(3).brokerEpoch() > hungEpoch);
        LOG.info("MEASURED broker 3 fenced {} ms after registering with no keep-alives (session timeout {} ms)",
            lapsed.toMillis(), SESSION_TIMEOUT_MS);
        assertTrue(lapsed.toMillis() >= SESSION_TIMEOUT_MS / 2, "not before the lease could lapse");
        // its client sees the session closed, reconnects and registers again: a new broker epoch
        await(Duration.ofSeconds(10), "broker 3 re-registered", () -> hung.brokerEpoch() > hungEpoch);
    }

    private ControllerNode leader()
    {
        for (final ControllerNode node : nodes)
        {
            if (!node.isClosed() && node.isActiveController())
            {
                return node;
            }
        }
        throw new AssertionError("no leader");
    }

    private static Reply call(final Supplier<java.util.concurrent.CompletableFuture<Reply>> proposal)
        throws Exception
    {
        return proposal.get().get(15, TimeUnit.SECONDS);
    }

    /** A proposal in flight at a failover times out (it is never resent); a caller retries. */
    private static Reply proposeUntilAnswered(final Supplier<java.util.concurrent.CompletableFuture<Reply>> proposal)
        throws Exception
    {
        Reply reply = call(proposal);
        for (int i = 0; i < 5 && reply.error() == io.ringlog.replication.controller.ControllerError.REQUEST_TIMED_OUT;
            i++)
        {
            LOG.info("retrying after {}", reply.message());
            reply = call(proposal);
        }
        return reply;
    }
}
