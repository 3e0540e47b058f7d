package io.ringlog.broker.kafka.group;

import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.PartitionSequencer;
import io.ringlog.sequencer.SequencerConfig;
import io.ringlog.sequencer.SequencerShard;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinator alone, on a real journal and sequencer, driven by this thread with a clock it sets: the expiry of
 * offsets after {@code offsets.retention.minutes} (standalone groups by commit time, empty groups by the time they
 * emptied, live consumer groups only for topics they no longer read), with tombstones that a replay honours, and the
 * replay of groups with members; and groups following the leadership of their {@code __consumer_offsets}
 * partition (NOT_COORDINATOR once it is lost, COORDINATOR_LOAD_IN_PROGRESS while it is read back).
 */
@Timeout(60)
class GroupCoordinatorTest
{
    private static final long RETENTION_MS = 60_000;
    private static final long CHECK_MS = 1_000;
    private static final int SESSION_MS = 3_600_000;
    private static final UUID OFFSETS_ID = UUID.randomUUID();

    private final CachedEpochClock clock = new CachedEpochClock();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private SequencerShard shard;
    private AgentRunner shardRunner;
    private PartitionSequencer sequencer;
    private MetadataImage image;
    private GroupCoordinator coordinator;
    private OffsetsLeadership leadership;
    private Partition offsetsPartition;

    @BeforeEach
    void start(@TempDir final Path dir) throws Exception
    {
        clock.update(1_000_000_000L);
        final SequencerConfig config = SequencerConfig.builder().build();
        shard = new SequencerShard("test-shard", config, SystemEpochClock.INSTANCE, errors::add);
        shardRunner = new AgentRunner(new BackoffIdleStrategy(), errors::add, null, shard);
        AgentRunner.startOnThread(shardRunner);
        // Time retention off: the records carry this test's clock, far in the past.
        sequencer = new PartitionSequencer(PartitionLog.open(dir.resolve("__consumer_offsets-0"), OffsetsLog.TOPIC, 0,
            LogConfig.builder().retentionMs(-1).build()), 0, 1, config);
        shard.addPartition(sequencer).join();
        image = new MetadataImage(1, "cluster", 1,
            Map.of(1, new MetadataImage.BrokerRegistration(1, "127.0.0.1", 9092, null)),
            Map.of("t", topic("t"), "u", topic("u")));
        coordinator = newCoordinator();
    }

    @AfterEach
    void stop()
    {
        shardRunner.close();
        assertEquals(List.of(), errors);
    }

    private static MetadataImage.TopicImage topic(final String name)
    {
        return new MetadataImage.TopicImage(name, UUID.randomUUID(),
            List.of(new MetadataImage.PartitionImage(name, 0, 1, 0, List.of(1), List.of(1))), Map.of());
    }

    /** A coordinator over the same log, as after a broker restart: it replays the log when it starts. */
    private GroupCoordinator newCoordinator()
    {
        leadership = new OffsetsLeadership();
        final GroupCoordinator c = new GroupCoordinator(new GroupConfig(1, RETENTION_MS, CHECK_MS, 0, 0, SESSION_MS, 100),
            new OffsetsLog(1), leadership, () -> image, clock);
        offsetsPartition = new Partition(OffsetsLog.TOPIC, OFFSETS_ID, 0, sequencer.log(), sequencer, 0);
        leadership.onBecomeLeader(offsetsPartition, 0);
        c.onStart();
        final long deadline = System.nanoTime() + 10_000_000_000L;
        do
        {
            c.doWork();
        }
        while (!c.isLoaded() && System.nanoTime() < deadline);
        assertTrue(c.isLoaded(), "the partition is loaded");
        return c;
    }

    @Test
    void offsetsExpireByKafkasRulesAndTheirTombstonesSurviveAReplay()
    {
        // A group that only commits, and a consumer group with a member reading t (not u).
        assertEquals(Errors.NONE.code(), commit("solo", -1, "", "t", 5));
        final String member = joinAndSync("readers", "t");
        assertEquals(Errors.NONE.code(), commit("readers", 1, member, "t", 7));
        assertEquals(Errors.NONE.code(), commit("readers", 1, member, "u", 9));
        // A consumer group whose member leaves 50 s after its commit.
        final String leaver = joinAndSync("leavers", "t");
        assertEquals(Errors.NONE.code(), commit("leavers", 1, leaver, "t", 3));
        advance(50_000);
        call(ApiKeys.LEAVE_GROUP, (short)5, new LeaveGroupRequestData().setGroupId("leavers").setMembers(List.of(
            new LeaveGroupRequestData.MemberIdentity().setMemberId(leaver))));

        advance(RETENTION_MS - 50_000 + CHECK_MS + 10);
        assertEquals(-1, fetch("solo", "t"), "a standalone commit expires a retention period after it was made");
        assertEquals(7, fetch("readers", "t"), "a live group keeps what it reads");
        assertEquals(-1, fetch("readers", "u"), "and loses what it no longer reads");
        assertEquals(3, fetch("leavers", "t"), "an emptied group keeps its offsets a retention period after emptying");
        assertTrue(!listed().contains("solo"), "a group left with nothing is removed");

        advance(50_000 + CHECK_MS);
        assertEquals(-1, fetch("leavers", "t"));
        assertEquals(List.of("readers"), listed());

        coordinator = newCoordinator(); // replay: the tombstones hold, the live group comes back with its member
        assertEquals(List.of("readers"), listed());
        assertEquals(-1, fetch("solo", "t"));
        assertEquals(-1, fetch("readers", "u"));
        assertEquals(7, fetch("readers", "t"));
        final ClassicGroup readers = coordinator.groups.get("readers");
        assertEquals(GroupState.STABLE, readers.state);
        assertEquals(1, readers.generation);
        assertNotNull(readers.member(member));
        assertEquals("range", readers.protocol);
        assertEquals(Errors.NONE.code(), commit("readers", 1, member, "t", 8), "the member carries on after the replay");
    }

    @Test
    void groupsFollowTheLeadershipOfTheirPartition()
    {
        final String member = joinAndSync("movers", "t");
        assertEquals(Errors.NONE.code(), commit("movers", 1, member, "t", 7));
        // A second member's join starts a rebalance and waits for the first member to rejoin.
        final List<ApiMessage> parkedJoin = submit(ApiKeys.JOIN_GROUP, (short)3, join("movers", "t"));
        advance(0);
        assertEquals(List.of(), parkedJoin, "the second member's JoinGroup waits for the rebalance");

        // Another broker leads the partition now: the groups are dropped, the waiting join told to find the new
        // coordinator, and every request about the group answered NOT_COORDINATOR.
        leadership.onBecomeFollower(offsetsPartition, 2, 1);
        advance(0);
        assertEquals(1, parkedJoin.size());
        assertEquals(Errors.NOT_COORDINATOR.code(), ((JoinGroupResponseData)parkedJoin.get(0)).errorCode());
        assertEquals(Errors.NOT_COORDINATOR.code(), fetchGroupError("movers"));
        assertEquals(Errors.NOT_COORDINATOR.code(), heartbeat("movers", 1, member));
        assertEquals(List.of(), listed());
        assertTrue(coordinator.groups.isEmpty(), "nothing of the partition is kept in memory");

        // Led here again: requests that arrive with the change are answered as Kafka does while it loads
        // (OffsetFetch LOAD_IN_PROGRESS, Heartbeat NONE), then the partition is read back from the log.
        leadership.onBecomeLeader(offsetsPartition, 2);
        final List<ApiMessage> fetchWhileLoading = submit(ApiKeys.OFFSET_FETCH, (short)8, offsetFetch("movers", "t"));
        final List<ApiMessage> heartbeatWhileLoading = submit(ApiKeys.HEARTBEAT, (short)4, new HeartbeatRequestData()
            .setGroupId("movers").setGenerationId(1).setMemberId(member));
        coordinator.doWork();
        assertEquals(Errors.COORDINATOR_LOAD_IN_PROGRESS.code(),
            ((OffsetFetchResponseData)fetchWhileLoading.get(0)).groups().get(0).errorCode());
        assertEquals(Errors.NONE.code(), ((HeartbeatResponseData)heartbeatWhileLoading.get(0)).errorCode());
        advance(0);
        assertTrue(coordinator.isLoaded());
        assertEquals(7, fetch("movers", "t"), "the committed offset is read back from the log");
        assertEquals(GroupState.STABLE, coordinator.groups.get("movers").state);
        assertEquals(Errors.NONE.code(), heartbeat("movers", 1, member), "the member carries on");
    }

    // ---------------------------------------------------------------------------------------------------------------

    private List<ApiMessage> submit(final ApiKeys api, final short version, final ApiMessage data)
    {
        final List<ApiMessage> answers = new CopyOnWriteArrayList<>();
        assertTrue(coordinator.submit(new GroupCall(new ColdPathApi.ApiRequest(api.id, version, 1, "test", data),
            answers::add)));
        return answers;
    }

    private static JoinGroupRequestData join(final String group, final String topic)
    {
        final byte[] subscription = MessageUtil.toVersionPrefixedBytes((short)0,
            new ConsumerProtocolSubscription().setTopics(List.of(topic)));
        final JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
            new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        return new JoinGroupRequestData().setGroupId(group).setMemberId("").setSessionTimeoutMs(SESSION_MS)
            .setRebalanceTimeoutMs(SESSION_MS).setProtocolType("consumer").setProtocols(protocols);
    }

    private short heartbeat(final String group, final int generation, final String member)
    {
        final HeartbeatResponseData r = call(ApiKeys.HEARTBEAT, (short)4, new HeartbeatRequestData()
            .setGroupId(group).setGenerationId(generation).setMemberId(member));
        return r.errorCode();
    }

    private static OffsetFetchRequestData offsetFetch(final String group, final String topic)
    {
        return new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
            .setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(topic)
                .setPartitionIndexes(List.of(0))))));
    }

    private short fetchGroupError(final String group)
    {
        final OffsetFetchResponseData r = call(ApiKeys.OFFSET_FETCH, (short)8, offsetFetch(group, "t"));
        return r.groups().get(0).errorCode();
    }

    private void advance(final long ms)
    {
        clock.advance(ms);
        for (int i = 0; i < 100; i++)
        {
            coordinator.doWork();
        }
        drain();
    }

    /** Run the coordinator until every append it made has been answered. */
    private void drain()
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (coordinator.log.inFlightCount() > 0 && System.nanoTime() < deadline)
        {
            coordinator.doWork();
            Thread.onSpinWait();
        }
        coordinator.doWork();
    }

    @SuppressWarnings("unchecked")
    private <T extends ApiMessage> T call(final ApiKeys api, final short version, final ApiMessage data)
    {
        final List<ApiMessage> answers = new ArrayList<>();
        assertTrue(coordinator.submit(new GroupCall(new ColdPathApi.ApiRequest(api.id, version, 1, "test", data),
            answers::add)));
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (answers.isEmpty() && System.nanoTime() < deadline)
        {
            coordinator.doWork();
            Thread.onSpinWait();
        }
        assertEquals(1, answers.size(), api + " answered");
        return (T)answers.get(0);
    }

    private String joinAndSync(final String group, final String topic)
    {
        final byte[] subscription = MessageUtil.toVersionPrefixedBytes((short)0,
            new ConsumerProtocolSubscription().setTopics(List.of(topic)));
        final JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
            new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        final JoinGroupResponseData joined = call(ApiKeys.JOIN_GROUP, (short)3, new JoinGroupRequestData()
            .setGroupId(group).setMemberId("").setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(SESSION_MS)
            .setProtocolType("consumer").setProtocols(protocols));
        assertEquals(Errors.NONE.code(), joined.errorCode());
        final SyncGroupResponseData synced = call(ApiKeys.SYNC_GROUP, (short)5, new SyncGroupRequestData()
            .setGroupId(group).setGenerationId(joined.generationId()).setMemberId(joined.memberId())
            .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                .setMemberId(joined.memberId()).setAssignment(new byte[] {1}))));
        assertEquals(Errors.NONE.code(), synced.errorCode());
        return joined.memberId();
    }

    private short commit(final String group, final int generation, final String member, final String topic,
        final long offset)
    {
        final OffsetCommitResponseData r = call(ApiKeys.OFFSET_COMMIT, (short)8, new OffsetCommitRequestData()
            .setGroupId(group).setGenerationIdOrMemberEpoch(generation).setMemberId(member)
            .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(
                List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                    .setCommittedOffset(offset))))));
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    private long fetch(final String group, final String topic)
    {
        final OffsetFetchResponseData r = call(ApiKeys.OFFSET_FETCH, (short)8, new OffsetFetchRequestData().setGroups(
            List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(topic).setPartitionIndexes(List.of(0)))))));
        return r.groups().get(0).topics().get(0).partitions().get(0).committedOffset();
    }

    private List<String> listed()
    {
        final ListGroupsResponseData r = call(ApiKeys.LIST_GROUPS, (short)5, new ListGroupsRequestData());
        return r.groups().stream().map(ListGroupsResponseData.ListedGroup::groupId).sorted().toList();
    }
}
