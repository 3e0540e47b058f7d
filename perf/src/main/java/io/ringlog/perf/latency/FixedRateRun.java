package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * One open-loop run at a fixed rate, corrected for coordinated omission, on the calling thread.
 *
 * <h2>Schedule</h2>
 * Message {@code i} is due at {@code start + floor(i * 10^9 / rate)} ns, whatever happened before it: the schedule is
 * fixed when the run starts and never slides. The message carries that <em>intended</em> time, and its latency is the
 * time it is received minus the time it was due. A stall anywhere (in the target, the harness, the JVM or the kernel)
 * delays the sends due during it; when the thread runs again it sends them at once, each still stamped with its own
 * due time, so every message that should have gone out during the stall is charged for the part of the stall it
 * waited through. A harness that stamped the actual send time would record one slow message and hide the rest
 * (coordinated omission).
 *
 * <h2>Loop</h2>
 * One thread: read the clock; if a message is due, stamp it and offer it to the target (one per turn, so a sender
 * that is behind still polls between sends); poll the target for whatever has arrived, recording
 * {@code nanoTime() - intended} per message into an {@link Histogram} (ns, 3 significant digits); idle as the run's
 * {@link IdleMode} says when a turn did nothing. A refused (back-pressured) send is offered again next turn with the
 * same intended time. Warm-up and measurement are one schedule: messages due before the window's start go the same
 * way but into a histogram that is thrown away (so the recording path is compiled before the window too), and nothing
 * changes at the boundary. After the window the run stops sending and drains
 * until everything sent has come back or nothing has arrived for a second. A sender that falls more than the window's
 * length behind gives up; the messages it never sent are reported as unsent (the histogram then understates, and the
 * row says so).
 *
 * <h2>Allocation</h2>
 * The loop allocates nothing per message (the receiver and the payload are made before it starts; the histogram has
 * a fixed range and never resizes), so whatever {@link AllocationMeter} counts on the harness thread in the window is
 * the target's {@code send} and {@code poll}.
 * <p>
 * Not thread-safe: a run belongs to the thread that calls {@link #run}.
 */
public final class FixedRateRun
{
    /** Largest latency the histogram holds; larger values are recorded as this. */
    static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(60);
    /** Significant decimal digits of every recorded value. */
    static final int SIGNIFICANT_DIGITS = 3;
    /** The most messages one {@link LatencyTarget#poll} may deliver. */
    static final int POLL_LIMIT = 256;
    /** The drain after the window ends once nothing has arrived for this long. */
    static final long DRAIN_QUIET_NS = TimeUnit.SECONDS.toNanos(1);

    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
    /** The schedule starts this far ahead, so set-up of the loop itself is not charged to the first message. */
    private static final long START_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private FixedRateRun()
    {
    }

    /**
     * Run one target at one rate and message size. The target must have been started with {@code settings}.
     *
     * @param target    started, with nothing in flight.
     * @param settings  the message size and idle mode the target was started with.
     * @param rate      messages per second, scheduled.
     * @param warmupNs  how long to run before the measured window.
     * @param measureNs the measured window.
     * @param meter     allocation meter for this thread and the target's threads; opened and closed at the window's
     *                  edges.
     * @return what was measured.
     */
    public static RunResult run(
        final LatencyTarget target,
        final TargetSettings settings,
        final long rate,
        final long warmupNs,
        final long measureNs,
        final AllocationMeter meter)
    {
        if (rate <= 0 || rate > NANOS_PER_SECOND)
        {
            throw new IllegalArgumentException("rate must be 1..10^9 messages/s: " + rate);
        }
        if (warmupNs < 0 || measureNs <= 0)
        {
            throw new IllegalArgumentException("warm-up must be >= 0 and the window > 0");
        }
        final int length = settings.messageLength();
        final UnsafeBuffer payload = Payload.allocate(length);
        final IdleStrategy idle = settings.idle().newIdleStrategy();
        final long intervalNs = Math.max(1, NANOS_PER_SECOND / rate);

        final long startNs = System.nanoTime() + START_DELAY_NS;
        final long measureStartNs = startNs + warmupNs;
        final long endNs = measureStartNs + measureNs;
        final long giveUpNs = endNs + measureNs;
        final Recorder recorder = new Recorder(measureStartNs, length);
        final long firstMeasured = firstDueAtOrAfter(measureStartNs - startNs, rate);
        final long firstAfter = firstDueAtOrAfter(endNs - startNs, rate);

        long sequence = 0;
        long nextNs = startNs;
        long sent = 0;
        long late = 0;
        long backPressured = 0;
        long lastSendNs = 0;
        boolean windowOpen = false;

        while (true)
        {
            final long nowNs = System.nanoTime();
            int work = 0;
            if (!windowOpen && nowNs >= measureStartNs)
            {
                meter.open();
                windowOpen = true;
            }

            if (sequence < firstAfter)
            {
                if (nowNs >= nextNs)
                {
                    if (nowNs >= giveUpNs)
                    {
                        break;
                    }
                    Payload.stamp(payload, nextNs, sequence);
                    if (target.send(nextNs, payload, length))
                    {
                        if (sequence >= firstMeasured)
                        {
                            sent++;
                            lastSendNs = nowNs;
                            if (nowNs - nextNs > intervalNs)
                            {
                                late++;
                            }
                        }
                        sequence++;
                        nextNs = startNs + dueOffsetNs(sequence, rate);
                        work++;
                    }
                    else if (sequence >= firstMeasured)
                    {
                        backPressured++;
                    }
                }
            }
            else if (nowNs >= endNs)
            {
                break;
            }

            work += target.poll(recorder, POLL_LIMIT);
            idle.idle(work);
        }
        if (!windowOpen)
        {
            meter.open();
        }
        meter.close();

        drain(target, recorder, sent, idle);
        final long elapsedNs = Math.max(endNs, lastSendNs) - measureStartNs;

        return new RunResult(
            target.name(), target.legs(), length, rate, settings.idle(), measureNs, recorder.histogram,
            sent, recorder.measuredReceived, late, firstAfter - firstMeasured - sent, backPressured,
            recorder.outOfOrder, recorder.wrongLength, sent * (double)NANOS_PER_SECOND / elapsedNs,
            meter.ownBytes(), meter.otherBytes(), meter.collections(), null);
    }

    /**
     * @param sequence a message's sequence number.
     * @param rate     messages per second.
     * @return when the message is due, ns after the schedule's start: {@code floor(sequence * 10^9 / rate)}, computed
     *     without overflow for any sequence and any rate up to 10^9.
     */
    static long dueOffsetNs(final long sequence, final long rate)
    {
        return (sequence / rate) * NANOS_PER_SECOND + (sequence % rate) * NANOS_PER_SECOND / rate;
    }

    /**
     * @param offsetNs ns after the schedule's start.
     * @param rate     messages per second.
     * @return the sequence number of the first message due at or after {@code offsetNs}.
     */
    static long firstDueAtOrAfter(final long offsetNs, final long rate)
    {
        long first = Math.max(0, (long)((double)offsetNs * rate / NANOS_PER_SECOND) - 1);
        while (first > 0 && dueOffsetNs(first - 1, rate) >= offsetNs)
        {
            first--;
        }
        while (dueOffsetNs(first, rate) < offsetNs)
        {
            first++;
        }
        return first;
    }

    private static void drain(final LatencyTarget target, final Recorder recorder, final long sent,
        final IdleStrategy idle)
    {
        long lastProgressNs = System.nanoTime();
        while (recorder.measuredReceived < sent)
        {
            final int work = target.poll(recorder, POLL_LIMIT);
            final long nowNs = System.nanoTime();
            if (work > 0)
            {
                lastProgressNs = nowNs;
            }
            else if (nowNs - lastProgressNs > DRAIN_QUIET_NS)
            {
                break;
            }
            idle.idle(work);
        }
    }

    /** Receives on the harness thread: checks order and length, records latencies of measured messages. */
    static final class Recorder implements MessageReceiver
    {
        final Histogram histogram = new Histogram(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        final Histogram warmup = new Histogram(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        private final long measureStartNs;
        private final int length;
        private long expectedSequence;
        long received;
        long measuredReceived;
        long outOfOrder;
        long wrongLength;

        Recorder(final long measureStartNs, final int length)
        {
            this.measureStartNs = measureStartNs;
            this.length = length;
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length)
        {
            final long nowNs = System.nanoTime();
            final long intendedNs = Payload.intendedTime(buffer, offset);
            final long sequence = Payload.sequence(buffer, offset);
            if (sequence != expectedSequence)
            {
                outOfOrder++;
            }
            expectedSequence = sequence + 1;
            if (length != this.length)
            {
                wrongLength++;
            }
            received++;
            final long latencyNs = Math.min(HIGHEST_TRACKABLE_NS, Math.max(1, nowNs - intendedNs));
            if (intendedNs >= measureStartNs)
            {
                measuredReceived++;
                histogram.recordValue(latencyNs);
            }
            else
            {
                // The same path as the measured messages, so that it is linked and compiled before the window.
                warmup.recordValue(latencyNs);
            }
        }
    }
}
