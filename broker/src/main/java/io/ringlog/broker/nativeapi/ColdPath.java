package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.errors.ErrorCodes;
import io.ringlog.broker.core.group.GroupCoordination;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.policy.TopicAutoCreation;
import io.ringlog.broker.core.producer.ProducerIdManager;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.HeartbeatRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestDecoder;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The native protocol's cold-path requests, answered by the core's services directly: Metadata by the core's
 * {@link TopicAutoCreation} (so a topic is auto-created by exactly the rules Kafka clients get) and InitProducerId by
 * the {@link ProducerIdManager}, both on the admin executor because they may create files or block on the
 * controller; offsets and group membership by the core's {@link GroupCoordination}. The gateway thread never
 * waits: every answer comes back through the {@link CompletionRing} into a {@link ColdCall} of a bounded pool; an
 * empty pool answers BACK_PRESSURED.
 * <p>
 * Gateway thread, but for the tasks it hands to the admin executor and the answers the coordinator stores.
 * Allocation is fine here: this is the cold path.
 */
final class ColdPath
{
    static final int CALLS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(ColdPath.class);
    private static final String LEAVE_REASON = "the native client is leaving";

    private final ColdCall[] calls = new ColdCall[CALLS];
    private final int[] free = new int[CALLS];
    private int freeCount;
    private final IntFifo due = new IntFifo(CALLS);
    private final ExecutorService admin;
    private final TopicAutoCreation topics;
    private final ProducerIdManager producerIds;
    private final GroupCoordination groups;
    private final ReplicaManager registry;
    private final EgressWriter egress;
    private final AtomicCounter answersDropped;
    private Sessions sessions;

    ColdPath(final CompletionRing ring, final ExecutorService admin, final TopicAutoCreation topics,
        final ProducerIdManager producerIds, final GroupCoordination groups, final ReplicaManager registry,
        final EgressWriter egress, final AtomicCounter answersDropped)
    {
        for (int i = 0; i < CALLS; i++)
        {
            calls[i] = new ColdCall(i, ring);
            free[i] = CALLS - 1 - i;
        }
        freeCount = CALLS;
        this.admin = admin;
        this.topics = topics;
        this.producerIds = producerIds;
        this.groups = groups;
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
        onAdminThread(call, () -> call.complete(lookUp(topic)));
    }

    void initProducerId(final NativeSession session, final long correlationId)
    {
        final ColdCall call = take(session, correlationId, ColdCall.Kind.INIT_PRODUCER_ID);
        if (call == null)
        {
            return;
        }
        onAdminThread(call, () ->
        {
            ColdCall.ProducerIdAnswer answer;
            try
            {
                answer = new ColdCall.ProducerIdAnswer(ErrorCodes.NONE, producerIds.nextProducerId(), (short)0);
            }
            catch (final IOException ex)
            {
                LOG.error("native: cannot reserve producer ids", ex);
                answer = new ColdCall.ProducerIdAnswer(ErrorCodes.KAFKA_STORAGE_ERROR, -1, (short)-1);
            }
            call.complete(answer);
        });
    }

    void offsetCommit(final NativeSession session, final OffsetCommitRequestDecoder d)
    {
        // Fixed fields first, then the var-length ones in schema order, as SBE reads them.
        final long correlationId = d.correlationId();
        final UUID topicId = new UUID(d.topicIdMsb(), d.topicIdLsb());
        final int partition = d.partition();
        final long offset = d.committedOffset();
        final int leaderEpoch = d.leaderEpoch();
        final int generation = d.generationId();
        final String groupId = d.groupId();
        final String memberId = d.memberId();
        final String metadata = d.metadata();
        final ColdCall call = take(session, correlationId, ColdCall.Kind.OFFSET_COMMIT);
        if (call != null)
        {
            groups.commitOffset(new GroupCoordination.Commit(groupId, generation, memberId, session.clientId, topicId,
                partition, offset, leaderEpoch, metadata), call);
        }
    }

    void offsetFetch(final NativeSession session, final OffsetFetchRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final UUID topicId = new UUID(d.topicIdMsb(), d.topicIdLsb());
        final int partition = d.partition();
        final String groupId = d.groupId();
        final ColdCall call = take(session, correlationId, ColdCall.Kind.OFFSET_FETCH);
        if (call != null)
        {
            groups.fetchOffset(groupId, topicId, partition, session.clientId, call);
        }
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
        final ColdCall call = take(session, correlationId, ColdCall.Kind.JOIN_GROUP);
        if (call != null)
        {
            groups.join(new GroupCoordination.Join(groupId, memberId, session.clientId, sessionTimeoutMs,
                rebalanceTimeoutMs, protocolType, protocolName, metadata), call);
        }
    }

    void syncGroup(final NativeSession session, final SyncGroupRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final int generation = d.generationId();
        final List<String> members = new ArrayList<>();
        final List<byte[]> assignments = new ArrayList<>();
        for (final SyncGroupRequestDecoder.AssignmentsDecoder a : d.assignments())
        {
            members.add(a.memberId());
            final byte[] bytes = new byte[a.assignmentLength()];
            a.getAssignment(bytes, 0, bytes.length);
            assignments.add(bytes);
        }
        final String groupId = d.groupId();
        final String memberId = d.memberId();
        final String protocolType = d.protocolType();
        final String protocolName = d.protocolName();
        final ColdCall call = take(session, correlationId, ColdCall.Kind.SYNC_GROUP);
        if (call != null)
        {
            groups.sync(new GroupCoordination.Sync(groupId, generation, memberId, session.clientId, protocolType,
                protocolName, members, assignments), call);
        }
    }

    void heartbeat(final NativeSession session, final HeartbeatRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final int generation = d.generationId();
        final String groupId = d.groupId();
        final String memberId = d.memberId();
        final ColdCall call = take(session, correlationId, ColdCall.Kind.HEARTBEAT);
        if (call != null)
        {
            groups.heartbeat(groupId, generation, memberId, session.clientId, call);
        }
    }

    void leaveGroup(final NativeSession session, final LeaveGroupRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final String groupId = d.groupId();
        final String memberId = d.memberId();
        final ColdCall call = take(session, correlationId, ColdCall.Kind.LEAVE_GROUP);
        if (call != null)
        {
            groups.leave(groupId, memberId, session.clientId, LEAVE_REASON, call);
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

    /** Admin thread: one topic (auto-created by the same rules Kafka clients get), plus what is local. */
    private ColdCall.MetadataAnswer lookUp(final String topic)
    {
        final TopicAutoCreation.Result found = topics.lookUp(topic, true);
        if (found.topic() == null)
        {
            return new ColdCall.MetadataAnswer(found.errorCode(), topic, 0L, 0L, List.of());
        }
        final List<ColdCall.PartitionAnswer> partitions = new ArrayList<>();
        for (final MetadataImage.PartitionImage p : found.topic().partitions())
        {
            final Partition local = registry.partition(topic, p.partition());
            final AtomicCounter hw = local == null ? null : local.sequencer().highWatermarkCounter();
            final AtomicCounter base = local == null ? null : local.sequencer().segmentBaseCounter();
            partitions.add(new ColdCall.PartitionAnswer(p.partition(), p.leader(), p.leaderEpoch(),
                hw == null ? -1 : hw.id(), base == null ? -1 : base.id(),
                local == null ? "" : local.log().dir().toAbsolutePath().toString()));
        }
        partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        final UUID id = found.topic().id();
        return new ColdCall.MetadataAnswer(found.errorCode(), topic, id.getMostSignificantBits(),
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
                ErrorCodes.ofThrowable(t);
            return egress.error(session.publication, correlationId, code, session.sessionId, String.valueOf(t));
        }
        return switch (call.kind)
        {
            case METADATA -> egress.metadata(session.publication, correlationId, (ColdCall.MetadataAnswer)call.answer);
            case INIT_PRODUCER_ID ->
            {
                final ColdCall.ProducerIdAnswer r = (ColdCall.ProducerIdAnswer)call.answer;
                yield egress.initProducerId(session.publication, correlationId, r.errorCode(), r.producerId(),
                    r.producerEpoch());
            }
            case OFFSET_COMMIT -> egress.offsetCommit(session.publication, correlationId, (Short)call.answer);
            case OFFSET_FETCH ->
            {
                final GroupCoordination.Committed r = (GroupCoordination.Committed)call.answer;
                yield egress.offsetFetch(session.publication, correlationId, r.errorCode(), r.offset(),
                    r.leaderEpoch(), r.metadata());
            }
            case JOIN_GROUP -> egress.joinGroup(session.publication, correlationId,
                (GroupCoordination.Joined)call.answer);
            case SYNC_GROUP ->
            {
                final GroupCoordination.Synced r = (GroupCoordination.Synced)call.answer;
                yield egress.syncGroup(session.publication, correlationId, r.errorCode(), r.assignment());
            }
            case HEARTBEAT -> egress.heartbeat(session.publication, correlationId, (Short)call.answer);
            case LEAVE_GROUP -> egress.leaveGroup(session.publication, correlationId, (Short)call.answer);
        };
    }
}
