package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Markdown tables of {@link RunResult}s and {@link ThroughputResult}s, for the console and perf/RESULTS.md.
 * Stateless.
 */
public final class LatencyTable
{
    /** The percentiles reported, in order, with their column headings. */
    static final double[] PERCENTILES = {50.0, 99.0, 99.9, 99.99};

    private static final String LATENCY_HEADER =
        "| target | measure | size B | rate msg/s | achieved msg/s | sent | received | late sends "
        + "| p50 µs | p99 µs | p99.9 µs | p99.99 µs | max µs "
        + "| alloc B/msg harness | alloc B/msg target threads | GCs |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    private static final String THROUGHPUT_HEADER =
        "| target | size B | window s | msgs/s | MB/s | refused sends | lost | alloc B/msg harness |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|\n";

    private LatencyTable()
    {
    }

    /**
     * One row per one-way run; two per round-trip run (the round trip, then half of it).
     *
     * @param results the runs, in order.
     * @return the table, with a line after it for every thread that allocated in some run, and for every run that did
     *     not keep up or lost messages.
     */
    public static String latency(final List<RunResult> results)
    {
        final StringBuilder out = new StringBuilder(LATENCY_HEADER);
        final List<String> notes = new ArrayList<>();
        for (final RunResult result : results)
        {
            if (result.legs() == 1)
            {
                row(out, result, "one way", 1);
            }
            else
            {
                row(out, result, "round trip", 1);
                row(out, result, "round trip / " + result.legs(), result.legs());
            }
            notes(notes, result);
        }
        if (!notes.isEmpty())
        {
            out.append('\n');
            for (final String note : notes)
            {
                out.append(note).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * @param results the runs, in order.
     * @return the table.
     */
    public static String throughput(final List<ThroughputResult> results)
    {
        final StringBuilder out = new StringBuilder(THROUGHPUT_HEADER);
        for (final ThroughputResult result : results)
        {
            out.append("| ").append(result.target())
                .append(" | ").append(count(result.messageLength()))
                .append(" | ").append(String.format(Locale.ROOT, "%.1f", result.measureNs() / 1e9))
                .append(" | ").append(count(Math.round(result.rate())))
                .append(" | ").append(String.format(Locale.ROOT, "%,.1f", result.megabytesPerSecond()))
                .append(" | ").append(count(result.backPressured()))
                .append(" | ").append(count(result.lost()))
                .append(" | ").append(bytes(result.bytesPerMessage()))
                .append(" |\n");
        }
        return out.toString();
    }

    /**
     * @param nanos a latency in ns.
     * @param legs  divide by this.
     * @return it in µs: 2 decimals below 10 µs, 1 below 1,000 µs, whole µs with thousands separators above.
     */
    static String micros(final long nanos, final int legs)
    {
        final double micros = nanos / 1e3 / legs;
        if (micros < 10)
        {
            return String.format(Locale.ROOT, "%.2f", micros);
        }
        if (micros < 1000)
        {
            return String.format(Locale.ROOT, "%.1f", micros);
        }
        return String.format(Locale.ROOT, "%,d", Math.round(micros));
    }

    private static void row(final StringBuilder out, final RunResult result, final String measure, final int legs)
    {
        final Histogram histogram = result.histogram();
        long threadBytes = 0;
        boolean threadGone = false;
        for (final long bytes : result.threadBytes().values())
        {
            threadGone |= bytes < 0;
            threadBytes += Math.max(0, bytes);
        }
        out.append("| ").append(result.target())
            .append(" | ").append(measure)
            .append(" | ").append(count(result.messageLength()))
            .append(" | ").append(count(result.rate()))
            .append(" | ").append(count(Math.round(result.achievedRate())))
            .append(" | ").append(count(result.sent()))
            .append(" | ").append(count(result.received()))
            .append(" | ").append(late(result));
        for (final double percentile : PERCENTILES)
        {
            out.append(" | ").append(histogram.getTotalCount() == 0 ?
                "-" : micros(histogram.getValueAtPercentile(percentile), legs));
        }
        out.append(" | ").append(histogram.getTotalCount() == 0 ? "-" : micros(histogram.getMaxValue(), legs))
            .append(" | ").append(bytes(result.perMessage(result.harnessBytes())))
            .append(" | ").append(result.threadBytes().isEmpty() ?
                "-" : bytes(result.perMessage(threadBytes)) + (threadGone ? " (a thread ended)" : ""))
            .append(" | ").append(result.collections())
            .append(" |\n");
    }

    private static void notes(final List<String> notes, final RunResult result)
    {
        final String run = result.target() + ", " + count(result.messageLength()) + " B, " + count(result.rate())
            + " msg/s";
        final List<String> allocating = new ArrayList<>();
        if (result.harnessBytes() != 0)
        {
            allocating.add("harness thread " + count(result.harnessBytes()) + " B");
        }
        for (final Map.Entry<String, Long> thread : result.threadBytes().entrySet())
        {
            if (thread.getValue() != 0)
            {
                allocating.add("`" + thread.getKey() + "` " + count(thread.getValue()) + " B");
            }
        }
        if (!allocating.isEmpty())
        {
            notes.add("- " + run + ": allocated in the window: " + String.join(", ", allocating) + ".");
        }
        if (result.unsent() > 0 || result.received() != result.sent() || result.outOfOrder() > 0 ||
            result.wrongLength() > 0)
        {
            notes.add("- " + run + ": " + count(result.unsent()) + " never sent (the sender fell more than a window "
                + "behind), " + count(result.sent() - result.received()) + " sent but not received, "
                + count(result.outOfOrder()) + " out of order, " + count(result.wrongLength())
                + " of the wrong length.");
        }
        if (null != result.jfr())
        {
            notes.add("- " + run + ": JFR: " + result.jfr() + ".");
        }
    }

    private static String late(final RunResult result)
    {
        if (result.late() == 0)
        {
            return "0";
        }
        return count(result.late()) + String.format(Locale.ROOT, " (%.1f %%)", 100.0 * result.late() / result.sent());
    }

    private static String count(final long value)
    {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String bytes(final double perMessage)
    {
        if (Double.isNaN(perMessage))
        {
            return "-";
        }
        return perMessage == 0 ? "0" : String.format(Locale.ROOT, "%.3f", perMessage);
    }
}
