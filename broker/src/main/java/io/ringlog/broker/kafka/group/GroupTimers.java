package io.ringlog.broker.kafka.group;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.concurrent.TimeUnit;

/**
 * Every deadline the coordinator keeps, on one Agrona {@link DeadlineTimerWheel}, and what each timer is for: a
 * member's session ({@link #SESSION}), a member id handed out and not yet claimed ({@link #PENDING_MEMBER}), the end
 * of a join phase or a step of the initial rebalance delay ({@link #JOIN}), the wait for SyncGroups ({@link #SYNC}) and
 * the offset retention check ({@link #RETENTION}). A timer that fires and was not cancelled goes to the
 * {@link Expiry} the coordinator gave; the handler checks it against the group or member it names, so a stale one is a
 * no-op. Polled every duty cycle. Coordinator thread only.
 */
final class GroupTimers
{
    /** The timer wheel's tick: deadlines are honoured to within a few milliseconds. */
    private static final long TICK_MS = 4;
    private static final int TICKS_PER_WHEEL = 512;
    private static final int TIMER_EXPIRY_LIMIT = 256;
    private static final int MAX_TICKS_PER_CYCLE = 4096;

    /** A member's session: it fires at {@link GroupMember#heartbeatDeadlineMs}, or later if that moved. */
    static final int SESSION = 1;
    /** A member id handed out with MEMBER_ID_REQUIRED (KIP-394) that expires unless the member comes back with it. */
    static final int PENDING_MEMBER = 2;
    /** The end of a join phase: the rebalance timeout, or the next step of the initial rebalance delay. */
    static final int JOIN = 3;
    /** The end of the wait for every member's SyncGroup after a join phase. */
    static final int SYNC = 4;
    /** The periodic look for expired offsets. */
    static final int RETENTION = 5;

    /** A scheduled timer: what it is for. Checked against the group or member on expiry, so a stale one is a no-op. */
    record Timer(int kind, String groupId, String memberId)
    {
    }

    /** Where a timer goes when it fires. Coordinator thread. */
    @FunctionalInterface
    interface Expiry
    {
        /**
         * @param timer   what the timer was scheduled for.
         * @param timerId its id, as {@link #schedule} returned it: compared with the id the group or member holds.
         */
        void onExpiry(Timer timer, long timerId);
    }

    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<Timer> tasks = new Long2ObjectHashMap<>();
    private final Expiry expiry;
    private final DeadlineTimerWheel.TimerHandler onWheelExpiry = this::onWheelExpiry;

    /**
     * @param startMs the wheel's start time.
     * @param expiry  what to do with each timer that fires.
     */
    GroupTimers(final long startMs, final Expiry expiry)
    {
        this.wheel = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, startMs, TICK_MS, TICKS_PER_WHEEL);
        this.expiry = expiry;
    }

    /** @return the timer's id, to keep for {@link #cancel} and to check the expiry against. */
    long schedule(final long deadlineMs, final int kind, final String groupId, final String memberId)
    {
        final long id = wheel.scheduleTimer(deadlineMs);
        tasks.put(id, new Timer(kind, groupId, memberId));
        return id;
    }

    /** Cancel a timer; {@link DeadlineTimerWheel#NULL_DEADLINE} or one that has fired already is ignored. */
    void cancel(final long id)
    {
        if (id != DeadlineTimerWheel.NULL_DEADLINE && tasks.remove(id) != null)
        {
            wheel.cancelTimer(id);
        }
    }

    /**
     * Fire every timer due by {@code nowMs}, catching the wheel up tick by tick, at most
     * {@value #MAX_TICKS_PER_CYCLE} ticks per duty cycle.
     *
     * @return the timers fired.
     */
    int poll(final long nowMs)
    {
        int work = 0;
        for (int i = 0; i < MAX_TICKS_PER_CYCLE; i++)
        {
            work += wheel.poll(nowMs, onWheelExpiry, TIMER_EXPIRY_LIMIT);
            if (wheel.currentTickTime() > nowMs)
            {
                break;
            }
        }
        return work;
    }

    private boolean onWheelExpiry(final TimeUnit unit, final long now, final long timerId)
    {
        final Timer timer = tasks.remove(timerId);
        if (timer != null)
        {
            expiry.onExpiry(timer, timerId);
        }
        return true;
    }
}
