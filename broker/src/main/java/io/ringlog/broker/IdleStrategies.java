package io.ringlog.broker;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * The broker's {@code idle.strategy} values and what each costs:
 * <ul>
 *   <li>{@code backoff} (default): spin 10 times, yield 5 times, then park from 1 µs doubling to 100 µs. An idle
 *   thread wakes about 10,000 times a second, a few percent of a core, and picks up new work within about 100 µs;
 *   Agrona's default 1 ms ceiling would add up to a millisecond to a produce arriving at an idle broker.</li>
 *   <li>{@code sleeping}: sleep 1 ms. Cheapest when idle, slowest to react.</li>
 *   <li>{@code yielding}: {@code Thread.yield()}. Low latency, but a full core while idle.</li>
 *   <li>{@code busy-spin}: the low-latency profile. A full core per thread, always: on a 2-core machine use it for
 *   at most one or two threads, and never in tests.</li>
 * </ul>
 */
public final class IdleStrategies
{
    public static final long BACKOFF_MAX_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private IdleStrategies()
    {
    }

    public static IdleStrategy of(final String name)
    {
        return switch (name)
        {
            case "backoff" -> new BackoffIdleStrategy(10, 5, TimeUnit.MICROSECONDS.toNanos(1), BACKOFF_MAX_PARK_NS);
            case "sleeping" -> new SleepingMillisIdleStrategy(1);
            case "yielding" -> new YieldingIdleStrategy();
            case "busy-spin" -> new BusySpinIdleStrategy();
            default -> throw new IllegalArgumentException("unknown idle.strategy " + name);
        };
    }
}
