package io.ringlog.broker.nativeapi;


import io.ringlog.broker.kafka.AsyncApi;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.PartitionRegistry;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.HeartbeatRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestDecoder;
import org.agrona.concurrent.status.AtomicCounter;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The native protocol's cold-path requests, answered by the same code that answers Kafka clients: Metadata through
 * the broker's {@code MetadataApi} (so a topic is auto-created by exactly Kafka's rules) and InitProducerId through
 * its {@code ClusterApi}, both on the admin executor because they may create files or block on the controller; the
 * consumer-group calls through the group coordinator's {@link AsyncApi}s, with kafka-clients' generated request
 * objects built here (OffsetCommit and OffsetFetch v10, which name topics by id as the native protocol does;
 * JoinGroup v9, SyncGroup v5, Heartbeat v4, LeaveGroup v5). The gateway thread never waits: every answer comes back
 * through the {@link CompletionRing} into a {@link ColdCall} of a bounded pool; an empty pool answers
 * BACK_PRESSURED.
 * <p>
 * Gateway thread, but for the tasks it hands to the admin executor and the answers the coordinator stores.
 * Allocation is fine here: this is the cold path.
 */
final class ColdPath
{
    static final int CALLS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(ColdPath.class);
    private static final short METADATA_VERSION = 12;
    private static final short INIT_PRODUCER_ID_VERSION = 4;
    private static final short OFFSET_COMMIT_VERSION = 10;
    private static final short OFFSET_FETCH_VERSION = 10;
    private static final short JOIN_GROUP_VERSION = 9;
    private static final short SYNC_GROUP_VERSION = 5;
    private static final short HEARTBEAT_VERSION = 4;
    private static final short LEAVE_GROUP_VERSION = 5;

    private final ColdCall[] calls = new ColdCall[CALLS];
    private final int[] free = new int[CALLS];
    private int freeCount;
    private final IntFifo due = new IntFifo(CALLS);
    private final ExecutorService admin;
    private final ColdPathApi metadataApi;
    private final ColdPathApi initProducerIdApi;
    private final Map<Short, AsyncApi> groupApis;
    private final PartitionRegistry registry;
    private final EgressWriter egress;
    private final AtomicCounter answersDropped;
    private Sessions sessions;

    ColdPath(final CompletionRing ring, final ExecutorService admin, final ColdPathApi metadataApi,
        final ColdPathApi initProducerIdApi, final Map<Short, AsyncApi> groupApis, final PartitionRegistry registry,
        final EgressWriter egress, final AtomicCounter answersDropped)
    {
        for (int i = 0; i < CALLS; i++)
        {
            calls[i] = new ColdCall(i, ring);
            free[i] = CALLS - 1 - i;
        }
        freeCount = CALLS;
        this.admin = admin;
        this.metadataApi = metadataApi;
        this.initProducerIdApi = initProducerIdApi;
        this.groupApis = Map.copyOf(groupApis);
        this.registry = registry;
        this.egress = egress;
        this.answersDropped = answersDropped;
    }

    void sessions(final Sessions sessions)
    {
        this.sessions = sessions;
    }

    /** Calls waiting for an answer or for egress room. */
    int inUse()
    {
        return CALLS - freeCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Requests, gateway thread.

    void metadata(final NativeSession session, final long correlationId, final String topic)
    {
        final ColdCall call = take(session, correlationId, ColdCall.Kind.METADATA);
        if (call == null)
        {
            return;
        }
        final String clientId = session.clientId;
        onAdminThread(call, () -> call.complete(lookUp(topic, clientId)));
    }

    void initProducerId(final NativeSession session, final long correlationId)
    {
        final ColdCall call = take(session, correlationId, ColdCall.Kind.INIT_PRODUCER_ID);
        if (call == null)
        {
            return;
        }
        final InitProducerIdRequestData data = new InitProducerIdRequestData()
            .setTransactionalId(null).setTransactionTimeoutMs(-1).setProducerId(-1).setProducerEpoch((short)-1);
        final ColdPathApi.ApiRequest request = new ColdPathApi.ApiRequest(ApiKeys.INIT_PRODUCER_ID.id,
            INIT_PRODUCER_ID_VERSION, (int)correlationId, session.clientId, data);
        onAdminThread(call, () -> call.complete(initProducerIdApi.handle(request)));
    }

    void offsetCommit(final NativeSession session, final OffsetCommitRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final Uuid topicId = new Uuid(d.topicIdMsb(), d.topicIdLsb());
        final int partition = d.partition();
        final long offset = d.committedOffset();
        final int leaderEpoch = d.leaderEpoch();
        final int generation = d.generationId();
        final String groupId = d.groupId();
        final String memberId = d.memberId();
        final String metadata = d.metadata();
        final OffsetCommitRequestData data = new OffsetCommitRequestData()
            .setGroupId(groupId)
            .setGenerationIdOrMemberEpoch(generation)
            .setMemberId(memberId)
            .setGroupInstanceId(null)
            .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                .setTopicId(topicId)
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                    .setPartitionIndex(partition)
                    .setCommittedOffset(offset)
                    .setCommittedLeaderEpoch(leaderEpoch)
                    .setCommittedMetadata(metadata)))));
        group(session, correlationId, ColdCall.Kind.OFFSET_COMMIT, ApiKeys.OFFSET_COMMIT, OFFSET_COMMIT_VERSION, data);
    }

    void offsetFetch(final NativeSession session, final OffsetFetchRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final Uuid topicId = new Uuid(d.topicIdMsb(), d.topicIdLsb());
        final int partition = d.partition();
        final String groupId = d.groupId();
        final OffsetFetchRequestData data = new OffsetFetchRequestData()
            .setRequireStable(false)
            .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId(groupId)
                .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                    .setTopicId(topicId)
                    .setPartitionIndexes(List.of(partition))))));
        group(session, correlationId, ColdCall.Kind.OFFSET_FETCH, ApiKeys.OFFSET_FETCH, OFFSET_FETCH_VERSION, data);
    }

    void joinGroup(final NativeSession session, final JoinGroupRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final int sessionTimeoutMs = d.sessionTimeoutMs();
        final int rebalanceTimeoutMs = d.rebalanceTimeoutMs();
        final String groupId = d.groupId();
        final String memberId = d.memberId();
        final String protocolType = d.protocolType();
        final String protocolName = d.protocolName();
        final byte[] metadata = new byte[d.protocolMetadataLength()];
        d.getProtocolMetadata(metadata, 0, metadata.length);
        final JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
            new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(protocolName).setMetadata(metadata));
        final JoinGroupRequestData data = new JoinGroupRequestData()
            .setGroupId(groupId)
            .setSessionTimeoutMs(sessionTimeoutMs)
            .setRebalanceTimeoutMs(rebalanceTimeoutMs)
            .setMemberId(memberId)
            .setGroupInstanceId(null)
            .setProtocolType(protocolType)
            .setProtocols(protocols)
            .setReason(null);
        group(session, correlationId, ColdCall.Kind.JOIN_GROUP, ApiKeys.JOIN_GROUP, JOIN_GROUP_VERSION, data);
    }

    void syncGroup(final NativeSession session, final SyncGroupRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final int generation = d.generationId();
        final List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        for (final SyncGroupRequestDecoder.AssignmentsDecoder a : d.assignments())
        {
            final String member = a.memberId();
            final byte[] bytes = new byte[a.assignmentLength()];
            a.getAssignment(bytes, 0, bytes.length);
            assignments.add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(member)
                .setAssignment(bytes));
        }
        final SyncGroupRequestData data = new SyncGroupRequestData()
            .setGroupId(d.groupId())
            .setGenerationId(generation)
            .setMemberId(d.memberId())
            .setGroupInstanceId(null)
            .setProtocolType(d.protocolType())
            .setProtocolName(d.protocolName())
            .setAssignments(assignments);
        group(session, correlationId, ColdCall.Kind.SYNC_GROUP, ApiKeys.SYNC_GROUP, SYNC_GROUP_VERSION, data);
    }

    void heartbeat(final NativeSession session, final HeartbeatRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final int generation = d.generationId();
        final HeartbeatRequestData data = new HeartbeatRequestData()
            .setGroupId(d.groupId()).setGenerationId(generation).setMemberId(d.memberId()).setGroupInstanceId(null);
        group(session, correlationId, ColdCall.Kind.HEARTBEAT, ApiKeys.HEARTBEAT, HEARTBEAT_VERSION, data);
    }

    void leaveGroup(final NativeSession session, final LeaveGroupRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final String groupId = d.groupId();
        final LeaveGroupRequestData data = new LeaveGroupRequestData()
            .setGroupId(groupId)
            .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity()
                .setMemberId(d.memberId()).setGroupInstanceId(null).setReason("the native client is leaving")));
        group(session, correlationId, ColdCall.Kind.LEAVE_GROUP, ApiKeys.LEAVE_GROUP, LEAVE_GROUP_VERSION, data);
    }

    private void group(final NativeSession session, final long correlationId, final ColdCall.Kind kind,
        final ApiKeys api, final short version, final ApiMessage data)
    {
        final AsyncApi handler = groupApis.get(api.id);
        final ColdCall call = take(session, correlationId, kind);
        if (call == null)
        {
            return;
        }
        if (handler == null)
        {
            call.complete(new IllegalStateException("no group coordinator"));
            return;
        }
        try
        {
            // Hands the request to the coordinator's queue (or answers at once when it is full): never blocks.
            handler.handle(new ColdPathApi.ApiRequest(api.id, version, (int)correlationId, session.clientId, data),
                call);
        }
        catch (final RuntimeException ex)
        {
            call.complete(ex);
        }
    }

    private ColdCall take(final NativeSession session, final long correlationId, final ColdCall.Kind kind)
    {
        if (freeCount == 0)
        {
            egress.error(session.publication, correlationId, NativeErrors.BACK_PRESSURED, session.sessionId,
                "too many cold-path requests in flight");
            return null;
        }
        final ColdCall call = calls[free[--freeCount]];
        call.sessionId = session.sessionId;
        call.correlationId = correlationId;
        call.kind = kind;
        call.answer = null;
        return call;
    }

    private void onAdminThread(final ColdCall call, final Runnable task)
    {
        try
        {
            admin.execute(() ->
            {
                try
                {
                    task.run();
                }
                catch (final RuntimeException ex)
                {
                    LOG.error("native {} failed", call.kind, ex);
                    call.complete(ex);
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            call.complete(ex); // the broker is stopping
        }
    }

    /** Admin thread: Kafka's Metadata for one topic (auto-creating it by Kafka's rules), plus what is local. */
    private ColdCall.MetadataAnswer lookUp(final String topic, final String clientId)
    {
        final MetadataRequestData request = new MetadataRequestData()
            .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
            .setAllowAutoTopicCreation(true);
        final MetadataResponseData response = (MetadataResponseData)metadataApi.handle(new ColdPathApi.ApiRequest(
            ApiKeys.METADATA.id, METADATA_VERSION, 0, clientId, request));
        final MetadataResponseData.MetadataResponseTopic t = response.topics().iterator().next();
        final List<ColdCall.PartitionAnswer> partitions = new ArrayList<>();
        for (final MetadataResponseData.MetadataResponsePartition p : t.partitions())
        {
            final Partition local = registry.partition(t.name(), p.partitionIndex());
            final AtomicCounter hw = local == null ? null : local.sequencer().highWatermarkCounter();
            final AtomicCounter base = local == null ? null : local.sequencer().segmentBaseCounter();
            partitions.add(new ColdCall.PartitionAnswer(p.partitionIndex(), p.leaderId(), p.leaderEpoch(),
                hw == null ? -1 : hw.id(), base == null ? -1 : base.id(),
                local == null ? "" : local.log().dir().toAbsolutePath().toString()));
        }
        partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        final Uuid id = t.topicId() == null ? Uuid.ZERO_UUID : t.topicId();
        return new ColdCall.MetadataAnswer(t.errorCode(), topic, id.getMostSignificantBits(),
            id.getLeastSignificantBits(), partitions);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Answers, gateway thread.

    void onCompletion(final int index)
    {
        if (!send(calls[index]))
        {
            due.add(index);
        }
    }

    int retryDue()
    {
        final int n = due.size();
        int sent = 0;
        for (int i = 0; i < n; i++)
        {
            final int index = due.poll();
            if (send(calls[index]))
            {
                sent++;
            }
            else
            {
                due.add(index);
            }
        }
        return sent;
    }

    /** @return true when the call is done with: answered, or dropped because its session is gone. */
    private boolean send(final ColdCall call)
    {
        final NativeSession session = sessions.open(call.sessionId);
        if (session == null)
        {
            answersDropped.incrementRelease();
            release(call);
            return true;
        }
        final long result;
        try
        {
            result = write(session, call);
        }
        catch (final RuntimeException ex)
        {
            LOG.error("native: cannot answer {} {} of {}", call.kind, call.correlationId, session, ex);
            release(call);
            return true;
        }
        if (result > 0)
        {
            release(call);
            return true;
        }
        if (EgressWriter.isRetriable(result))
        {
            return false;
        }
        session.egressFailed = true;
        answersDropped.incrementRelease();
        release(call);
        return true;
    }

    private void release(final ColdCall call)
    {
        call.answer = null;
        free[freeCount++] = call.index;
    }

    private long write(final NativeSession session, final ColdCall call)
    {
        final long correlationId = call.correlationId;
        if (call.answer instanceof Throwable t)
        {
            final short code = t instanceof RejectedExecutionException ? NativeErrors.SESSION_CLOSED :
                KafkaErrors.fromThrowable(t).code();
            return egress.error(session.publication, correlationId, code, session.sessionId, String.valueOf(t));
        }
        return switch (call.kind)
        {
            case METADATA -> egress.metadata(session.publication, correlationId, (ColdCall.MetadataAnswer)call.answer);
            case INIT_PRODUCER_ID ->
            {
                final InitProducerIdResponseData r = (InitProducerIdResponseData)call.answer;
                yield egress.initProducerId(session.publication, correlationId, r.errorCode(), r.producerId(),
                    r.producerEpoch());
            }
            case OFFSET_COMMIT -> egress.offsetCommit(session.publication, correlationId,
                offsetCommitError((OffsetCommitResponseData)call.answer));
            case OFFSET_FETCH -> writeOffsetFetch(session, correlationId, (OffsetFetchResponseData)call.answer);
            case JOIN_GROUP -> egress.joinGroup(session.publication, correlationId,
                joinAnswer((JoinGroupResponseData)call.answer));
            case SYNC_GROUP ->
            {
                final SyncGroupResponseData r = (SyncGroupResponseData)call.answer;
                yield egress.syncGroup(session.publication, correlationId, r.errorCode(),
                    r.assignment() == null ? new byte[0] : r.assignment());
            }
            case HEARTBEAT -> egress.heartbeat(session.publication, correlationId,
                ((HeartbeatResponseData)call.answer).errorCode());
            case LEAVE_GROUP -> egress.leaveGroup(session.publication, correlationId,
                leaveGroupError((LeaveGroupResponseData)call.answer));
        };
    }

    private static short offsetCommitError(final OffsetCommitResponseData r)
    {
        for (final OffsetCommitResponseData.OffsetCommitResponseTopic t : r.topics())
        {
            for (final OffsetCommitResponseData.OffsetCommitResponsePartition p : t.partitions())
            {
                return p.errorCode();
            }
        }
        return Errors.NONE.code();
    }

    private long writeOffsetFetch(final NativeSession session, final long correlationId, final OffsetFetchResponseData r)
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
        return egress.offsetFetch(session.publication, correlationId, code, offset, epoch, metadata);
    }

    private static ColdCall.JoinAnswer joinAnswer(final JoinGroupResponseData r)
    {
        final List<String> ids = new ArrayList<>();
        final List<byte[]> metadata = new ArrayList<>();
        for (final JoinGroupResponseData.JoinGroupResponseMember m : r.members())
        {
            ids.add(m.memberId());
            metadata.add(m.metadata() == null ? new byte[0] : m.metadata());
        }
        return new ColdCall.JoinAnswer(r.errorCode(), r.generationId(), nullToEmpty(r.protocolName()),
            nullToEmpty(r.leader()), nullToEmpty(r.memberId()), ids, metadata);
    }

    private static short leaveGroupError(final LeaveGroupResponseData r)
    {
        if (r.errorCode() != Errors.NONE.code())
        {
            return r.errorCode();
        }
        for (final LeaveGroupResponseData.MemberResponse m : r.members())
        {
            return m.errorCode();
        }
        return Errors.NONE.code();
    }

    private static String nullToEmpty(final String s)
    {
        return s == null ? "" : s;
    }
}
