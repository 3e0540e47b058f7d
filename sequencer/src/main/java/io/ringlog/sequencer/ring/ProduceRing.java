package io.ringlog.sequencer.ring;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.ringlog.sequencer.ProduceCompletion;
import io.ringlog.sequencer.ProduceStatus;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The hand-off of one partition's produce requests: a multi-producer Disruptor {@link RingBuffer} of pre-allocated
 * {@link ProduceEvent}s with one {@link EventPoller} as its only consumer. Bounded: a full ring refuses the offer
 * ({@link ProduceStatus#BACK_PRESSURED}) instead of blocking or growing.
 * <p>
 * Threads: any number of offering threads call {@link #offer}; the owning shard thread calls {@link #poll},
 * {@link #close} and {@link #drainedAfterClose}. This object holds only what offers read (the ring, the closed flag)
 * and the back-pressure counter they write when the ring is full; the shard's per-event state lives elsewhere, so
 * draining does not invalidate the cache lines every offer reads. The Disruptor pads its own cursor and sequences.
 *
 * <h2>Closing without losing an answer</h2>
 * An offer claims a slot (a CAS on the cursor), then reads {@code closed}; {@link #close} writes {@code closed},
 * fences, then reads the cursor. So either the offer sees the ring closed (it publishes its slot as a dead event and
 * answers NOT_LEADER_OR_FOLLOWER itself), or the shard's cursor read includes the claim and it keeps draining until
 * that slot is published and answered. No accepted offer is left unanswered.
 */
public final class ProduceRing
{
    private static final VarHandle BACK_PRESSURED;

    static
    {
        try
        {
            BACK_PRESSURED = MethodHandles.lookup().findVarHandle(ProduceRing.class, "backPressured", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final RingBuffer<ProduceEvent> ring;
    private final EventPoller<ProduceEvent> poller;
    private volatile boolean closed;
    private volatile long backPressured;
    private long closeCursor = Long.MAX_VALUE; // shard thread

    /**
     * @param size events in the ring; a power of two.
     */
    public ProduceRing(final int size)
    {
        // Nobody blocks on this ring (the shard polls it), so publishing must not signal a lock: busy-spin strategy,
        // whose signal is a no-op.
        ring = RingBuffer.createMultiProducer(ProduceEvent::new, size, new BusySpinWaitStrategy());
        poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
    }

    /**
     * Claim a slot, fill it, publish it (in {@code finally}, so a claimed slot is always released). Any thread;
     * never blocks, never allocates.
     *
     * @return {@link ProduceStatus#OK}, {@link ProduceStatus#BACK_PRESSURED} or
     * {@link ProduceStatus#NOT_LEADER_OR_FOLLOWER}.
     */
    public int offer(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int acks,
        final long timeoutMs,
        final long correlation,
        final int slot,
        final ProduceCompletion completion)
    {
        if (closed)
        {
            return ProduceStatus.NOT_LEADER_OR_FOLLOWER;
        }
        final long sequence;
        try
        {
            sequence = ring.tryNext(); // throws a pre-allocated exception when full: no allocation
        }
        catch (final InsufficientCapacityException ex)
        {
            BACK_PRESSURED.getAndAdd(this, 1L);
            return ProduceStatus.BACK_PRESSURED;
        }
        int status = ProduceStatus.OK;
        try
        {
            final ProduceEvent event = ring.get(sequence);
            if (closed) // after the claim: see the class comment
            {
                event.clear();
                status = ProduceStatus.NOT_LEADER_OR_FOLLOWER;
            }
            else
            {
                event.set(buffer, offset, length, acks, timeoutMs, correlation, slot, completion);
            }
        }
        finally
        {
            ring.publish(sequence);
        }
        return status;
    }

    /**
     * Hand the published events to {@code handler} in order, until it returns false or none is left. Shard thread.
     * The handler must not throw (an event it threw on would be handed over again).
     */
    public void poll(final EventPoller.Handler<ProduceEvent> handler, final ErrorHandler errors)
    {
        try
        {
            poller.poll(handler);
        }
        catch (final Exception ex)
        {
            errors.onError(ex);
        }
    }

    /** True when an offer has claimed a slot the shard has not polled yet. Shard thread (before parking). */
    public boolean hasEvents()
    {
        return ring.getCursor() > poller.getSequence().get();
    }

    /** Refuse offers from now on and note the last claimed slot, which the shard drains up to. Shard thread. */
    public void close()
    {
        closed = true;
        VarHandle.fullFence(); // store closed, then load the cursor: pairs with the offer's claim-then-check
        closeCursor = ring.getCursor();
    }

    /** Every slot claimed before {@link #close} has been published and drained. Shard thread. */
    public boolean drainedAfterClose()
    {
        return poller.getSequence().get() >= closeCursor;
    }

    /** Any thread. */
    public boolean isClosed()
    {
        return closed;
    }

    /** Offers refused because the ring was full. Any thread. */
    public long backPressuredCount()
    {
        return (long)BACK_PRESSURED.getVolatile(this);
    }

    /**
     * Slots claimed by offers and not yet taken by the shard: the claimed cursor minus the poller's sequence, two
     * volatile reads. A gauge for metrics: while offers race it may count a slot claimed but not yet published, and
     * it is clamped to [0, size]. Any thread.
     */
    public int occupancy()
    {
        final long claimed = ring.getCursor() - poller.getSequence().get();
        return (int)Math.max(0L, Math.min(claimed, ring.getBufferSize()));
    }

    /** Events the ring holds. */
    public int size()
    {
        return ring.getBufferSize();
    }
}
