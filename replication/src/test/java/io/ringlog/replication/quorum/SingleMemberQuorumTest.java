package io.ringlog.replication.quorum;

import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.controller.ControllerError;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.PartitionRegistration;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.ringlog.replication.quorum.QuorumTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-member quorum: starts in about a second, a client registers and creates a topic and sees the delta before the
 * reply; commands pass the snapshot threshold so a snapshot is taken and the archived log purged; a restart from
 * the same directories recovers the state from snapshot plus log.
 */
@Timeout(60)
class SingleMemberQuorumTest
{
    private static final Logger LOG = LoggerFactory.getLogger(SingleMemberQuorumTest.class);

    private final File dir = QuorumTesting.tempDir("ringlog-quorum-1-");
    private ControllerNode node;
    private QuorumClient client;

    @AfterEach
    void tearDown()
    {
        CloseHelper.closeAll(client, node);
        IoUtil.delete(dir, true);
    }

    @Test
    void startRegisterCreateSnapshotPurgeAndRecover() throws Exception
    {
        final String voters = QuorumTesting.voters(1);
        final ControllerNodeConfig config = QuorumTesting.nodeConfig(0, voters, dir);
        config.logTermLength = 64 * 1024;
        config.ingressTermLength = 64 * 1024;
        config.archiveSegmentLength = 128 * 1024;
        config.snapshotEveryCommands = 100;

        final long startNs = System.nanoTime();
        node = ControllerNode.launch(config);
        final Duration started = node.awaitActiveController(Duration.ofSeconds(10));
        LOG.info("MEASURED one-member quorum start: {} ms", started.toMillis());
        assertTrue(started.toMillis() < 5_000, "started in " + started);
        assertEquals(0, node.activeController());

        client = QuorumTesting.client(0, voters, node.aeronDirectoryName());
        final long brokerEpoch = client.registered().get(10, TimeUnit.SECONDS);
        LOG.info("MEASURED one-member launch to registered: {} ms",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
        assertEquals(brokerEpoch, client.brokerEpoch());
        final List<MetadataImage> seen = new CopyOnWriteArrayList<>();
        client.subscribe(seen::add);

        final UUID topicId = new UUID(42, 43);
        final Reply created = client.createTopic("orders", topicId, 3, 1, Map.of("retention.ms", "1000"), false)
            .get(10, TimeUnit.SECONDS);
        assertTrue(created.isOk(), created.toString());
        // the delta is published before the reply, on the same session: the image already has the topic
        final MetadataImage image = client.image();
        assertNotNull(image.topic("orders"));
        assertEquals(topicId, image.topic("orders").id());
        assertEquals(0, image.controllerEpoch());
        assertTrue(seen.stream().anyMatch(i -> null != i.topic("orders")));
        for (final PartitionRegistration p : image.topic("orders").partitions())
        {
            assertEquals(0, p.leader());
        }
        assertEquals(ControllerError.TOPIC_ALREADY_EXISTS,
            client.createTopic("orders", new UUID(1, 1), 1, 1, Map.of(), false).get(10, TimeUnit.SECONDS).error());
        assertEquals(ControllerError.INVALID_REPLICATION_FACTOR,
            client.createTopic("rf2", new UUID(1, 2), 1, 2, Map.of(), false).get(10, TimeUnit.SECONDS).error());
        // a delta, a full image and a snapshot far larger than one message travel in pieces
        assertTrue(client.createTopic("wide", new UUID(3, 3), 4000, 1, Map.of(), false).get(10, TimeUnit.SECONDS)
            .isOk());
        assertEquals(4000, client.image().topic("wide").partitions().size());
        final io.ringlog.replication.client.QuorumClientConfig adminConfig =
            QuorumTesting.clientConfig(99, voters, node.aeronDirectoryName(), null);
        adminConfig.register = false;
        try (QuorumClient admin = QuorumClient.start(adminConfig))
        {
            await(Duration.ofSeconds(10), "a late client's full image",
                () -> null != admin.image().topic("wide") && admin.image().equals(node.image()));
            final Reply huge = admin.alterConfigs("wide", Map.of("big", "y".repeat(64 * 1024)), Set.of(), false, false)
                .get(10, TimeUnit.SECONDS);
            assertEquals(ControllerError.INVALID_REQUEST, huge.error(), huge.message());
        }

        final long pidStart = client.allocateProducerIds().get(10, TimeUnit.SECONDS).value();
        assertEquals(pidStart + 1000, client.allocateProducerIds().get(10, TimeUnit.SECONDS).value());

        // ~300 KiB of config changes: past the snapshot threshold and over two 128 KiB archive segments
        final String big = "x".repeat(2048);
        for (int i = 0; i < 160; i++)
        {
            final Reply r = client.alterConfigs("orders", Map.of("k" + (i % 7), big + i), Set.of(), false, false)
                .get(10, TimeUnit.SECONDS);
            assertTrue(r.isOk(), r.toString());
        }
        await(Duration.ofSeconds(15), "a snapshot", () -> node.snapshotsTaken() >= 1);
        final Duration purged = await(Duration.ofSeconds(15), "the log purged", () -> node.logSegmentsPurged() > 0);
        LOG.info("log purged to {} ({} segments) {} ms after the snapshot", node.logPurgedUpTo(),
            node.logSegmentsPurged(), purged.toMillis());
        assertTrue(node.logPurgedUpTo() > 0);
        final File archiveDir = new File(config.dataDir, "archive");
        assertFalse(new File(archiveDir, "0-0.rec").exists(), "the log's first segment file is gone");
        assertTrue(new File(archiveDir, "0-" + node.logPurgedUpTo() + ".rec").exists(), "the log starts there now");

        // after the snapshot: changes only in the log
        assertTrue(client.createTopic("after-snapshot", new UUID(7, 7), 2, 1, Map.of(), false)
            .get(10, TimeUnit.SECONDS).isOk());
        assertTrue(client.deleteTopic("rf2").get(10, TimeUnit.SECONDS).error() ==
            ControllerError.UNKNOWN_TOPIC_OR_PARTITION);
        assertTrue(node.image().equals(client.image()), "the client follows the quorum exactly");

        client.close(); // ends the lease: the broker is fenced, its partitions go offline
        client = null;
        await(Duration.ofSeconds(5), "broker 0 fenced", () -> node.fencedBrokers().contains(0));
        final MetadataImage before = node.image();
        assertEquals(4005, before.offlinePartitions().size(), "orders 3, wide 4000, after-snapshot 2");
        node.close();

        config.deleteDataOnStart = false;
        node = ControllerNode.launch(config);
        final Duration restarted = node.awaitActiveController(Duration.ofSeconds(10));
        LOG.info("MEASURED one-member restart from snapshot + log: {} ms", restarted.toMillis());
        await(Duration.ofSeconds(10), "state recovered", () -> node.image().position() >= before.position());
        final MetadataImage after = node.image();
        assertTrue(before.topicsById().equals(after.topicsById()), "topics recovered");
        assertTrue(before.brokers().equals(after.brokers()), "brokers recovered");
        assertEquals(before.nextProducerId(), after.nextProducerId());
        assertEquals(before.highestBrokerEpoch(), after.highestBrokerEpoch());
        assertEquals(before.brokers().keySet(), after.brokers().keySet());
        assertTrue(after.controllerEpoch() >= before.controllerEpoch());
        assertTrue(node.controllerEpoch() > before.controllerEpoch(), "a restart starts a new term");
        assertFalse(after.topic("after-snapshot").partitions().isEmpty());
    }
}
