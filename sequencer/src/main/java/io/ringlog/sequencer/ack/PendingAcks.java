package io.ringlog.sequencer.ack;

import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.ProduceCompletion;
import io.ringlog.sequencer.ProduceStatus;
import org.agrona.ErrorHandler;

/**
 * The acks=all requests of one partition that wait for the high watermark: a bounded ring of entries in append
 * order (so in offset order), as parallel primitive arrays, woken from the head when the high watermark moves and
 * expired one by one by the shard's {@link AckTimerWheel}. An expired entry leaves a hole that the head skips.
 * <p>
 * A duplicate request waits for its original's offsets, which may lie below those of entries before it; it is then
 * answered when the high watermark passes the entries ahead of it: later, never wrong.
 * <p>
 * Bounded: the owner takes at most {@link #free()} requests from its ring per duty cycle, so {@link #add} always has
 * room and a partition whose high watermark is stuck pushes back on its producers instead of growing.
 * <p>
 * Owned by the partition's shard thread; not thread-safe. Nothing here allocates.
 */
public final class PendingAcks
{
    private static final int EMPTY = Integer.MIN_VALUE;

    private final PartitionLog log;
    private final ErrorHandler errors;
    private final int capacity;
    private final int mask;
    private final long[] requiredHighWatermark;
    private final long[] baseOffset;
    private final long[] correlation;
    private final long[] timerId;
    private final int[] slot;
    private final int[] successStatus;
    private final ProduceCompletion[] completion;
    private AckTimerWheel timers;
    private int timerOwnerId = -1;
    private long head;
    private long tail;

    /**
     * @param log      for the log start offset each answer carries.
     * @param capacity most waiting requests; a power of two.
     * @param errors   told of exceptions thrown by completions.
     */
    public PendingAcks(final PartitionLog log, final int capacity, final ErrorHandler errors)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.log = log;
        this.errors = errors;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.requiredHighWatermark = new long[capacity];
        this.baseOffset = new long[capacity];
        this.correlation = new long[capacity];
        this.timerId = new long[capacity];
        this.slot = new int[capacity];
        this.successStatus = new int[capacity];
        this.completion = new ProduceCompletion[capacity];
        java.util.Arrays.fill(successStatus, EMPTY);
    }

    /** Join a shard's timer wheel; cold path, shard thread. */
    public void attach(final AckTimerWheel wheel)
    {
        wheel.register(this);
    }

    /** Leave the timer wheel; every entry must have been answered ({@link #failAll}). Cold path, shard thread. */
    public void detach()
    {
        if (timers != null)
        {
            timers.unregister(this);
        }
    }

    void attached(final AckTimerWheel wheel, final int ownerId)
    {
        this.timers = wheel;
        this.timerOwnerId = ownerId;
    }

    int timerOwnerId()
    {
        return timerOwnerId;
    }

    /** Requests that may still be added. */
    public int free()
    {
        return capacity - (int)(tail - head);
    }

    /** Requests waiting (holes left by expired ones included until the head passes them). */
    public int size()
    {
        return (int)(tail - head);
    }

    /**
     * Wait for the high watermark to reach {@code required}; answer {@code status} with {@code base} then, or
     * REQUEST_TIMED_OUT at {@code deadlineMs}. The caller has checked {@link #free()}.
     */
    public void add(
        final long required,
        final int status,
        final long base,
        final long correlationId,
        final int slotId,
        final ProduceCompletion callback,
        final long deadlineMs)
    {
        final int index = (int)(tail & mask);
        requiredHighWatermark[index] = required;
        successStatus[index] = status;
        baseOffset[index] = base;
        correlation[index] = correlationId;
        slot[index] = slotId;
        completion[index] = callback;
        timerId[index] = timers.schedule(timerOwnerId, index, deadlineMs);
        tail++;
    }

    /**
     * The high watermark moved to {@code highWatermark}: answer, from the head, every request it has reached.
     *
     * @param enoughReplicas false when the in-sync replicas are now fewer than {@code min.insync.replicas}: the
     *                       requests reached are answered NOT_ENOUGH_REPLICAS_AFTER_APPEND, as Kafka does.
     * @return requests answered.
     */
    public int onHighWatermark(final long highWatermark, final boolean enoughReplicas)
    {
        int answered = 0;
        while (head < tail)
        {
            final int index = (int)(head & mask);
            if (successStatus[index] != EMPTY)
            {
                if (requiredHighWatermark[index] > highWatermark)
                {
                    break;
                }
                timers.cancel(timerId[index]);
                answer(index, enoughReplicas ? successStatus[index] : ProduceStatus.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
                answered++;
            }
            head++;
        }
        return answered;
    }

    /** The timer of entry {@code index} fired: answer REQUEST_TIMED_OUT and leave a hole. */
    void expire(final int index)
    {
        if (successStatus[index] != EMPTY)
        {
            answer(index, ProduceStatus.REQUEST_TIMED_OUT);
            skipHoles();
        }
    }

    /**
     * Answer every waiting request with {@code status} (partition leaving, or truncated), cancelling the timers.
     *
     * @return requests answered.
     */
    public int failAll(final int status)
    {
        return failFrom(Long.MIN_VALUE, status);
    }

    /**
     * Answer with {@code status} every waiting request that needs the high watermark above {@code logEndOffset}
     * (the log was truncated below it, so it can never get there); the others keep waiting.
     *
     * @return requests answered.
     */
    public int failBeyond(final long logEndOffset, final int status)
    {
        return failFrom(logEndOffset, status);
    }

    private int failFrom(final long logEndOffset, final int status)
    {
        int answered = 0;
        for (long i = head; i < tail; i++)
        {
            final int index = (int)(i & mask);
            if (successStatus[index] != EMPTY && requiredHighWatermark[index] > logEndOffset)
            {
                timers.cancel(timerId[index]);
                answer(index, status);
                answered++;
            }
        }
        skipHoles();
        return answered;
    }

    private void answer(final int index, final int status)
    {
        final ProduceCompletion callback = completion[index];
        final boolean success = ProduceStatus.isSuccess(status);
        completion[index] = null;
        successStatus[index] = EMPTY;
        ProduceCompletion.deliver(
            callback, correlation[index], slot[index], status, success ? baseOffset[index] : -1L, log.logStartOffset(), errors);
    }

    private void skipHoles()
    {
        while (head < tail && successStatus[(int)(head & mask)] == EMPTY)
        {
            head++;
        }
    }
}
