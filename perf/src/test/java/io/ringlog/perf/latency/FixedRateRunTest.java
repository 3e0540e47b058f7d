package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's measurement against in-process targets built on {@link LoopbackTarget}: the coordinated-omission
 * correction, the pacing, back-pressure, loss and the harness's own allocation. Back-off idle throughout (the machine
 * is shared).
 */
@Timeout(30)
class FixedRateRunTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aStallIsChargedToEveryMessageDueDuringIt()
    {
        // 10k msg/s, one 50 ms stall inside send() half-way through a 1 s window: the 500 messages due during the
        // stall go out late, at once, when it ends. Message k of them waited (50 - 0.1 k) ms: 250 above 25 ms, all
        // of them above 0. A harness that timed from the actual send would see one slow send and nothing else.
        final long rate = 10_000;
        final long warmupNs = 200 * MS;
        final long stallAt = FixedRateRun.firstDueAtOrAfter(warmupNs + 500 * MS, rate);
        final StallingTarget target = new StallingTarget(stallAt, 50 * MS);
        final RunResult result = run(target, 64, rate, warmupNs, 1000 * MS);

        assertEquals(10_000, result.sent());
        assertEquals(10_000, result.received());
        assertEquals(0, result.unsent());
        assertEquals(0, result.outOfOrder());
        final Histogram histogram = result.histogram();
        assertEquals(10_000, histogram.getTotalCount());
        assertTrue(target.stalledNs >= 50 * MS, "the stall happened");
        assertTrue(histogram.getMaxValue() >= 50 * MS, "the first message due in the stall waited all of it");
        assertTrue(result.late() >= 490, "the sends due during the stall were late: " + result.late());

        // The messages due during the stall, from the target's own record of each delivery. Each is charged at least
        // the rest of the stall after it was due. (On a shared machine the thread may also be preempted while it
        // sends the backlog, which charges them more, and elsewhere in the run: so lower bounds only.)
        final long stalled = target.stalledNs / 100_000; // messages due during the stall
        long above25 = 0;
        for (long sequence = stallAt; sequence < stallAt + stalled; sequence++)
        {
            final long restOfStall = target.stallEndNs - (target.stallStartNs + (sequence - stallAt) * 100_000);
            assertTrue(target.latency(sequence) >= restOfStall, "message " + sequence + " escaped the stall");
            above25 += target.latency(sequence) > 25 * MS ? 1 : 0;
        }
        final long expected25 = (target.stalledNs - 25 * MS) / 100_000;
        assertTrue(above25 >= expected25 - 1,
            "at least " + expected25 + " messages due in the stall above 25 ms, was " + above25);

        // And the harness's histogram holds exactly those latencies (give or take the two clock reads).
        long measuredAbove25 = 0;
        for (long sequence = FixedRateRun.firstDueAtOrAfter(warmupNs, rate); sequence < target.delivered; sequence++)
        {
            measuredAbove25 += target.latency(sequence) > 25 * MS ? 1 : 0;
        }
        assertEquals(measuredAbove25, countAbove(histogram, 25 * MS), 2);

        // Timed from the actual send, as a closed-loop harness would, the stall all but disappears (a few may still be
        // caught by a preemption between a send and the poll that follows it).
        long serviceAbove25 = 0;
        for (long sequence = stallAt; sequence < stallAt + stalled; sequence++)
        {
            serviceAbove25 += target.serviceTime(sequence) > 25 * MS ? 1 : 0;
        }
        assertTrue(serviceAbove25 <= 5, "service times above 25 ms: " + serviceAbove25);
    }

    @Test
    void sendsAreScheduledAtFixedIntervalsAndCarryTheirIntendedTime()
    {
        final long rate = 5_000;
        final RecordingTarget target = new RecordingTarget();
        final RunResult result = run(target, 64, rate, 200 * MS, 1000 * MS);

        assertEquals(5_000, result.sent(), "exactly rate x window messages are due in the window");
        assertEquals(6_000, target.count, "and 1,000 in the warm-up");
        assertEquals(result.sent(), result.received());
        final long start = target.intended[0];
        for (int i = 0; i < target.count; i++)
        {
            assertEquals(i, target.sequences[i]);
            assertEquals(start + i * 200_000L, target.intended[i], "message " + i + " is due at start + i * interval");
            assertEquals(target.intended[i], target.stamped[i], "the payload carries the intended time");
            assertTrue(target.actual[i] >= target.intended[i], "never sent early");
        }
        // Pacing: never faster than the schedule, and mostly on time (back-off idle wakes ~0.1 ms late; a preemption
        // on a shared machine makes a run of sends late, never early).
        final long[] lateness = new long[target.count];
        for (int i = 0; i < target.count; i++)
        {
            lateness[i] = target.actual[i] - target.intended[i];
        }
        Arrays.sort(lateness);
        assertTrue(lateness[target.count / 2] < 5 * MS, "median send lateness " + lateness[target.count / 2]);
        assertTrue(result.achievedRate() <= rate * 1.0001, "never above the rate: " + result.achievedRate());
        assertTrue(result.achievedRate() > rate * 0.5, "achieved " + result.achievedRate());
    }

    @Test
    void aRefusedSendIsOfferedAgainWithTheSameIntendedTime()
    {
        final RefusingTarget target = new RefusingTarget();
        final RunResult result = run(target, 32, 2_000, 50 * MS, 300 * MS);

        assertEquals(600, result.sent());
        assertEquals(600, result.received());
        assertEquals(0, result.outOfOrder());
        assertEquals(result.sent(), result.backPressured(), "every message was refused once");
        assertEquals(0, target.changedRetries, "a retry carries the same time and sequence");
    }

    @Test
    void lostMessagesAreCountedAndTheDrainEnds()
    {
        final LoopbackTarget dropping = new LoopbackTarget()
        {
            private long offered;

            @Override
            public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
            {
                // Drops offers 50, 150, ..., 450: taken, never delivered.
                return offered++ % 100 == 50 || super.send(intendedTimeNs, payload, length);
            }
        };
        final RunResult result = run(dropping, 64, 1_000, 0, 500 * MS);

        assertEquals(500, result.sent());
        assertEquals(495, result.received());
        assertEquals(5, result.outOfOrder(), "each gap is seen once");
        assertEquals(495, result.histogram().getTotalCount());
        assertTrue(LatencyTable.latency(List.of(result)).contains("5 sent but not received"));
    }

    @Test
    void theHarnessThreadAllocatesNothingPerMessage()
    {
        // The first run in a JVM may take a one-off few KB while code is still being compiled; the second must not.
        run(new LoopbackTarget(), 64, 20_000, 1000 * MS, 300 * MS);
        final RunResult result = run(new LoopbackTarget(), 64, 20_000, 500 * MS, 500 * MS);

        assertEquals(10_000, result.sent());
        assertEquals(0, result.harnessBytes(), "bytes allocated by the harness thread in the window");
        assertEquals(0, result.collections());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 3, 7, 10_000, 999_983, 1_000_000, 1_000_000_000})
    void dueTimesAreExactAndTheWindowBoundaryIsFound(final long rate)
    {
        final BigInteger billion = BigInteger.valueOf(1_000_000_000L);
        // Up to a million seconds of schedule at any rate: a day at 10^9 msg/s, 11 days at 1 msg/s.
        for (final long sequence : new long[] {0, 1, 2, rate - 1, rate, rate + 1, rate * 86_400 + rate / 2 + 1,
            rate * 1_000_000 - 1})
        {
            final long expected = BigInteger.valueOf(sequence).multiply(billion).divide(BigInteger.valueOf(rate))
                .longValueExact();
            assertEquals(expected, FixedRateRun.dueOffsetNs(sequence, rate), "sequence " + sequence);
        }
        for (final long offsetNs : new long[] {0, 1, 999, 1_000_000, 5_000_000_001L, 600_000_000_000L})
        {
            final long first = FixedRateRun.firstDueAtOrAfter(offsetNs, rate);
            assertTrue(FixedRateRun.dueOffsetNs(first, rate) >= offsetNs);
            assertTrue(first == 0 || FixedRateRun.dueOffsetNs(first - 1, rate) < offsetNs);
        }
    }

    static RunResult run(
        final LatencyTarget target, final int size, final long rate, final long warmupNs, final long measureNs)
    {
        final TargetSettings settings = new TargetSettings(size, IdleMode.BACKOFF, Map.of());
        try (target)
        {
            target.start(settings);
            return FixedRateRun.run(target, settings, rate, warmupNs, measureNs,
                AllocationMeter.forThreads(target.threadNames()));
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static long countAbove(final Histogram histogram, final long valueNs)
    {
        return histogram.getTotalCount() - histogram.getCountBetweenValues(0, valueNs);
    }

    /**
     * Sleeps once, inside {@code send}, then carries on; keeps, per message, the latency from the intended time and
     * the service time from the actual send, taken when it is delivered.
     */
    static final class StallingTarget extends LoopbackTarget
    {
        private static final int CAPACITY = 20_000;
        private final long stallAtSequence;
        private final long stallNs;
        private final long[] sentAt = new long[CAPACITY];
        private final long[] latencies = new long[CAPACITY];
        private final long[] serviceTimes = new long[CAPACITY];
        private long sequence;
        long delivered;
        long stalledNs;
        long stallStartNs;
        long stallEndNs;

        StallingTarget(final long stallAtSequence, final long stallNs)
        {
            this.stallAtSequence = stallAtSequence;
            this.stallNs = stallNs;
        }

        long latency(final long sequence)
        {
            return latencies[(int)sequence];
        }

        long serviceTime(final long sequence)
        {
            return serviceTimes[(int)sequence];
        }

        @Override
        public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
        {
            if (sequence == stallAtSequence && stalledNs == 0)
            {
                final long start = System.nanoTime();
                final long until = start + stallNs;
                while (System.nanoTime() < until)
                {
                    LockSupport.parkNanos(until - System.nanoTime());
                }
                stallStartNs = intendedTimeNs;
                stallEndNs = System.nanoTime();
                stalledNs = stallEndNs - start;
            }
            if (!super.send(intendedTimeNs, payload, length))
            {
                return false;
            }
            sentAt[(int)sequence++] = System.nanoTime();
            return true;
        }

        @Override
        public int poll(final MessageReceiver receiver, final int limit)
        {
            return super.poll((buffer, offset, length) ->
            {
                final long now = System.nanoTime();
                final int index = (int)delivered++;
                latencies[index] = now - Payload.intendedTime(buffer, offset);
                serviceTimes[index] = now - sentAt[index];
                receiver.onMessage(buffer, offset, length);
            }, limit);
        }
    }

    /** Keeps every send's intended time, sequence, the time in the payload and when it was actually sent. */
    static final class RecordingTarget extends LoopbackTarget
    {
        final long[] intended = new long[10_000];
        final long[] sequences = new long[10_000];
        final long[] stamped = new long[10_000];
        final long[] actual = new long[10_000];
        int count;

        @Override
        public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
        {
            final long now = System.nanoTime();
            if (!super.send(intendedTimeNs, payload, length))
            {
                return false;
            }
            intended[count] = intendedTimeNs;
            sequences[count] = Payload.sequence(payload, 0);
            stamped[count] = Payload.intendedTime(payload, 0);
            actual[count] = now;
            count++;
            return true;
        }
    }

    /** Refuses the first offer of every message, takes the second; checks the retry is the same message. */
    static final class RefusingTarget extends LoopbackTarget
    {
        private long refusedTime = -1;
        private long refusedSequence = -1;
        int changedRetries;

        @Override
        public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
        {
            if (refusedSequence < 0)
            {
                refusedTime = intendedTimeNs;
                refusedSequence = Payload.sequence(payload, 0);
                return false;
            }
            if (refusedTime != intendedTimeNs || refusedSequence != Payload.sequence(payload, 0) ||
                Payload.intendedTime(payload, 0) != intendedTimeNs)
            {
                changedRetries++;
            }
            refusedSequence = -1;
            return super.send(intendedTimeNs, payload, length);
        }
    }
}
