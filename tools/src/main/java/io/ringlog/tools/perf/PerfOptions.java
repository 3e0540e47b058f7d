package io.ringlog.tools.perf;

import io.ringlog.tools.client.DurationConverter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.HdrHistogram.Histogram;

/** Options every load generator has: the progress interval and where to write the full histogram. */
public final class PerfOptions
{
    @Option(names = "--report-interval", paramLabel = "DURATION", defaultValue = "5s",
        converter = DurationConverter.class,
        description = "print a progress line this often on stderr (default ${DEFAULT-VALUE})")
    Duration reportInterval;

    @Option(names = "--hgrm", paramLabel = "FILE",
        description = "also write HdrHistogram's full percentile distribution (ms) to FILE")
    Path hgrm;

    /**
     * Print {@code line} on {@code err} every report interval, on a daemon thread, until the returned executor is
     * shut down. The first line comes after one interval, so a short run prints none.
     */
    ScheduledExecutorService progress(final PrintWriter err, final Supplier<String> line)
    {
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "ringlog-perf-progress");
            t.setDaemon(true);
            return t;
        });
        final long ms = Math.max(100, reportInterval.toMillis());
        timer.scheduleAtFixedRate(() ->
        {
            err.println(line.get());
            err.flush();
        }, ms, ms, TimeUnit.MILLISECONDS);
        return timer;
    }

    /** The final table, and the distribution file when asked for. */
    void report(final PrintWriter out, final String title, final Histogram h) throws IOException
    {
        LatencyStats.printTable(out, title, h);
        if (hgrm != null)
        {
            LatencyStats.writeDistribution(hgrm, h);
            out.println("  full distribution in " + hgrm);
        }
        out.flush();
    }
}
