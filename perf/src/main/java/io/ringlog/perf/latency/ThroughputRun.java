package io.ringlog.perf.latency;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * Maximum throughput of a target with the same one-thread loop as {@link FixedRateRun}, unpaced: send one message,
 * poll, repeat, as fast as the target takes them (a refused send is counted and the loop moves on to the poll, then
 * offers the same message again). For a log (Chronicle Queue, the journal) this is append then tail on one thread; for
 * Aeron IPC, offer then poll. The rate is messages <em>received</em> in the measured window divided by its length, so a
 * target cannot score by buffering. The clock is read once every {@value #CLOCK_STRIDE} turns, and each message carries
 * that reading as its time; nothing is recorded per message but its sequence check. The thread never idles, whatever
 * the idle mode.
 * <p>
 * Not thread-safe: a run belongs to the thread that calls {@link #run}.
 */
public final class ThroughputRun
{
    /** Turns between clock reads. */
    static final int CLOCK_STRIDE = 256;

    private ThroughputRun()
    {
    }

    /**
     * @param target    started, with nothing in flight.
     * @param settings  the message size the target was started with.
     * @param warmupNs  how long to run before the measured window.
     * @param measureNs the measured window.
     * @param meter     allocation meter, opened and closed at the window's edges.
     * @return what was measured.
     */
    public static ThroughputResult run(
        final LatencyTarget target,
        final TargetSettings settings,
        final long warmupNs,
        final long measureNs,
        final AllocationMeter meter)
    {
        final int length = settings.messageLength();
        final UnsafeBuffer payload = Payload.allocate(length);
        final Counter counter = new Counter();

        final long startNs = System.nanoTime();
        final long measureStartNs = startNs + warmupNs;
        final long endNs = measureStartNs + measureNs;
        long nowNs = startNs;
        long sequence = 0;
        long backPressured = 0;
        long backPressuredAtOpen = 0;
        long receivedAtOpen = 0;
        long openedNs = 0;
        boolean windowOpen = false;

        while (true)
        {
            for (int i = 0; i < CLOCK_STRIDE; i++)
            {
                Payload.stamp(payload, nowNs, sequence);
                if (target.send(nowNs, payload, length))
                {
                    sequence++;
                }
                else
                {
                    backPressured++;
                }
                target.poll(counter, FixedRateRun.POLL_LIMIT);
            }
            nowNs = System.nanoTime();
            if (!windowOpen && nowNs >= measureStartNs)
            {
                meter.open();
                windowOpen = true;
                openedNs = System.nanoTime();
                receivedAtOpen = counter.received;
                backPressuredAtOpen = backPressured;
            }
            else if (windowOpen && nowNs >= endNs)
            {
                break;
            }
        }
        final long closedNs = System.nanoTime();
        final long received = counter.received - receivedAtOpen;
        meter.close();

        long lastProgressNs = System.nanoTime();
        while (counter.received < sequence && System.nanoTime() - lastProgressNs < FixedRateRun.DRAIN_QUIET_NS)
        {
            if (target.poll(counter, FixedRateRun.POLL_LIMIT) > 0)
            {
                lastProgressNs = System.nanoTime();
            }
            else
            {
                Thread.onSpinWait();
            }
        }

        final long windowNs = closedNs - openedNs;
        return new ThroughputResult(target.name(), length, windowNs, received,
            received * (double)TimeUnit.SECONDS.toNanos(1) / windowNs, backPressured - backPressuredAtOpen,
            sequence - counter.received, counter.outOfOrder, meter.ownBytes());
    }

    /** Counts what arrives and checks its order; no clock. */
    static final class Counter implements MessageReceiver
    {
        private long expectedSequence;
        long received;
        long outOfOrder;

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length)
        {
            final long sequence = Payload.sequence(buffer, offset);
            if (sequence != expectedSequence)
            {
                outOfOrder++;
            }
            expectedSequence = sequence + 1;
            received++;
        }
    }
}
