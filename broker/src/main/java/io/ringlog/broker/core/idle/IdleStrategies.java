package io.ringlog.broker.core.idle;

import io.ringlog.sequencer.SequencerShard;
import io.ringlog.sequencer.ShardIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** The idle strategy of a shard thread, by {@link IdleProfile}. */
public final class IdleStrategies
{
    private IdleStrategies()
    {
    }

    /**
     * The idle strategy of a shard thread (the shard and whatever the wiring composes on it: the Kafka edge's fetch
     * waiters). Unless it spins or yields, it is a {@link ShardIdleStrategy}: it parks up to 1 ms when idle and is
     * woken by whoever hands the thread work (an offer, a command, a parked fetch), which measured as a fifth of a
     * core less on an idle broker than the 100 µs back-off, with no added latency.
     *
     * @param profile   {@code idle.strategy}.
     * @param shard     the shard.
     * @param otherWork whether the agents composed with the shard have work (checked before parking).
     * @param otherWake registers the strategy's wake-up with those agents.
     */
    public static IdleStrategy forShard(final IdleProfile profile, final SequencerShard shard,
        final BooleanSupplier otherWork, final Consumer<Runnable> otherWake)
    {
        if (profile == IdleProfile.BUSY_SPIN || profile == IdleProfile.YIELDING)
        {
            return profile.newStrategy();
        }
        final ShardIdleStrategy idle = profile == IdleProfile.SLEEPING ?
            new ShardIdleStrategy(0, ShardIdleStrategy.DEFAULT_MAX_PARK_NS) : new ShardIdleStrategy();
        idle.hasWork(() -> shard.hasPendingWork() || otherWork.getAsBoolean());
        shard.wakeWith(idle);
        otherWake.accept(idle::wake);
        return idle;
    }
}
