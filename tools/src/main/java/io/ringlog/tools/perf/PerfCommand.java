package io.ringlog.tools.perf;

import io.ringlog.tools.ParentCommand;
import picocli.CommandLine.Command;

/** {@code ringlog perf produce|consume|latency}: load generators with HdrHistogram percentile tables. */
@Command(name = "perf", description = "load generators: producer and consumer throughput, end-to-end latency",
    subcommands = {ProducePerf.class, ConsumePerf.class, LatencyPerf.class})
public final class PerfCommand extends ParentCommand
{
    static String rate(final long count, final long bytes, final long nanos)
    {
        final double seconds = Math.max(1e-9, nanos / 1e9);
        return String.format("%.0f records/s, %.2f MiB/s", count / seconds, bytes / seconds / (1024 * 1024));
    }
}
