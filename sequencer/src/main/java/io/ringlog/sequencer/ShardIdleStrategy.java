package io.ringlog.sequencer;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The idle strategy of a shard thread that other threads wake when they hand it work, so an idle shard costs almost
 * nothing and still reacts at once. When a duty cycle finds nothing it spins a few times, then announces that it is
 * about to park, checks once more for work, and parks for at most {@code maxParkNs}; a producer that has just
 * published an event calls {@link #wake()}, which unparks the thread only if it has announced a park (one volatile
 * read otherwise).
 * <p>
 * Why: a back-off strategy that parks 100 µs at most wakes 10,000 times a second, which measured here as about a
 * fifth of a core on an idle broker, taken from the clients on a 2-core machine; parking longer would add its
 * length to the latency of the first record after a pause. Waking on hand-off gives both.
 * <p>
 * Correctness: the shard writes "parked" (volatile) and then reads the rings' cursors; a producer writes the cursor
 * (publish) and then reads "parked". One of the two sees the other, so either the shard finds the event before
 * parking, or the producer unparks it (an unpark before the park makes the park return at once). The park's limit
 * keeps timers (acks=all timeouts, fetch deadlines, housekeeping) within about a millisecond.
 */
public final class ShardIdleStrategy implements IdleStrategy
{
    public static final int DEFAULT_SPINS = 50;
    public static final long DEFAULT_MAX_PARK_NS = 1_000_000;

    private final int spins;
    private final long maxParkNs;
    private BooleanSupplier hasWork = () -> false;
    private int idleCycles;
    private volatile Thread parked;

    public ShardIdleStrategy()
    {
        this(DEFAULT_SPINS, DEFAULT_MAX_PARK_NS);
    }

    /**
     * @param spins     idle duty cycles spent spinning before parking.
     * @param maxParkNs the longest park, the bound on timer lateness.
     */
    public ShardIdleStrategy(final int spins, final long maxParkNs)
    {
        this.spins = spins;
        this.maxParkNs = maxParkNs;
    }

    /** What the thread checks just before parking: true when work arrived meanwhile. Set before the thread starts. */
    public ShardIdleStrategy hasWork(final BooleanSupplier hasWork)
    {
        this.hasWork = hasWork;
        return this;
    }

    /** Work was handed to this thread. Any thread; cheap when the thread is not parked. */
    public void wake()
    {
        final Thread thread = parked;
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idleCycles = 0;
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (++idleCycles <= spins)
        {
            Thread.onSpinWait();
            return;
        }
        parked = Thread.currentThread();
        if (!hasWork.getAsBoolean())
        {
            LockSupport.parkNanos(this, maxParkNs);
        }
        parked = null;
    }

    @Override
    public void reset()
    {
        idleCycles = 0;
    }

    @Override
    public String alias()
    {
        return "shard-wakeable";
    }
}
