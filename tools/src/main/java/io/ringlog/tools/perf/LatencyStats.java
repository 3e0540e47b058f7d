package io.ringlog.tools.perf;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Latencies in an HdrHistogram: recorded wait-free from any thread (the producer's I/O thread, a consumer thread)
 * through a {@link Recorder}, taken out per progress interval and added up for the final table. Microsecond
 * resolution, three significant digits, up to an hour (longer values are clamped to it).
 * <p>
 * Threads: {@link #record} from any; {@link #interval} and {@link #total} from one reporting thread at a time.
 */
final class LatencyStats
{
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
    private Histogram interval;

    /** Record one latency. Any thread, wait-free. */
    void record(final long nanos)
    {
        recorder.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, nanos / 1000)));
    }

    /** What was recorded since the last call (also added to the total). */
    synchronized Histogram interval()
    {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval;
    }

    /** Everything recorded so far. */
    synchronized Histogram total()
    {
        interval();
        return total;
    }

    /** {@code p50 0.123 ms, p99 1.234 ms, max 2.345 ms} for a progress line. */
    static String brief(final Histogram h)
    {
        if (h.getTotalCount() == 0)
        {
            return "no samples";
        }
        return String.format("p50 %s ms, p99 %s ms, max %s ms", ms(h.getValueAtPercentile(50)),
            ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    /** The percentile table printed at the end of a run. */
    static void printTable(final PrintWriter out, final String title, final Histogram h)
    {
        out.println(title);
        if (h.getTotalCount() == 0)
        {
            out.println("  no samples");
            return;
        }
        out.println("  percentile   latency (ms)");
        for (final double p : PERCENTILES)
        {
            out.println(String.format("  %9s%%  %13s", trim(p), ms(h.getValueAtPercentile(p))));
        }
        out.println(String.format("  %10s  %13s", "max", ms(h.getMaxValue())));
        out.println(String.format("  samples %d, mean %s ms, stddev %s ms", h.getTotalCount(),
            ms(h.getMean()), ms(h.getStdDeviation())));
        out.flush();
    }

    /** HdrHistogram's full percentile distribution (plottable with its plotter), values in milliseconds. */
    static void writeDistribution(final Path file, final Histogram h) throws IOException
    {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), true, "UTF-8"))
        {
            h.outputPercentileDistribution(ps, 1000.0);
        }
    }

    private static String ms(final double micros)
    {
        return String.format("%.3f", micros / 1000.0);
    }

    private static String trim(final double p)
    {
        return p == Math.rint(p) ? Long.toString((long)p) : Double.toString(p);
    }
}
