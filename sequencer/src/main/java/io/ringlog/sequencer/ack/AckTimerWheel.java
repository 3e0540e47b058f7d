package io.ringlog.sequencer.ack;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The request timeouts of every acks=all request waiting on one shard: one Agrona {@link DeadlineTimerWheel} for
 * all the shard's partitions (a wheel per partition would cost its slots and a poll for each of thousands of
 * partitions), and a primitive map from timer id to the waiting entry it guards: the owning {@link PendingAcks}
 * (registered under a small int) and the entry's index in it.
 * <p>
 * Ticks of 8 ms, 512 to the wheel (4 s per turn; longer deadlines wait for later turns): request timeouts are
 * seconds, and a Kafka client cannot tell 8 ms of lateness from network jitter. Scheduling, cancelling and expiring
 * allocate nothing once the wheel's per-tick slots and the map have grown to the peak number of waiting requests.
 * <p>
 * Owned by the shard thread; not thread-safe.
 */
public final class AckTimerWheel implements DeadlineTimerWheel.TimerHandler
{
    static final long TICK_MS = 8;
    static final int TICKS_PER_WHEEL = 512;
    /** Ticks the wheel may advance in one poll, so that it catches up after a stall without stalling in turn. */
    private static final int MAX_TICKS_PER_POLL = 16;
    private static final int EXPIRY_LIMIT = 256;
    private static final long NO_OWNER = -1;

    private final DeadlineTimerWheel wheel;
    private final Long2LongHashMap owners = new Long2LongHashMap(1024, 0.65f, NO_OWNER);
    private PendingAcks[] lists = new PendingAcks[8];

    /**
     * @param nowMs the time now, by the clock that deadlines and polls use.
     */
    public AckTimerWheel(final long nowMs)
    {
        wheel = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, nowMs, TICK_MS, TICKS_PER_WHEEL);
    }

    /** Take the timers of {@code list}; cold path. */
    void register(final PendingAcks list)
    {
        int id = 0;
        while (id < lists.length && lists[id] != null)
        {
            id++;
        }
        if (id == lists.length)
        {
            lists = Arrays.copyOf(lists, lists.length * 2);
        }
        lists[id] = list;
        list.attached(this, id);
    }

    /** Forget {@code list}, whose timers must all be cancelled already; cold path. */
    void unregister(final PendingAcks list)
    {
        final int id = list.timerOwnerId();
        if (id >= 0 && lists[id] == list)
        {
            lists[id] = null;
        }
        list.attached(null, -1);
    }

    long schedule(final int ownerId, final int index, final long deadlineMs)
    {
        final long timerId = wheel.scheduleTimer(deadlineMs);
        owners.put(timerId, ((long)ownerId << 32) | (index & 0xFFFF_FFFFL));
        return timerId;
    }

    void cancel(final long timerId)
    {
        wheel.cancelTimer(timerId);
        owners.remove(timerId);
    }

    /**
     * Expire the timers due by {@code nowMs}: each answers its request with REQUEST_TIMED_OUT.
     *
     * @return timers expired.
     */
    public int poll(final long nowMs)
    {
        if (wheel.timerCount() == 0)
        {
            if (wheel.currentTickTime() <= nowMs)
            {
                wheel.currentTickTime(nowMs); // nothing waits: jump, instead of walking idle ticks
            }
            return 0;
        }
        int expired = 0;
        for (int i = 0; i < MAX_TICKS_PER_POLL; i++)
        {
            expired += wheel.poll(nowMs, this, EXPIRY_LIMIT);
            if (wheel.currentTickTime() > nowMs || expired >= EXPIRY_LIMIT)
            {
                break;
            }
        }
        return expired;
    }

    @Override
    public boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final long owner = owners.remove(timerId);
        if (owner != NO_OWNER)
        {
            final PendingAcks list = lists[(int)(owner >>> 32)];
            if (list != null)
            {
                list.expire((int)owner);
            }
        }
        return true;
    }

    /** Timers scheduled and not yet expired or cancelled. */
    public long timerCount()
    {
        return wheel.timerCount();
    }
}
