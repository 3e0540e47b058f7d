package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.errors.ErrorCodes;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.sequencer.ProduceStatus;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * ProduceRequest, the hot path: copy the records out of the Aeron term into {@link RequestMemory} (the term is
 * reused once the poll returns; the sequencer does not copy), offer them to the partition's ring, and answer from
 * the shard's completion, which arrives through the {@link CompletionRing}.
 * <p>
 * Bounds and back-pressure, with nothing queued here: when the partition's ring is full, the request memory full,
 * every produce slot in flight, or the session past {@link #MAX_IN_FLIGHT_PER_SESSION} (so one client whose egress is
 * stuck cannot hold every slot), the request is left where it is, in the client's Aeron image, and read again on a
 * later duty cycle: the client's publication fills and its offer answers BACK_PRESSURED, so a producer learns of it
 * as a code and nothing is dropped, acks=0 included (an answered refusal would lose an acks=0 batch: its producer
 * does not read answers). acks=0 is answered only when it fails; acks=1 once
 * appended; acks=-1 once the high watermark passes it (or its timeout). A duplicate idempotent batch is answered as
 * its original (its base offset); a sequence gap OUT_OF_ORDER_SEQUENCE_NUMBER.
 * <p>
 * An answer the session's egress cannot take now (back-pressured) keeps its slot and is written again in the next
 * duty cycles; one whose session is gone is dropped and counted.
 * <p>
 * Zero allocation per request in steady state: flyweights, primitive slots, a pre-allocated arena, the cached
 * partition look-up. Gateway thread only, but for the completion itself (shard thread, into the ring).
 */
final class ProducePath
{
    /** Produce requests in flight at once, all sessions together. */
    static final int SLOTS = 4096;
    /** Produce requests in flight at once for one session. */
    static final int MAX_IN_FLIGHT_PER_SESSION = 1024;

    private final RequestMemory memory;
    private final ProduceSlots slots = new ProduceSlots(SLOTS);
    private final IntFifo due = new IntFifo(SLOTS);
    private final PartitionCache partitions;
    private final LeaderLookup leaders;
    private final CompletionRing completions;
    private final EgressWriter egress;
    private final GatewayCounters counters;
    private Sessions sessions;

    ProducePath(final int requestMemoryBytes, final PartitionCache partitions, final LeaderLookup leaders,
        final CompletionRing completions, final EgressWriter egress, final GatewayCounters counters)
    {
        this.leaders = leaders;
        this.memory = new RequestMemory(requestMemoryBytes);
        this.partitions = partitions;
        this.completions = completions;
        this.egress = egress;
        this.counters = counters;
    }

    void sessions(final Sessions sessions)
    {
        this.sessions = sessions;
    }

    /**
     * @param request     wrapped over the message's block.
     * @param buffer      the message's buffer.
     * @param records     where the records' bytes start in it.
     * @param length      their length (already checked to lie inside the message).
     * @return true when the request was taken or answered; false when back-pressured: nothing was done, read it again
     * later.
     */
    boolean onRequest(final NativeSession session, final ProduceRequestDecoder request, final DirectBuffer buffer,
        final int records, final int length)
    {
        final long correlationId = request.correlationId();
        final int partitionIndex = request.partition();
        final byte acks = request.acks();
        final Partition partition = partitions.lookup(request.topicIdMsb(), request.topicIdLsb(), partitionIndex);
        if (partition == null || !partition.isLeader())
        {
            // Not led here (a follower's replica, or no replica here at all): NOT_LEADER_OR_FOLLOWER naming the leader
            // the image knows, so the client goes there; an unknown topic or partition as before. Cold path.
            if (leaders.find(request.topicIdMsb(), request.topicIdLsb(), partitionIndex))
            {
                refuse(session, correlationId, partitionIndex, NativeErrors.NOT_LEADER_OR_FOLLOWER, -1L,
                    leaders.leaderId(), leaders.leaderEpoch());
            }
            else
            {
                refuse(session, correlationId, partitionIndex, partition == null && partitions.lastTopicUnknown() ?
                    NativeErrors.UNKNOWN_TOPIC_ID : NativeErrors.UNKNOWN_TOPIC_OR_PARTITION, -1L);
            }
            return true;
        }
        if (acks != 0 && acks != 1 && acks != -1)
        {
            refuse(session, correlationId, partitionIndex, NativeErrors.INVALID_REQUIRED_ACKS, -1L);
            return true;
        }
        if (length <= 0)
        {
            refuse(session, correlationId, partitionIndex, NativeErrors.CORRUPT_MESSAGE, -1L);
            return true;
        }
        if (length > memory.maxRequestLength())
        {
            refuse(session, correlationId, partitionIndex, NativeErrors.RECORD_LIST_TOO_LARGE, -1L);
            return true;
        }
        if (session.producesInFlight >= MAX_IN_FLIGHT_PER_SESSION)
        {
            return backPressured();
        }
        final int offset = memory.allocate(length);
        if (offset < 0)
        {
            return backPressured();
        }
        final int slot = slots.take(session.sessionId, correlationId, partitionIndex, acks, offset);
        if (slot < 0)
        {
            memory.free(offset);
            return backPressured();
        }
        final UnsafeBuffer bytes = memory.buffer();
        buffer.getBytes(records, bytes, offset, length);
        final int status = partition.sequencer().offer(bytes, offset, length, acks,
            Math.max(0, request.timeoutMs()), correlationId, slot, completions);
        if (status != ProduceStatus.OK)
        {
            memory.free(offset);
            slots.release(slot);
            if (status == ProduceStatus.BACK_PRESSURED)
            {
                return backPressured();
            }
            refuse(session, correlationId, partitionIndex, codeOf(status), -1L);
            return true;
        }
        session.producesInFlight++;
        counters.produces.incrementRelease();
        return true;
    }

    /** Counted; the caller leaves the request in Aeron to be read again (see {@link #onRequest}). */
    private boolean backPressured()
    {
        counters.produceBackPressured.incrementRelease();
        return false;
    }

    /** A failure found before the partition took the request; answered whatever the acks. */
    private void refuse(final NativeSession session, final long correlationId, final int partition, final short code,
        final long logStartOffset)
    {
        refuse(session, correlationId, partition, code, logStartOffset, -1, -1);
    }

    /** As above, naming the partition's current leader (NOT_LEADER_OR_FOLLOWER). */
    private void refuse(final NativeSession session, final long correlationId, final int partition, final short code,
        final long logStartOffset, final int leaderId, final int leaderEpoch)
    {
        final long result = egress.produceResponse(session.publication, correlationId, code, partition, -1L,
            logStartOffset, leaderId, leaderEpoch);
        if (result > 0)
        {
            return;
        }
        if (EgressWriter.isRetriable(result))
        {
            final int slot = slots.take(session.sessionId, correlationId, partition, (byte)1, -1);
            if (slot >= 0)
            {
                slots.answer(slot, code, -1L, logStartOffset);
                due.add(slot);
                return;
            }
        }
        else
        {
            session.egressFailed = true;
        }
        counters.answersDropped.incrementRelease();
    }

    /** The shard's answer, read from the completion ring. */
    void onCompletion(final int slot, final int status, final long baseOffset, final long logStartOffset)
    {
        final int offset = slots.memoryOffset(slot);
        if (offset >= 0)
        {
            memory.free(offset);
            slots.memoryFreed(slot);
        }
        final NativeSession session = sessions.open(slots.sessionId(slot));
        if (session != null)
        {
            session.producesInFlight--;
        }
        final short code = codeOf(status);
        if (code == NativeErrors.NONE && slots.acks(slot) == 0)
        {
            slots.release(slot);
            return;
        }
        slots.answer(slot, code, code == NativeErrors.NONE ? baseOffset : -1L, logStartOffset);
        if (!send(slot))
        {
            due.add(slot); // never full: a slot is in the queue at most once
        }
    }

    /** Answers the egress could not take before: try each once more. */
    int retryDue()
    {
        final int n = due.size();
        int sent = 0;
        for (int i = 0; i < n; i++)
        {
            final int slot = due.poll();
            if (send(slot))
            {
                sent++;
            }
            else
            {
                due.add(slot);
            }
        }
        return sent;
    }

    /** @return true when the answer is done with: written, or dropped because its session is gone. */
    private boolean send(final int slot)
    {
        final NativeSession session = sessions.open(slots.sessionId(slot));
        if (session == null)
        {
            counters.answersDropped.incrementRelease();
            slots.release(slot);
            return true;
        }
        final long result = egress.produceResponse(session.publication, slots.correlationId(slot),
            slots.answerCode(slot), slots.partition(slot), slots.baseOffset(slot), slots.logStartOffset(slot), -1, -1);
        if (result > 0)
        {
            slots.release(slot);
            return true;
        }
        if (EgressWriter.isRetriable(result))
        {
            return false;
        }
        session.egressFailed = true;
        counters.answersDropped.incrementRelease();
        slots.release(slot);
        return true;
    }

    int slotsInUse()
    {
        return slots.inUse();
    }

    long memoryUsed()
    {
        return memory.used();
    }

    /**
     * The answer's code for a sequencer status: the core's one table ({@link ErrorCodes}, Kafka's numbers, as the
     * native protocol uses them), but for a full ring, which the native protocol answers BACK_PRESSURED at once.
     */
    private static short codeOf(final int status)
    {
        return status == ProduceStatus.BACK_PRESSURED ? NativeErrors.BACK_PRESSURED : ErrorCodes.ofStatus(status);
    }
}
