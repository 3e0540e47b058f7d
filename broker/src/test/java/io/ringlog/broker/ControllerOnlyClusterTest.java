package io.ringlog.broker;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.quorum.ControllerServer;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A three-voter quorum in this JVM where voter 1 runs the controller only ({@code process.roles=controller}: no Kafka
 * listener, no broker registration) and voters 2 and 3 are combined, each broker on its own rack: the brokers share
 * one cluster id chosen through the quorum (and written to their meta.properties), report their racks, place replicas
 * across racks, and answer Kafka's DescribeQuorum (kafka-clients' {@code Admin.describeMetadataQuorum()}).
 */
@Timeout(150)
class ControllerOnlyClusterTest
{
    @TempDir
    Path dir;

    private ControllerServer controller;
    private final List<TestBroker> brokers = new ArrayList<>();

    @AfterEach
    void close()
    {
        brokers.parallelStream().forEach(TestBroker::close);
        if (null != controller)
        {
            controller.close();
        }
    }

    @Test
    void aControllerOnlyVoterAndTwoCombinedNodesMakeOneClusterWithRacksAndDescribeQuorum() throws Exception
    {
        final String voters = FreeUdpPorts.voters(3);
        final CompletableFuture<ControllerServer> controllerStart = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return ControllerServer.start(BrokerConfig.from(Map.of(
                    "node.id", "1", "process.roles", "controller", "controller.quorum.voters", voters,
                    "log.dirs", dir.resolve("node-1").toString())));
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("controller 1 did not start", ex);
            }
        });
        final List<CompletableFuture<TestBroker>> starting = new ArrayList<>();
        for (int node = 2; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new TestBroker(dir.resolve("node-" + id), "node.id=" + id,
                        "process.roles=broker,controller", "controller.quorum.voters=" + voters,
                        "broker.rack=rack-" + (char)('a' + id - 2), "offsets.topic.num.partitions=2",
                        "default.replication.factor=1");
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        controller = controllerStart.get(90, TimeUnit.SECONDS);
        for (final CompletableFuture<TestBroker> f : starting)
        {
            brokers.add(f.get(90, TimeUnit.SECONDS));
        }
        assertFalse(Files.exists(dir.resolve("node-1").resolve("meta.properties")),
            "the controller-only node keeps no broker state, only its quorum member's files");

        try (Admin admin = TestBroker.adminFor(brokers.get(0).bootstrap()))
        {
            // Only the two brokers are brokers; both report the same cluster id, which is in their meta.properties.
            final DescribeClusterResult cluster = admin.describeCluster();
            final Map<Integer, String> racks = cluster.nodes().get(30, TimeUnit.SECONDS).stream()
                .collect(Collectors.toMap(Node::id, Node::rack));
            assertEquals(Map.of(2, "rack-a", 3, "rack-b"), racks);
            // the controller clients are told of is a broker, whichever voter leads (a controller-only one has no
            // Kafka listener: Admin would wait for a node assignment for ever)
            assertTrue(Set.of(2, 3).contains(cluster.controller().get().id()), cluster.controller().get().toString());
            final String clusterId = cluster.clusterId().get();
            assertNotNull(clusterId);
            try (Admin other = TestBroker.adminFor(brokers.get(1).bootstrap()))
            {
                assertEquals(clusterId, other.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
            }
            for (int node = 2; node <= 3; node++)
            {
                assertTrue(Files.readString(dir.resolve("node-" + node).resolve("meta.properties"),
                    StandardCharsets.UTF_8).contains("cluster.id=" + clusterId), "meta.properties of " + node);
            }

            // Rack-aware placement: every partition's two replicas are on both racks.
            admin.createTopics(List.of(new NewTopic("racked", 4, (short)2))).all().get(30, TimeUnit.SECONDS);
            final TopicDescription racked = admin.describeTopics(List.of("racked")).allTopicNames()
                .get(30, TimeUnit.SECONDS).get("racked");
            for (final TopicPartitionInfo p : racked.partitions())
            {
                assertEquals(Set.of("rack-a", "rack-b"), p.replicas().stream().map(Node::rack)
                    .collect(Collectors.toSet()), p.toString());
            }

            // DescribeQuorum through kafka-clients' Admin: three voters, the two brokers are not observers (voters).
            final QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertEquals(Set.of(1, 2, 3), quorum.voters().stream().map(QuorumInfo.ReplicaState::replicaId)
                .collect(Collectors.toSet()));
            assertTrue(Set.of(1, 2, 3).contains(quorum.leaderId()), quorum.toString());
            assertEquals(controller.node().controllerEpoch(), quorum.leaderEpoch(), quorum.toString());
            assertTrue(quorum.highWatermark() > 0, quorum.toString());
            assertTrue(quorum.observers().isEmpty(), quorum.toString());
            // The answering broker (whichever of 2 and 3 Admin asked) knows its own member's position.
            assertTrue(quorum.voters().stream().anyMatch(v -> (v.replicaId() == 2 || v.replicaId() == 3) &&
                v.logEndOffset() > 0), "the answering broker knows its own member's position: " + quorum);
            assertEquals(3, quorum.nodes().size(), quorum.toString());
            assertEquals(controller.node().activeController(), quorum.leaderId());
        }

        // The quorum survives the controller-only voter's leaving (two of three remain), and the brokers still answer.
        controller.close();
        controller = null;
        try (Admin admin = TestBroker.adminFor(brokers.get(1).bootstrap()))
        {
            Conditions.await("a change committed by the two remaining voters", Duration.ofSeconds(30), () ->
            {
                try
                {
                    admin.createTopics(List.of(new NewTopic("after", 1, (short)2))).all().get(10, TimeUnit.SECONDS);
                    return true;
                }
                catch (final Exception ex)
                {
                    return ex.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException;
                }
            });
            final QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertTrue(Set.of(2, 3).contains(quorum.leaderId()), quorum.toString());
        }
    }
}
