package io.ringlog.broker;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Kafka clients see of a three-broker cluster (three brokers in this JVM, a three-voter quorum): group requests
 * to a broker that does not lead the group's {@code __consumer_offsets} partition are answered NOT_COORDINATOR;
 * NOT_LEADER_OR_FOLLOWER answers to Produce and Fetch name the current leader and its endpoint (KIP-951), also for a
 * partition with no replica on the broker asked (not UNKNOWN_TOPIC_OR_PARTITION); and a consumer group carries on when
 * its coordinator's broker stops, at the broker that leads the partition next. Committed offsets and membership move
 * with the group only as far as the offsets partition is replicated, so only what holds either way is asserted. One
 * cluster for the class; the test that stops a broker runs last.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterClientEdgeTest
{
    private static final int OFFSETS_PARTITIONS = 3;

    private final List<TestBroker> brokers = new ArrayList<>();

    @BeforeAll
    void startCluster(@TempDir final Path dir) throws Exception
    {
        final String voters = FreeUdpPorts.voters(3);
        final List<CompletableFuture<TestBroker>> starting = new ArrayList<>();
        for (int node = 1; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new TestBroker(dir.resolve("node-" + id), "node.id=" + id,
                        "process.roles=broker,controller", "controller.quorum.voters=" + voters,
                        "default.replication.factor=1", "offsets.topic.num.partitions=" + OFFSETS_PARTITIONS,
                        "group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=1000",
                        "broker.session.timeout.ms=2000");
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        for (final CompletableFuture<TestBroker> f : starting)
        {
            brokers.add(f.get(90, TimeUnit.SECONDS));
        }
        Conditions.await("every broker registered and unfenced", Duration.ofSeconds(30),
            () -> image().liveBrokers().size() == 3);
    }

    @AfterAll
    void stopCluster()
    {
        brokers.parallelStream().filter(b -> b != null).forEach(TestBroker::close);
    }

    @Test
    @Order(1)
    void groupRequestsToABrokerNotLeadingTheGroupsPartitionAreAnsweredNotCoordinator() throws Exception
    {
        final String group = "elsewhere";
        final MetadataImage.PartitionImage offsets = offsetsPartition(group);
        final int coordinator = offsets.leader();
        // Rather a broker holding a follower's replica of the partition (it has the log, but does not lead it).
        final int other = offsets.replicas().stream().filter(r -> r != coordinator).findFirst()
            .orElse(coordinator % 3 + 1);
        try (RawKafkaClient client = new RawKafkaClient(broker(other).broker.port()))
        {
            final FindCoordinatorResponseData found = client.call(new FindCoordinatorRequestData().setKeyType((byte)0)
                .setCoordinatorKeys(List.of(group)), (short)4);
            assertEquals(coordinator, found.coordinators().get(0).nodeId(), "FindCoordinator names the leader");

            final JoinGroupResponseData join = client.call(new JoinGroupRequestData().setGroupId(group)
                .setMemberId("").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
                .setProtocols(protocols()), (short)9);
            assertEquals(Errors.NOT_COORDINATOR.code(), join.errorCode(), "JoinGroup");
            final SyncGroupResponseData sync = client.call(new SyncGroupRequestData().setGroupId(group)
                .setMemberId("m").setGenerationId(1), (short)5);
            assertEquals(Errors.NOT_COORDINATOR.code(), sync.errorCode(), "SyncGroup");
            final HeartbeatResponseData heartbeat = client.call(new HeartbeatRequestData().setGroupId(group)
                .setMemberId("m").setGenerationId(1), (short)4);
            assertEquals(Errors.NOT_COORDINATOR.code(), heartbeat.errorCode(), "Heartbeat");
            final LeaveGroupResponseData leave = client.call(new LeaveGroupRequestData().setGroupId(group)
                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId("m"))), (short)5);
            assertEquals(Errors.NOT_COORDINATOR.code(), leave.errorCode(), "LeaveGroup");
            final OffsetCommitResponseData commit = client.call(new OffsetCommitRequestData().setGroupId(group)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(List.of(
                    new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("any").setPartitions(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                            .setCommittedOffset(1))))), (short)8);
            assertEquals(Errors.NOT_COORDINATOR.code(), commit.topics().get(0).partitions().get(0).errorCode(),
                "OffsetCommit");
            final OffsetFetchResponseData fetch = client.call(new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setTopics(null))), (short)8);
            assertEquals(Errors.NOT_COORDINATOR.code(), fetch.groups().get(0).errorCode(), "OffsetFetch");
            final DescribeGroupsResponseData describe = client.call(new DescribeGroupsRequestData()
                .setGroups(List.of(group)), (short)5);
            assertEquals(Errors.NOT_COORDINATOR.code(), describe.groups().get(0).errorCode(), "DescribeGroups");
            final DeleteGroupsResponseData delete = client.call(new DeleteGroupsRequestData()
                .setGroupsNames(List.of(group)), (short)2);
            assertEquals(Errors.NOT_COORDINATOR.code(), delete.results().find(group).errorCode(), "DeleteGroups");
        }
        try (RawKafkaClient client = new RawKafkaClient(broker(coordinator).broker.port()))
        {
            final JoinGroupResponseData join = client.call(new JoinGroupRequestData().setGroupId(group)
                .setMemberId("").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
                .setProtocols(protocols()), (short)9);
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), join.errorCode(), "the coordinator takes the join");
        }
    }

    @Test
    @Order(2)
    void notLeaderAnswersNameTheCurrentLeaderAndItsEndpoint() throws Exception
    {
        try (Admin admin = TestBroker.adminFor(brokers.get(0).bootstrap()))
        {
            admin.createTopics(List.of(new NewTopic("followed", 1, (short)3), new NewTopic("single", 3, (short)1)))
                .all().get(30, TimeUnit.SECONDS);
        }
        Conditions.await("the new partitions have leaders everywhere", Duration.ofSeconds(30), () ->
            brokers.stream().allMatch(b -> leadersKnown(b.broker.controller().image(), "followed") &&
                leadersKnown(b.broker.controller().image(), "single")));

        // A follower's replica: Produce v12 (and v10, the first with KIP-951) names the leader, its epoch and endpoint.
        final MetadataImage.PartitionImage followed = image().partition("followed", 0);
        final int follower = followed.replicas().stream().filter(r -> r != followed.leader()).findFirst().orElseThrow();
        for (final short version : new short[] {10, 12})
        {
            try (RawKafkaClient client = new RawKafkaClient(broker(follower).broker.port()))
            {
                final ProduceResponseData response = client.call(RawKafkaClient.produceRequest("followed", 0, -1,
                    RawKafkaClient.batch("refused")), version);
                final ProduceResponseData.PartitionProduceResponse p =
                    response.responses().iterator().next().partitionResponses().get(0);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), p.errorCode(), "produce v" + version);
                assertEquals(followed.leader(), p.currentLeader().leaderId(), "current leader, v" + version);
                assertEquals(followed.leaderEpoch(), p.currentLeader().leaderEpoch(), "leader epoch, v" + version);
                assertEndpoint(followed.leader(), response.nodeEndpoints().find(followed.leader()));
            }
        }

        // A partition with no replica on the broker asked: NOT_LEADER_OR_FOLLOWER with the leader, for Produce,
        // Fetch (v12 names the leader; v16, by topic id, its endpoint too), ListOffsets and OffsetForLeaderEpoch.
        final MetadataImage.PartitionImage single = image().partition("single", 0);
        final int elsewhere = single.leader() % 3 + 1;
        final java.util.UUID id = image().topic("single").id();
        final Uuid topicId = new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
        try (RawKafkaClient client = new RawKafkaClient(broker(elsewhere).broker.port()))
        {
            final ProduceResponseData produced = client.call(RawKafkaClient.produceRequest("single", 0, 1,
                RawKafkaClient.batch("refused")), RawKafkaClient.PRODUCE_VERSION);
            final ProduceResponseData.PartitionProduceResponse p =
                produced.responses().iterator().next().partitionResponses().get(0);
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), p.errorCode(), "produce to a partition held elsewhere");
            assertEquals(single.leader(), p.currentLeader().leaderId());
            assertEndpoint(single.leader(), produced.nodeEndpoints().find(single.leader()));

            final FetchResponseData.PartitionData byName = fetch(client, (short)12, "single", Uuid.ZERO_UUID);
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), byName.errorCode(), "fetch v12");
            assertEquals(single.leader(), byName.currentLeader().leaderId());
            assertEquals(single.leaderEpoch(), byName.currentLeader().leaderEpoch());
            final FetchResponseData v16 = client.call(fetchRequest(null, topicId), (short)16);
            final FetchResponseData.PartitionData byId = v16.responses().get(0).partitions().get(0);
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), byId.errorCode(), "fetch v16");
            assertEquals(single.leader(), byId.currentLeader().leaderId());
            assertEndpoint(single.leader(), v16.nodeEndpoints().find(single.leader()));

            final ListOffsetsResponseData offsets = client.call(new ListOffsetsRequestData().setReplicaId(-1)
                .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName("single").setPartitions(
                    List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)
                        .setCurrentLeaderEpoch(-1))))), (short)7);
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), offsets.topics().get(0).partitions().get(0).errorCode(),
                "ListOffsets");
            final OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics =
                new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
            topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("single").setPartitions(
                List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0)
                    .setLeaderEpoch(0).setCurrentLeaderEpoch(-1))));
            final OffsetForLeaderEpochResponseData epochs = client.call(new OffsetForLeaderEpochRequestData()
                .setReplicaId(-1).setTopics(topics), (short)4);
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(),
                epochs.topics().iterator().next().partitions().get(0).errorCode(), "OffsetForLeaderEpoch");

            // A partition the image does not know is still unknown.
            final ProduceResponseData unknown = client.call(RawKafkaClient.produceRequest("single", 7, 1,
                RawKafkaClient.batch("refused")), RawKafkaClient.PRODUCE_VERSION);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                unknown.responses().iterator().next().partitionResponses().get(0).errorCode());
        }
    }

    @Test
    @Order(3)
    void aGroupCarriesOnWhenItsCoordinatorStops() throws Exception
    {
        // A group whose offsets partition has a replica on another broker, to lead it when the coordinator stops.
        String group = null;
        for (int i = 0; group == null && i < 100; i++)
        {
            if (offsetsPartition("movers-" + i).replicas().size() > 1)
            {
                group = "movers-" + i;
            }
        }
        assertNotNull(group, "an offsets partition with more than one replica: " + image().topic("__consumer_offsets"));
        final int coordinator = offsetsPartition(group).leader();
        final List<TestBroker> survivors = brokers.stream().filter(b -> b.broker.config().nodeId() != coordinator)
            .toList();
        final String bootstrap = survivors.stream().map(TestBroker::bootstrap).collect(Collectors.joining(","));
        try (Admin admin = TestBroker.adminFor(bootstrap))
        {
            admin.createTopics(List.of(new NewTopic("moving", 6, (short)1))).all().get(30, TimeUnit.SECONDS);
        }
        Conditions.await("moving's leaders known", Duration.ofSeconds(30), () -> leadersKnown(image(), "moving"));
        // Records go only to partitions the surviving brokers lead: without replication the others' records stop
        // with their broker.
        final List<Integer> kept = image().topic("moving").partitions().stream()
            .filter(p -> p.leader() != coordinator).map(MetadataImage.PartitionImage::partition).toList();
        assertTrue(!kept.isEmpty(), "some partition of moving is led by a surviving broker");

        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, "acks", "all");
             KafkaConsumer<String, String> consumer = TestBroker.consumerFor(bootstrap,
                 ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                 ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                 ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, 50))
        {
            send(producer, kept, "before", 20);
            consumer.subscribe(List.of("moving"));
            final Set<String> read = new HashSet<>();
            pollUntil(consumer, read, "before", 20);
            consumer.commitSync(Duration.ofSeconds(20));
            try (Admin admin = TestBroker.adminFor(bootstrap))
            {
                assertEquals(coordinator, describe(admin, group).coordinator().id(), "the coordinator before");
            }

            final long stopping = System.nanoTime();
            broker(coordinator).close();
            brokers.set(coordinator - 1, null);
            final long stoppedMs = (System.nanoTime() - stopping) / 1_000_000;
            send(producer, kept, "after", 20);
            pollUntil(consumer, read, "after", 20);
            final long consumingMs = (System.nanoTime() - stopping) / 1_000_000;
            consumer.commitSync(Duration.ofSeconds(20));

            final int next = offsetsPartition(group).leader();
            assertNotEquals(coordinator, next, "the offsets partition moved");
            try (Admin admin = TestBroker.adminFor(bootstrap))
            {
                final String g = group;
                Conditions.await("the group stable at its new coordinator", Duration.ofSeconds(30), () ->
                {
                    final ConsumerGroupDescription d = describeQuietly(admin, g);
                    return d != null && d.coordinator().id() == next && d.groupState() == GroupState.STABLE &&
                        d.members().size() == 1;
                });
                assertTrue(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(20, TimeUnit.SECONDS).containsKey(new TopicPartition("moving", kept.get(0))),
                    "commits go to the new coordinator");
            }
            System.out.printf("coordinator %d stopped in %d ms; the group read again %d ms after the stop began, " +
                "at coordinator %d%n", coordinator, stoppedMs, consumingMs, next);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private TestBroker broker(final int nodeId)
    {
        return brokers.get(nodeId - 1);
    }

    /** A live broker's image. */
    private MetadataImage image()
    {
        return brokers.stream().filter(b -> b != null).findFirst().orElseThrow().broker.controller().image();
    }

    private MetadataImage.PartitionImage offsetsPartition(final String group)
    {
        return image().partition("__consumer_offsets", Utils.abs(group.hashCode()) % OFFSETS_PARTITIONS);
    }

    private static boolean leadersKnown(final MetadataImage image, final String topic)
    {
        final MetadataImage.TopicImage t = image.topic(topic);
        return t != null && t.partitions().stream().allMatch(p -> p.leader() >= 0);
    }

    private void assertEndpoint(final int nodeId, final ProduceResponseData.NodeEndpoint endpoint)
    {
        assertNotNull(endpoint, "the leader's endpoint, node " + nodeId);
        assertEquals("127.0.0.1", endpoint.host());
        assertEquals(broker(nodeId).broker.port(), endpoint.port());
    }

    private void assertEndpoint(final int nodeId, final FetchResponseData.NodeEndpoint endpoint)
    {
        assertNotNull(endpoint, "the leader's endpoint, node " + nodeId);
        assertEquals("127.0.0.1", endpoint.host());
        assertEquals(broker(nodeId).broker.port(), endpoint.port());
    }

    private static JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols()
    {
        final JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
            new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return protocols;
    }

    private static FetchRequestData fetchRequest(final String topic, final Uuid topicId)
    {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
            .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(topicId).setPartitions(
                List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1)))));
    }

    private static FetchResponseData.PartitionData fetch(final RawKafkaClient client, final short version,
        final String topic, final Uuid topicId) throws Exception
    {
        final FetchResponseData response = client.call(fetchRequest(topic, topicId), version);
        return response.responses().get(0).partitions().get(0);
    }

    private static void send(final KafkaProducer<String, String> producer, final List<Integer> partitions,
        final String prefix, final int count) throws Exception
    {
        for (int i = 0; i < count; i++)
        {
            producer.send(new ProducerRecord<>("moving", partitions.get(i % partitions.size()), null, prefix + i))
                .get(30, TimeUnit.SECONDS);
        }
    }

    private static void pollUntil(final KafkaConsumer<String, String> consumer, final Set<String> read,
        final String prefix, final int count)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (read.stream().filter(v -> v.startsWith(prefix)).count() < count && System.nanoTime() < deadline)
        {
            for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100)))
            {
                read.add(r.value());
            }
        }
        assertEquals(count, read.stream().filter(v -> v.startsWith(prefix)).count(), prefix + " records read");
    }

    private static ConsumerGroupDescription describe(final Admin admin, final String group) throws Exception
    {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(20, TimeUnit.SECONDS);
    }

    private static ConsumerGroupDescription describeQuietly(final Admin admin, final String group)
    {
        try
        {
            return describe(admin, group);
        }
        catch (final Exception ex)
        {
            return null;
        }
    }
}
