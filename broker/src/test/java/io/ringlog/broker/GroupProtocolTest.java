package io.ringlog.broker;

import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic group protocol spoken by hand, for what clients do not show: every error code of the state machine
 * (MEMBER_ID_REQUIRED, INCONSISTENT_GROUP_PROTOCOL, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
 * REBALANCE_IN_PROGRESS, INVALID_SESSION_TIMEOUT), the rebalance and session timeouts, FindCoordinator's batched
 * form, LeaveGroup's batched form and OffsetFetch's multi-group form. One member per connection; a JoinGroup that
 * waits for the group is read on a helper thread.
 */
@Timeout(90)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupProtocolTest
{
    private static final short JOIN_V = 9;
    private static final short SYNC_V = 5;
    private static final short HEARTBEAT_V = 4;

    private TestBroker broker;
    private final List<RawKafkaClient> clients = new ArrayList<>();
    private final ExecutorService waiters = Executors.newCachedThreadPool(r ->
    {
        final Thread t = new Thread(r, "raw-join");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    void start(@TempDir final Path dir) throws Exception
    {
        broker = new TestBroker(dir, "group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=100",
            "offsets.topic.num.partitions=5");
        try (org.apache.kafka.clients.admin.Admin admin = broker.admin())
        {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("t", 2, (short)1))).all().get();
        }
    }

    @AfterEach
    void closeClients() throws IOException
    {
        for (final RawKafkaClient c : clients)
        {
            c.close();
        }
        clients.clear();
    }

    @AfterAll
    void stop()
    {
        waiters.shutdownNow();
        broker.close();
    }

    private RawKafkaClient client() throws IOException
    {
        final RawKafkaClient c = new RawKafkaClient(broker.broker.port());
        clients.add(c);
        return c;
    }

    @Test
    void findCoordinatorSingleAndBatched() throws Exception
    {
        final RawKafkaClient c = client();
        final FindCoordinatorResponseData v0 = c.call(new FindCoordinatorRequestData().setKey("g"), (short)0);
        assertEquals(Errors.NONE.code(), v0.errorCode());
        assertEquals(broker.broker.port(), v0.port());
        final FindCoordinatorResponseData v3 = c.call(new FindCoordinatorRequestData().setKey("g").setKeyType((byte)0),
            (short)3);
        assertEquals(Errors.NONE.code(), v3.errorCode());
        assertEquals(1, v3.nodeId());
        final FindCoordinatorResponseData batched = c.call(new FindCoordinatorRequestData()
            .setCoordinatorKeys(List.of("g1", "g2", "g3")).setKeyType((byte)0), (short)6);
        assertEquals(3, batched.coordinators().size());
        batched.coordinators().forEach(k ->
        {
            assertEquals(Errors.NONE.code(), k.errorCode(), k.key());
            assertEquals(broker.broker.port(), k.port());
        });
        final FindCoordinatorResponseData txn = c.call(new FindCoordinatorRequestData()
            .setCoordinatorKeys(List.of("my-txn")).setKeyType((byte)1), (short)4);
        // No transactions: an error every client treats as fatal at once (see GroupApis), with the reason.
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), txn.coordinators().get(0).errorCode());
        assertTrue(txn.coordinators().get(0).errorMessage().startsWith("Transactions are not supported"));
        final FindCoordinatorResponseData txnV3 = c.call(new FindCoordinatorRequestData().setKey("my-txn")
            .setKeyType((byte)1), (short)3);
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), txnV3.errorCode());
        assertTrue(txnV3.errorMessage().contains("'my-txn'"), txnV3.errorMessage());
    }

    @Test
    void memberIdRequiredThenJoinSyncHeartbeatLeave() throws Exception
    {
        final RawKafkaClient c = client();
        final JoinGroupResponseData first = c.call(join("g-basic", "", null, 10_000, "range"), JOIN_V);
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
        final String memberId = first.memberId();
        assertFalse(memberId.isEmpty());
        final JoinGroupResponseData joined = c.call(join("g-basic", memberId, null, 10_000, "range"), JOIN_V);
        assertEquals(Errors.NONE.code(), joined.errorCode());
        assertEquals(1, joined.generationId());
        assertEquals(memberId, joined.leader());
        assertEquals("range", joined.protocolName());
        assertEquals(1, joined.members().size());
        final byte[] assignment = "assigned".getBytes(StandardCharsets.UTF_8);
        final SyncGroupResponseData synced = c.call(sync("g-basic", 1, memberId, null, memberId, assignment), SYNC_V);
        assertEquals(Errors.NONE.code(), synced.errorCode());
        assertArrayEquals(assignment, synced.assignment());
        assertEquals(Errors.NONE.code(), heartbeat(c, "g-basic", 1, memberId, null));
        assertEquals("Stable", describe(c, "g-basic").groupState());

        // JoinGroup v3 predates MEMBER_ID_REQUIRED: the member is taken at once, and the group rebalances.
        final RawKafkaClient old = client();
        final CompletableFuture<JoinGroupResponseData> oldJoin = async(old, join("g-basic", "", null, 10_000, "range"),
            (short)3);
        Conditions.await("a rebalance", Duration.ofSeconds(10),
            () -> heartbeatQuietly(c, "g-basic", 1, memberId) == Errors.REBALANCE_IN_PROGRESS.code());
        final JoinGroupResponseData rejoined = c.call(join("g-basic", memberId, null, 10_000, "range"), JOIN_V);
        assertEquals(2, rejoined.generationId());
        assertEquals(2, rejoined.members().size());
        assertEquals(2, oldJoin.get(10, TimeUnit.SECONDS).generationId());

        final LeaveGroupResponseData left = c.call(new LeaveGroupRequestData().setGroupId("g-basic")
            .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(memberId),
                new LeaveGroupRequestData.MemberIdentity().setMemberId(oldJoin.get().memberId()),
                new LeaveGroupRequestData.MemberIdentity().setMemberId("nobody"))), (short)5);
        assertEquals(Errors.NONE.code(), left.errorCode());
        assertEquals(List.of(Errors.NONE.code(), Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code()),
            left.members().stream().map(LeaveGroupResponseData.MemberResponse::errorCode).toList());
        assertEquals("Empty", describe(c, "g-basic").groupState());
        final LeaveGroupResponseData v0 = c.call(new LeaveGroupRequestData().setGroupId("g-basic").setMemberId("x"),
            (short)0);
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), v0.errorCode());
    }

    @Test
    void inconsistentProtocolsAndBadTimeouts() throws Exception
    {
        final RawKafkaClient c = client();
        final String leader = joinAlone(c, "g-proto", null, 10_000);
        final RawKafkaClient other = client();
        final JoinGroupRequestData otherType = join("g-proto", "", null, 10_000, "range").setProtocolType("connect");
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), other.<JoinGroupResponseData>call(otherType, JOIN_V)
            .errorCode());
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), other.<JoinGroupResponseData>call(
            join("g-proto", "", null, 10_000, "roundrobin"), JOIN_V).errorCode());
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), other.<JoinGroupResponseData>call(
            join("g-new", "", null, 10_000).setProtocolType(""), JOIN_V).errorCode());
        assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(), other.<JoinGroupResponseData>call(
            join("g-proto", "", null, 50, "range"), JOIN_V).errorCode());
        assertEquals(Errors.INVALID_GROUP_ID.code(), other.<JoinGroupResponseData>call(
            join("", "", null, 10_000, "range"), JOIN_V).errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), other.<JoinGroupResponseData>call(
            join("g-never", "someone", null, 10_000, "range"), JOIN_V).errorCode());
        assertEquals("Stable", describe(c, "g-proto").groupState(), "the refusals left the group alone");
        assertEquals(Errors.NONE.code(), heartbeat(c, "g-proto", 1, leader, null));
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), c.<SyncGroupResponseData>call(
            sync("g-proto", 1, leader, null, leader, new byte[0]).setProtocolName("roundrobin"), SYNC_V).errorCode());
    }

    @Test
    void rebalanceInProgressStaleGenerationAndUnknownMember() throws Exception
    {
        final RawKafkaClient a = client();
        final String memberA = joinAlone(a, "g-gen", null, 10_000);
        final RawKafkaClient b = client();
        final String memberB = b.<JoinGroupResponseData>call(join("g-gen", "", null, 10_000, "range"), JOIN_V).memberId();
        final CompletableFuture<JoinGroupResponseData> joinB = async(b, join("g-gen", memberB, null, 10_000, "range"),
            JOIN_V);
        Conditions.await("PreparingRebalance", Duration.ofSeconds(10),
            () -> heartbeatQuietly(a, "g-gen", 1, memberA) == Errors.REBALANCE_IN_PROGRESS.code());
        assertEquals(Errors.NONE.code(), commit(a, "g-gen", 1, memberA, null, 5), "a commit while rebalancing");

        final JoinGroupResponseData joinA = a.call(join("g-gen", memberA, null, 10_000, "range"), JOIN_V);
        assertEquals(2, joinA.generationId());
        assertEquals(2, joinB.get(10, TimeUnit.SECONDS).generationId());
        assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), commit(a, "g-gen", 2, memberA, null, 6),
            "no commit between the join and the leader's sync");
        final CompletableFuture<SyncGroupResponseData> syncB = async(b, sync("g-gen", 2, memberB, null, null, null),
            SYNC_V);
        final SyncGroupResponseData syncA = a.call(sync("g-gen", 2, memberA, null, memberA, new byte[] {1}, memberB,
            new byte[] {2}), SYNC_V);
        assertArrayEquals(new byte[] {1}, syncA.assignment());
        assertArrayEquals(new byte[] {2}, syncB.get(10, TimeUnit.SECONDS).assignment());

        assertEquals(Errors.ILLEGAL_GENERATION.code(), commit(a, "g-gen", 1, memberA, null, 7));
        assertEquals(Errors.ILLEGAL_GENERATION.code(), heartbeat(a, "g-gen", 1, memberA, null));
        assertEquals(Errors.ILLEGAL_GENERATION.code(), a.<SyncGroupResponseData>call(
            sync("g-gen", 1, memberA, null, null, null), SYNC_V).errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(a, "g-gen", 2, "nobody", null, 7));
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(a, "g-gen", 2, "nobody", null));
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(a, "g-gen", -1, "", null, 7),
            "a commit without a generation to a group with members");
        assertEquals(Errors.NONE.code(), commit(a, "g-gen", 2, memberA, null, 8));
        assertEquals(8, fetchOffset(a, "g-gen", (short)8));
        assertEquals(Errors.ILLEGAL_GENERATION.code(), commit(a, "g-none", 3, "m", null, 1), "no such group (v8)");
    }

    @Test
    void aMemberThatDoesNotRejoinIsDroppedAfterTheRebalanceTimeout() throws Exception
    {
        final RawKafkaClient a = client();
        final String memberA = joinAlone(a, "g-slow", null, 10_000, 1_000);
        final RawKafkaClient b = client();
        final String memberB = b.<JoinGroupResponseData>call(join("g-slow", "", null, 10_000, "range"), JOIN_V)
            .memberId();
        final long start = System.nanoTime();
        // The group waits as long as its slowest member may take: the largest rebalance timeout, 1 s for both.
        final JoinGroupResponseData joinB = b.call(join("g-slow", memberB, null, 10_000, "range")
            .setRebalanceTimeoutMs(1_000), JOIN_V);
        final long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Errors.NONE.code(), joinB.errorCode());
        assertEquals(2, joinB.generationId());
        assertEquals(memberB, joinB.leader());
        assertEquals(1, joinB.members().size());
        assertTrue(waitedMs >= 900 && waitedMs < 8_000, "the join waited one rebalance timeout: " + waitedMs + " ms");
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(a, "g-slow", 1, memberA, null));
    }

    @Test
    void aSilentMemberExpiresAfterItsSessionTimeout() throws Exception
    {
        final RawKafkaClient a = client();
        final String member = joinAlone(a, "g-silent", null, 500);
        final long start = System.nanoTime();
        Conditions.await("the silent member expired", Duration.ofSeconds(10),
            () -> describeQuietly(a, "g-silent").groupState().equals("Empty"));
        final long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 5_000, "expired after " + ms + " ms");
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(a, "g-silent", 1, member, null));
    }

    @Test
    void staticMembersAreFencedByTheirReplacement() throws Exception
    {
        final RawKafkaClient a = client();
        final JoinGroupResponseData first = a.call(join("g-static", "", "instance-1", 10_000, "range"), JOIN_V);
        assertEquals(Errors.NONE.code(), first.errorCode(), "a static member needs no MEMBER_ID_REQUIRED round");
        final String old = first.memberId();
        assertEquals(Errors.NONE.code(), a.<SyncGroupResponseData>call(
            sync("g-static", first.generationId(), old, "instance-1", old, new byte[] {7}), SYNC_V).errorCode());
        final RawKafkaClient b = client();
        final RawKafkaClient restarted = client();
        // instance-2 joins: the group rebalances; instance-1 rejoins with its id, then both sync.
        final CompletableFuture<JoinGroupResponseData> followerJoin = async(b,
            join("g-static", "", "instance-2", 10_000, "range"), JOIN_V);
        Conditions.await("PreparingRebalance", Duration.ofSeconds(10),
            () -> describeQuietly(a, "g-static").groupState().equals("PreparingRebalance"));
        final JoinGroupResponseData rejoin = a.call(join("g-static", old, "instance-1", 10_000, "range"), JOIN_V);
        final JoinGroupResponseData follower = followerJoin.get(10, TimeUnit.SECONDS);
        assertEquals(Errors.NONE.code(), follower.errorCode());
        assertEquals(old, rejoin.leader());
        final int generation = rejoin.generationId();
        final CompletableFuture<SyncGroupResponseData> syncB = async(b,
            sync("g-static", generation, follower.memberId(), "instance-2", null, null), SYNC_V);
        a.call(sync("g-static", generation, old, "instance-1", old, new byte[] {1}, follower.memberId(), new byte[] {2}),
            SYNC_V);
        assertArrayEquals(new byte[] {2}, syncB.get(10, TimeUnit.SECONDS).assignment());

        // instance-2 restarts: a new member id takes its place and its assignment, with no rebalance.
        final JoinGroupResponseData replaced = restarted.call(join("g-static", "", "instance-2", 10_000, "range"),
            JOIN_V);
        assertEquals(Errors.NONE.code(), replaced.errorCode());
        assertEquals(generation, replaced.generationId(), "a follower's restart does not rebalance");
        assertNotEquals(follower.memberId(), replaced.memberId());
        final SyncGroupResponseData resynced = restarted.call(
            sync("g-static", generation, replaced.memberId(), "instance-2", null, null), SYNC_V);
        assertArrayEquals(new byte[] {2}, resynced.assignment());
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), heartbeat(b, "g-static", generation, follower.memberId(),
            "instance-2"));
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), commit(b, "g-static", generation, follower.memberId(),
            "instance-2", 3));
        assertEquals(Errors.NONE.code(), heartbeat(restarted, "g-static", generation, replaced.memberId(), "instance-2"));
        assertEquals(Errors.NONE.code(), heartbeat(a, "g-static", generation, old, "instance-1"));
        final DescribeGroupsResponseData.DescribedGroup described = describe(a, "g-static");
        assertEquals("Stable", described.groupState());
        assertEquals(List.of("instance-1", "instance-2"), described.members().stream()
            .map(DescribeGroupsResponseData.DescribedGroupMember::groupInstanceId).sorted().toList());
    }

    @Test
    void offsetFetchSingleAndMultiGroup() throws Exception
    {
        final RawKafkaClient c = client();
        assertEquals(Errors.NONE.code(), commit(c, "g-fetch-1", -1, "", null, 11));
        assertEquals(Errors.NONE.code(), commit(c, "g-fetch-2", -1, "", null, 22));
        assertEquals(11, fetchOffset(c, "g-fetch-1", (short)1));
        assertEquals(11, fetchOffset(c, "g-fetch-1", (short)7));
        assertEquals(-1, fetchOffset(c, "g-fetch-unknown", (short)7));
        final OffsetFetchResponseData multi = c.call(new OffsetFetchRequestData().setGroups(List.of(
            fetchGroup("g-fetch-1"), fetchGroup("g-fetch-2"), fetchGroup("g-fetch-unknown"),
            new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("g-fetch-2").setTopics(null))), (short)8);
        assertEquals(4, multi.groups().size());
        assertEquals(11, multi.groups().get(0).topics().get(0).partitions().get(0).committedOffset());
        assertEquals(22, multi.groups().get(1).topics().get(0).partitions().get(0).committedOffset());
        assertEquals(-1, multi.groups().get(2).topics().get(0).partitions().get(0).committedOffset());
        assertEquals("t", multi.groups().get(3).topics().get(0).name(), "every topic, for a null list");
        assertEquals(22, multi.groups().get(3).topics().get(0).partitions().get(0).committedOffset());
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Join a new group alone and sync: returns the member id, generation 1, Stable. */
    private String joinAlone(final RawKafkaClient c, final String group, final String instance, final int sessionMs)
        throws IOException
    {
        return joinAlone(c, group, instance, sessionMs, 10_000);
    }

    private String joinAlone(final RawKafkaClient c, final String group, final String instance, final int sessionMs,
        final int rebalanceMs) throws IOException
    {
        JoinGroupResponseData joined = c.call(join(group, "", instance, sessionMs, "range")
            .setRebalanceTimeoutMs(rebalanceMs), JOIN_V);
        if (joined.errorCode() == Errors.MEMBER_ID_REQUIRED.code())
        {
            joined = c.call(join(group, joined.memberId(), instance, sessionMs, "range").setRebalanceTimeoutMs(rebalanceMs),
                JOIN_V);
        }
        assertEquals(Errors.NONE.code(), joined.errorCode());
        assertEquals(1, joined.generationId());
        final SyncGroupResponseData synced = c.call(sync(group, 1, joined.memberId(), instance, joined.memberId(),
            new byte[0]), SYNC_V);
        assertEquals(Errors.NONE.code(), synced.errorCode());
        return joined.memberId();
    }

    private static JoinGroupRequestData join(final String group, final String memberId, final String instance,
        final int sessionMs, final String... protocols)
    {
        final JoinGroupRequestData.JoinGroupRequestProtocolCollection list =
            new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        for (final String p : protocols)
        {
            list.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(p).setMetadata(new byte[] {0, 1}));
        }
        return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setGroupInstanceId(instance)
            .setSessionTimeoutMs(sessionMs).setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
            .setProtocols(list);
    }

    /** A SyncGroup; {@code assignments} alternate member id and bytes (the leader's). */
    private static SyncGroupRequestData sync(final String group, final int generation, final String memberId,
        final String instance, final Object... assignments)
    {
        final SyncGroupRequestData data = new SyncGroupRequestData().setGroupId(group).setGenerationId(generation)
            .setMemberId(memberId).setGroupInstanceId(instance).setProtocolType("consumer").setProtocolName("range");
        for (int i = 0; i + 1 < assignments.length; i += 2)
        {
            if (assignments[i] != null)
            {
                data.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment()
                    .setMemberId((String)assignments[i]).setAssignment((byte[])assignments[i + 1]));
            }
        }
        return data;
    }

    private static short heartbeat(final RawKafkaClient c, final String group, final int generation,
        final String memberId, final String instance) throws IOException
    {
        final HeartbeatResponseData r = c.call(new HeartbeatRequestData().setGroupId(group).setGenerationId(generation)
            .setMemberId(memberId).setGroupInstanceId(instance), HEARTBEAT_V);
        return r.errorCode();
    }

    private static short heartbeatQuietly(final RawKafkaClient c, final String group, final int generation,
        final String memberId)
    {
        try
        {
            return heartbeat(c, group, generation, memberId, null);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Commit {@code offset} for t-0 (v8, topic by name); the partition's error. */
    private static short commit(final RawKafkaClient c, final String group, final int generation,
        final String memberId, final String instance, final long offset) throws IOException
    {
        final OffsetCommitResponseData r = c.call(new OffsetCommitRequestData().setGroupId(group)
            .setGenerationIdOrMemberEpoch(generation).setMemberId(memberId).setGroupInstanceId(instance)
            .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                    .setCommittedOffset(offset).setCommittedMetadata("m")))))
            , (short)8);
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    /** The committed offset of t-0, with OffsetFetch at {@code version} (1-7: one group). */
    private static long fetchOffset(final RawKafkaClient c, final String group, final short version) throws IOException
    {
        if (version >= 8)
        {
            final OffsetFetchResponseData r = c.call(new OffsetFetchRequestData().setGroups(List.of(fetchGroup(group))),
                version);
            assertEquals(Errors.NONE.code(), r.groups().get(0).errorCode());
            return r.groups().get(0).topics().get(0).partitions().get(0).committedOffset();
        }
        final OffsetFetchResponseData r = c.call(new OffsetFetchRequestData().setGroupId(group).setTopics(List.of(
            new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("t").setPartitionIndexes(List.of(0)))), version);
        assertEquals(Errors.NONE.code(), r.errorCode());
        return r.topics().get(0).partitions().get(0).committedOffset();
    }

    private static OffsetFetchRequestData.OffsetFetchRequestGroup fetchGroup(final String group)
    {
        return new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
            new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0))));
    }

    private static DescribeGroupsResponseData.DescribedGroup describe(final RawKafkaClient c, final String group)
        throws IOException
    {
        final DescribeGroupsResponseData r = c.call(new DescribeGroupsRequestData().setGroups(List.of(group)), (short)5);
        return r.groups().get(0);
    }

    private static DescribeGroupsResponseData.DescribedGroup describeQuietly(final RawKafkaClient c, final String group)
    {
        try
        {
            return describe(c, group);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Send on a helper thread: for a request the broker answers only when the rest of the group has moved. */
    private <T extends org.apache.kafka.common.protocol.ApiMessage> CompletableFuture<T> async(final RawKafkaClient c,
        final org.apache.kafka.common.protocol.ApiMessage request, final short version)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return c.<T>call(request, version);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }, waiters);
    }
}
