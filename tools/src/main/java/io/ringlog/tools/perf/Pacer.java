package io.ringlog.tools.perf;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * Sends on a fixed schedule: record {@code i} is due at {@code start + i / rate}. Waiting parks the thread (never
 * spins), so the schedule is kept to the park granularity, about 50-100 us on Linux: fine up to tens of thousands of
 * records per second. A sender that falls behind (a blocked send) does not skip slots; it sends late, and the
 * latency measured from the slot's due time includes the delay: that is the coordinated-omission correction.
 * Used by one thread.
 */
final class Pacer
{
    private final long startNs = System.nanoTime();
    private final long intervalNs;

    /** @param perSecond records per second; 0 or less: no pacing, every record is due now. */
    Pacer(final double perSecond)
    {
        intervalNs = perSecond > 0 ? Math.max(1, (long)(1_000_000_000d / perSecond)) : 0;
    }

    /** Wait until record {@code i} is due. @return its due time, in {@link System#nanoTime()}'s terms. */
    long awaitDue(final long i)
    {
        if (intervalNs == 0)
        {
            return System.nanoTime();
        }
        final long due = startNs + i * intervalNs;
        for (long now = System.nanoTime(); now < due; now = System.nanoTime())
        {
            LockSupport.parkNanos(due - now);
        }
        return due;
    }

    /**
     * Wait until record {@code i} is due while doing {@code work} (a native client's duty cycle, which must keep
     * running: acknowledgements and keep-alives come through it), parking up to {@code maxParkNs} after a cycle
     * that did nothing. @return its due time.
     */
    long awaitDue(final long i, final IntSupplier work, final long maxParkNs)
    {
        if (intervalNs == 0)
        {
            return System.nanoTime();
        }
        final long due = startNs + i * intervalNs;
        for (long now = System.nanoTime(); now < due; now = System.nanoTime())
        {
            if (work.getAsInt() == 0)
            {
                LockSupport.parkNanos(Math.min(maxParkNs, due - now));
            }
        }
        return due;
    }

    long startNs()
    {
        return startNs;
    }
}
