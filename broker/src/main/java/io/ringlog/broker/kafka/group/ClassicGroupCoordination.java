package io.ringlog.broker.kafka.group;

import io.ringlog.broker.core.group.GroupCoordination;
import io.ringlog.broker.kafka.AsyncApi;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.broker.kafka.KafkaIds;
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
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The classic coordinator behind the core's protocol-neutral {@link GroupCoordination}, for the native edge. The
 * coordinator's state machine still speaks kafka-clients' generated classes, so this adapter, on the Kafka side,
 * builds the request objects it understands (OffsetCommit and OffsetFetch v10, which name topics by id; JoinGroup
 * v9, SyncGroup v5, Heartbeat v4, LeaveGroup v5) and reads the plain answer out of the response. It goes when the
 * state machine moves into the core.
 * <p>
 * Any thread; never blocks (the coordinator's queue answers at once when full). Cold path: allocation is fine.
 */
final class ClassicGroupCoordination implements GroupCoordination
{
    private static final short OFFSET_COMMIT_VERSION = 10;
    private static final short OFFSET_FETCH_VERSION = 10;
    private static final short JOIN_GROUP_VERSION = 9;
    private static final short SYNC_GROUP_VERSION = 5;
    private static final short HEARTBEAT_VERSION = 4;
    private static final short LEAVE_GROUP_VERSION = 5;

    private final Map<Short, AsyncApi> apis;

    ClassicGroupCoordination(final Map<Short, AsyncApi> apis)
    {
        this.apis = Map.copyOf(apis);
    }

    @Override
    public void join(final Join r, final Answer<? super Joined> answer)
    {
        final JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
            new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(r.protocolName())
            .setMetadata(r.protocolMetadata()));
        final JoinGroupRequestData data = new JoinGroupRequestData()
            .setGroupId(r.groupId())
            .setSessionTimeoutMs(r.sessionTimeoutMs())
            .setRebalanceTimeoutMs(r.rebalanceTimeoutMs())
            .setMemberId(r.memberId())
            .setGroupInstanceId(null)
            .setProtocolType(r.protocolType())
            .setProtocols(protocols)
            .setReason(null);
        call(ApiKeys.JOIN_GROUP, JOIN_GROUP_VERSION, r.clientId(), data, answer,
            m -> joined((JoinGroupResponseData)m));
    }

    @Override
    public void sync(final Sync r, final Answer<? super Synced> answer)
    {
        final List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        for (int i = 0; i < r.assignedMemberIds().size(); i++)
        {
            assignments.add(new SyncGroupRequestData.SyncGroupRequestAssignment()
                .setMemberId(r.assignedMemberIds().get(i)).setAssignment(r.assignments().get(i)));
        }
        final SyncGroupRequestData data = new SyncGroupRequestData()
            .setGroupId(r.groupId())
            .setGenerationId(r.generationId())
            .setMemberId(r.memberId())
            .setGroupInstanceId(null)
            .setProtocolType(r.protocolType())
            .setProtocolName(r.protocolName())
            .setAssignments(assignments);
        call(ApiKeys.SYNC_GROUP, SYNC_GROUP_VERSION, r.clientId(), data, answer, m ->
        {
            final SyncGroupResponseData s = (SyncGroupResponseData)m;
            return new Synced(forNative(s.errorCode()), s.assignment() == null ? new byte[0] : s.assignment());
        });
    }

    @Override
    public void heartbeat(final String groupId, final int generationId, final String memberId, final String clientId,
        final Answer<? super Short> answer)
    {
        final HeartbeatRequestData data = new HeartbeatRequestData()
            .setGroupId(groupId).setGenerationId(generationId).setMemberId(memberId).setGroupInstanceId(null);
        call(ApiKeys.HEARTBEAT, HEARTBEAT_VERSION, clientId, data, answer,
            m -> forNative(((HeartbeatResponseData)m).errorCode()));
    }

    @Override
    public void leave(final String groupId, final String memberId, final String clientId, final String reason,
        final Answer<? super Short> answer)
    {
        final LeaveGroupRequestData data = new LeaveGroupRequestData()
            .setGroupId(groupId)
            .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity()
                .setMemberId(memberId).setGroupInstanceId(null).setReason(reason)));
        call(ApiKeys.LEAVE_GROUP, LEAVE_GROUP_VERSION, clientId, data, answer,
            m -> leaveError((LeaveGroupResponseData)m));
    }

    @Override
    public void commitOffset(final Commit r, final Answer<? super Short> answer)
    {
        final OffsetCommitRequestData data = new OffsetCommitRequestData()
            .setGroupId(r.groupId())
            .setGenerationIdOrMemberEpoch(r.generationId())
            .setMemberId(r.memberId())
            .setGroupInstanceId(null)
            .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                .setTopicId(KafkaIds.toKafka(r.topicId()))
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                    .setPartitionIndex(r.partition())
                    .setCommittedOffset(r.offset())
                    .setCommittedLeaderEpoch(r.leaderEpoch())
                    .setCommittedMetadata(r.metadata())))));
        call(ApiKeys.OFFSET_COMMIT, OFFSET_COMMIT_VERSION, r.clientId(), data, answer,
            m -> commitError((OffsetCommitResponseData)m));
    }

    @Override
    public void fetchOffset(final String groupId, final UUID topicId, final int partition, final String clientId,
        final Answer<? super Committed> answer)
    {
        final OffsetFetchRequestData data = new OffsetFetchRequestData()
            .setRequireStable(false)
            .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId(groupId)
                .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                    .setTopicId(KafkaIds.toKafka(topicId))
                    .setPartitionIndexes(List.of(partition))))));
        call(ApiKeys.OFFSET_FETCH, OFFSET_FETCH_VERSION, clientId, data, answer,
            m -> committed((OffsetFetchResponseData)m));
    }

    private <T> void call(final ApiKeys api, final short version, final String clientId, final ApiMessage data,
        final Answer<? super T> answer, final Function<ApiMessage, T> read)
    {
        final AsyncApi handler = apis.get(api.id);
        if (handler == null)
        {
            answer.complete(null, new IllegalStateException("no group coordinator"));
            return;
        }
        try
        {
            // Hands the request to the coordinator's queue (or answers at once when it is full): never blocks.
            handler.handle(new ColdPathApi.ApiRequest(api.id, version, 0, clientId, data), response ->
            {
                final T value;
                try
                {
                    value = read.apply(response);
                }
                catch (final RuntimeException ex)
                {
                    answer.complete(null, ex);
                    return;
                }
                answer.complete(value, null);
            });
        }
        catch (final RuntimeException ex)
        {
            answer.complete(null, ex);
        }
    }

    private static Joined joined(final JoinGroupResponseData r)
    {
        final List<String> ids = new ArrayList<>();
        final List<byte[]> metadata = new ArrayList<>();
        for (final JoinGroupResponseData.JoinGroupResponseMember m : r.members())
        {
            ids.add(m.memberId());
            metadata.add(m.metadata() == null ? new byte[0] : m.metadata());
        }
        return new Joined(forNative(r.errorCode()), r.generationId(), nullToEmpty(r.protocolName()),
            nullToEmpty(r.leader()), nullToEmpty(r.memberId()), ids, metadata);
    }

    private static Short commitError(final OffsetCommitResponseData r)
    {
        for (final OffsetCommitResponseData.OffsetCommitResponseTopic t : r.topics())
        {
            for (final OffsetCommitResponseData.OffsetCommitResponsePartition p : t.partitions())
            {
                return forNative(p.errorCode());
            }
        }
        return Errors.NONE.code();
    }

    private static Committed committed(final OffsetFetchResponseData r)
    {
        short code = r.errorCode();
        long offset = -1;
        int epoch = -1;
        String metadata = "";
        for (final OffsetFetchResponseData.OffsetFetchResponseGroup g : r.groups())
        {
            if (g.errorCode() != Errors.NONE.code())
            {
                code = g.errorCode();
                break;
            }
            for (final OffsetFetchResponseData.OffsetFetchResponseTopics t : g.topics())
            {
                for (final OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions())
                {
                    code = p.errorCode();
                    offset = p.committedOffset();
                    epoch = p.committedLeaderEpoch();
                    metadata = p.metadata();
                }
            }
        }
        return new Committed(forNative(code), offset, epoch, metadata);
    }

    private static Short leaveError(final LeaveGroupResponseData r)
    {
        if (r.errorCode() != Errors.NONE.code())
        {
            return forNative(r.errorCode());
        }
        for (final LeaveGroupResponseData.MemberResponse m : r.members())
        {
            return forNative(m.errorCode());
        }
        return Errors.NONE.code();
    }

    /**
     * The native protocol's clients retry COORDINATOR_NOT_AVAILABLE but not COORDINATOR_LOAD_IN_PROGRESS (its list of
     * retriable codes predates the coordinator loading a partition while it serves), so a group being loaded is
     * answered as unavailable for a moment: the same advice, retry shortly.
     */
    private static short forNative(final short code)
    {
        return code == Errors.COORDINATOR_LOAD_IN_PROGRESS.code() ? Errors.COORDINATOR_NOT_AVAILABLE.code() : code;
    }

    private static String nullToEmpty(final String s)
    {
        return s == null ? "" : s;
    }
}
