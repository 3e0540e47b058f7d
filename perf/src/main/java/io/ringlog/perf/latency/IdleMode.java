package io.ringlog.perf.latency;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * How the harness thread, and any thread a target spins (an echo, a broker's duty cycle), wait when there is nothing
 * to do. The choice is the run's, given on the command line, and printed with every table.
 */
public enum IdleMode
{
    /**
     * {@link BusySpinIdleStrategy}: never gives up the core ({@code Thread.onSpinWait()} only). The low-latency
     * profile: each spinning thread takes a whole core, so on 2 cores no more than two may spin, and anything else
     * on the machine (a media driver's conductor, JIT threads, other processes) preempts them and shows in the tail.
     */
    BUSY_SPIN("busy-spin"),

    /**
     * {@link BackoffIdleStrategy}: 10 spins, 20 yields, then parks from 1 µs doubling up to 100 µs. Sleeps when idle,
     * so it is fair to other processes (tests, a shared machine), but a parked sender wakes up to about the park time
     * plus the kernel's timer slack (about 50 µs) late: sends are late, and the latencies show it (coordinated
     * omission is corrected, so the delay is charged, not hidden). Not for measuring microseconds.
     */
    BACKOFF("backoff");

    private static final long MAX_SPINS = 10;
    private static final long MAX_YIELDS = 20;
    private static final long MIN_PARK_NS = TimeUnit.MICROSECONDS.toNanos(1);
    private static final long MAX_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private final String label;

    IdleMode(final String label)
    {
        this.label = label;
    }

    /**
     * @return a new idle strategy of this kind; each thread needs its own.
     */
    public IdleStrategy newIdleStrategy()
    {
        return this == BUSY_SPIN ?
            new BusySpinIdleStrategy() :
            new BackoffIdleStrategy(MAX_SPINS, MAX_YIELDS, MIN_PARK_NS, MAX_PARK_NS);
    }

    /**
     * @return the command-line spelling.
     */
    public String label()
    {
        return label;
    }

    /**
     * @param label {@code busy-spin} or {@code backoff}.
     * @return the mode.
     */
    public static IdleMode parse(final String label)
    {
        for (final IdleMode mode : values())
        {
            if (mode.label.equals(label))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException("--idle takes busy-spin or backoff: " + label);
    }
}
