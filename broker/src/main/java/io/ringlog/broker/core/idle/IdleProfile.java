package io.ringlog.broker.core.idle;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * What a broker thread does when a duty cycle finds no work: {@code idle.strategy} (and
 * {@code aeron.driver.idle.strategy}), parsed once from the configuration into this type, so nothing else compares
 * strings. The latency/CPU trade-off of each:
 * <ul>
 *   <li>{@link #BACKOFF} (default): shard threads spin briefly, then park up to 1 ms and are woken by whoever hands
 *   them work ({@link IdleStrategies#forShard}); other threads spin 10 times, yield 5 times, then park from 1 µs
 *   doubling to 100 µs.</li>
 *   <li>{@link #SLEEPING}: sleep 1 ms. Cheapest when idle, slowest to react.</li>
 *   <li>{@link #YIELDING}: {@code Thread.yield()}. Low latency, but a full core while idle.</li>
 *   <li>{@link #BUSY_SPIN}: the low-latency profile. A full core per thread, always: on a 2-core machine use it for
 *   at most one or two threads, and never in tests.</li>
 * </ul>
 */
public enum IdleProfile
{
    BACKOFF("backoff"),
    SLEEPING("sleeping"),
    YIELDING("yielding"),
    BUSY_SPIN("busy-spin");

    /** The longest park of {@link #BACKOFF}'s strategy. */
    public static final long BACKOFF_MAX_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);

    /**
     * The parks of {@link #BACKOFF}'s strategy for the embedded media driver's threads ({@link #newDriverStrategy()}):
     * from {@link #BACKOFF_MAX_PARK_NS} (100 us, the old maximum) doubling to 1 ms. The driver's conductor counts its
     * timer check, every 1 ms, as work, which resets any back-off: parking from 1 us up to 100 us, each idle driver
     * woke about 10,000 times a second, 18-22 % of a core per node of an idle three-node cluster on 2 cores, the
     * largest single cost; parking from 1 us up to 1 ms still 10-14 %. Starting at 100 us it parks three or four
     * times per timer tick. A UDP message inside a burst waits no longer than before (100 us), one after a quiet
     * spell up to 1 ms; IPC data never waits for the driver (only a publisher at its flow-control limit does). The
     * low-latency profile spins.
     */
    public static final long DRIVER_BACKOFF_MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String configValue;

    IdleProfile(final String configValue)
    {
        this.configValue = configValue;
    }

    /**
     * @param value the configuration's spelling ({@code backoff}, {@code sleeping}, {@code yielding},
     *              {@code busy-spin}).
     * @throws IllegalArgumentException for any other.
     */
    public static IdleProfile parse(final String value)
    {
        for (final IdleProfile profile : values())
        {
            if (profile.configValue.equals(value))
            {
                return profile;
            }
        }
        throw new IllegalArgumentException("unknown idle.strategy " + value);
    }

    /** The configuration's spelling, for logs and for settings read back. */
    public String configValue()
    {
        return configValue;
    }

    /** Whether a thread with this profile never gives its core back: the low-latency profile. */
    public boolean spins()
    {
        return this == BUSY_SPIN;
    }

    /** A new strategy of this profile for a thread other than a shard's (which {@link IdleStrategies} builds). */
    public IdleStrategy newStrategy()
    {
        return switch (this)
        {
            case BACKOFF -> new BackoffIdleStrategy(10, 5, TimeUnit.MICROSECONDS.toNanos(1), BACKOFF_MAX_PARK_NS);
            case SLEEPING -> new SleepingMillisIdleStrategy(1);
            case YIELDING -> new YieldingIdleStrategy();
            case BUSY_SPIN -> new BusySpinIdleStrategy();
        };
    }

    /** A new strategy of this profile for a thread of the embedded media driver. */
    public IdleStrategy newDriverStrategy()
    {
        return this == BACKOFF ?
            new BackoffIdleStrategy(10, 5, BACKOFF_MAX_PARK_NS, DRIVER_BACKOFF_MAX_PARK_NS) :
            newStrategy();
    }

    @Override
    public String toString()
    {
        return configValue;
    }
}
