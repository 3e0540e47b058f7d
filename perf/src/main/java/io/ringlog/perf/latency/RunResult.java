package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * What one fixed-rate run of one target measured. Immutable once made (the histogram is not copied: do not record
 * into it afterwards).
 *
 * @param target          the target's name.
 * @param legs            one-way trips per sample (2 for a round trip).
 * @param messageLength   message size, bytes.
 * @param rate            the rate sends were scheduled at, messages/s.
 * @param idle            the idle mode of the run.
 * @param measureNs       the length of the measured window.
 * @param histogram       receive time - intended send time, ns, of every message due in the measured window.
 * @param sent            messages due in the window that were sent.
 * @param received        of those, how many came back (after the drain).
 * @param late            sends that went out more than one interval after they were due.
 * @param unsent          messages due in the window never sent because the sender fell too far behind.
 * @param backPressured   sends of messages due in the window that the target refused (each retried).
 * @param outOfOrder      messages that arrived with a sequence other than the one expected.
 * @param wrongLength     messages that arrived with a length other than the one sent.
 * @param achievedRate    sent / the time from the window's start to its end or the last send, whichever is later.
 * @param harnessBytes    bytes the harness thread allocated in the window.
 * @param threadBytes     bytes each of the target's named threads allocated in the window (-1: thread gone).
 * @param collections     garbage collections in the window.
 * @param jfr             the JFR check's summary of the window, or null when not asked for.
 */
public record RunResult(
    String target, int legs, int messageLength, long rate, IdleMode idle, long measureNs, Histogram histogram,
    long sent, long received, long late, long unsent, long backPressured, long outOfOrder, long wrongLength,
    double achievedRate, long harnessBytes, Map<String, Long> threadBytes, long collections, String jfr)
{
    /**
     * @return true when every message due in the window was sent on time (none late by more than an interval) and
     *     came back, in order.
     */
    public boolean keptUp()
    {
        return late == 0 && unsent == 0 && received == sent && outOfOrder == 0;
    }

    /**
     * @param summary the JFR check's summary of the window.
     * @return this result with it.
     */
    public RunResult withJfr(final String summary)
    {
        return new RunResult(target, legs, messageLength, rate, idle, measureNs, histogram, sent, received, late,
            unsent, backPressured, outOfOrder, wrongLength, achievedRate, harnessBytes, threadBytes, collections,
            summary);
    }

    /**
     * @param bytes allocated in the window.
     * @return bytes per message sent in the window.
     */
    public double perMessage(final long bytes)
    {
        return sent == 0 ? Double.NaN : (double)bytes / sent;
    }
}
