package io.ringlog.broker.core.idle;

import io.ringlog.broker.kafka.fetch.FetchWaiters;
import io.ringlog.sequencer.SequencerShard;
import io.ringlog.sequencer.ShardIdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * The broker's {@code idle.strategy} values and what each costs:
 * <ul>
 *   <li>{@code backoff} (default): shard threads spin briefly, then park up to 1 ms and are woken by whoever hands
 *   them work ({@link #forShard}); other threads spin 10 times, yield 5 times, then park from 1 µs doubling to
 *   100 µs.</li>
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

    /**
     * The idle strategy of a shard thread (the shard and the fetch waiters composed on it). Unless it spins, it is a
     * {@link ShardIdleStrategy}: it parks up to 1 ms when idle and is woken by whoever hands the thread work (an
     * offer, a command, a parked fetch), which measured as a fifth of a core less on an idle broker than the 100 µs
     * back-off, with no added latency.
     */
    public static IdleStrategy forShard(final String name, final SequencerShard shard, final FetchWaiters waiters)
    {
        if ("busy-spin".equals(name) || "yielding".equals(name))
        {
            return of(name);
        }
        final ShardIdleStrategy idle = "sleeping".equals(name) ?
            new ShardIdleStrategy(0, ShardIdleStrategy.DEFAULT_MAX_PARK_NS) : new ShardIdleStrategy();
        idle.hasWork(() -> shard.hasPendingWork() || waiters.hasPendingWork());
        shard.wakeWith(idle);
        waiters.wakeWith(idle::wake);
        return idle;
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
