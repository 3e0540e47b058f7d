package io.ringlog.perf.latency;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end latency at fixed rates, corrected for coordinated omission, for any {@link LatencyTarget}:
 * {@code perf/bin/latency}. Not JMH: JMH cannot pace sends at a fixed rate.
 * <p>
 * For every target, message size and rate (in that order) it starts a fresh target, runs {@link FixedRateRun} (warm-up,
 * then the measured window) on this thread, checks allocation ({@link AllocationMeter}, and {@link JfrAllocationCheck}
 * with {@code --jfr}) and closes the target; then, unless {@code --throughput-seconds 0}, for every target and size a
 * {@link ThroughputRun}. It prints a line per run as it goes, then the Markdown tables with the command, the commit,
 * the machine and its load average before and after, and appends the same to {@code --results} if given.
 * <p>
 * Options: see {@link HarnessOptions#USAGE}. Exit code 0 when every run ran (a run that lost messages or fell behind
 * still counts as run: the tables say so), 1 when one failed, 2 on a bad command line.
 * <p>
 * Single-threaded: the measuring is all on the main thread; targets may start their own threads.
 */
public final class LatencyHarness
{
    private LatencyHarness()
    {
    }

    /**
     * @param args see {@link HarnessOptions#USAGE}. {@code -Dringlog.repo} is the repository root for the commit id
     *             (default: the working directory).
     */
    public static void main(final String[] args)
    {
        final HarnessOptions options;
        try
        {
            options = HarnessOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
            return;
        }
        final Path repo = Path.of(System.getProperty("ringlog.repo", ".")).toAbsolutePath().normalize();
        System.exit(run(options, repo) ? 0 : 1);
    }

    /**
     * Run everything the options ask for and report it.
     *
     * @param options parsed command line.
     * @param repo    repository root, for the commit id.
     * @return true if every run ran.
     */
    static boolean run(final HarnessOptions options, final Path repo)
    {
        final String started = ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        final String loadBefore = loadAverage();
        say("idle " + options.idle().label() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, warm-up "
            + seconds(options.warmupNs()) + " s, window " + seconds(options.measureNs()) + " s, load average "
            + loadBefore);

        final List<RunResult> latency = new ArrayList<>();
        final List<ThroughputResult> throughput = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        for (final String name : options.targets())
        {
            for (final int size : options.sizes())
            {
                for (final long rate : options.rates())
                {
                    final String run = name + ", " + size + " B, " + rate + " msg/s";
                    try
                    {
                        final RunResult result = latencyRun(options, name, size, rate);
                        latency.add(result);
                        say(summary(result));
                    }
                    catch (final Exception | AssertionError ex)
                    {
                        failures.add("- " + run + " failed: " + ex);
                        say(run + " FAILED: " + ex);
                        ex.printStackTrace(System.err);
                    }
                }
            }
        }
        if (options.throughputNs() > 0)
        {
            for (final String name : options.targets())
            {
                for (final int size : options.sizes())
                {
                    final String run = name + ", " + size + " B, maximum throughput";
                    try
                    {
                        final ThroughputResult result = throughputRun(options, name, size);
                        throughput.add(result);
                        say(String.format(Locale.ROOT, "%s: %,.0f msgs/s, %,.1f MB/s, lost %,d", run, result.rate(),
                            result.megabytesPerSecond(), result.lost()));
                    }
                    catch (final Exception | AssertionError ex)
                    {
                        failures.add("- " + run + " failed: " + ex);
                        say(run + " FAILED: " + ex);
                        ex.printStackTrace(System.err);
                    }
                }
            }
        }

        final String section = section(options, repo, started, loadBefore, loadAverage(), latency, throughput,
            failures);
        System.out.println();
        System.out.println(section);
        if (null != options.results())
        {
            try
            {
                Files.writeString(options.results(), "\n" + section, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                say("appended to " + options.results());
            }
            catch (final IOException ex)
            {
                say("could not append to " + options.results() + ": " + ex);
                return false;
            }
        }
        return failures.isEmpty();
    }

    /**
     * One fixed-rate run of a fresh target.
     *
     * @param options the command line.
     * @param name    the target.
     * @param size    message size.
     * @param rate    messages/s.
     * @return what was measured.
     * @throws Exception if the target fails to start, run or close.
     */
    static RunResult latencyRun(final HarnessOptions options, final String name, final int size, final long rate)
        throws Exception
    {
        final TargetSettings settings = new TargetSettings(size, options.idle(), options.targetOptions());
        try (LatencyTarget target = Targets.create(name))
        {
            target.start(settings);
            final AllocationMeter meter = meter(target, options);
            if (null == options.jfrDir())
            {
                return FixedRateRun.run(target, settings, rate, options.warmupNs(), options.measureNs(), meter);
            }
            Files.createDirectories(options.jfrDir());
            final Path file = options.jfrDir().resolve(target.name() + "-" + size + "B-" + rate + ".jfr");
            try (JfrAllocationCheck jfr = JfrAllocationCheck.start(file))
            {
                final RunResult result = FixedRateRun.run(
                    target, settings, rate, options.warmupNs(), options.measureNs(), meter);
                return result.withJfr(jfr.stopAndSummarise(meter.openedAt(), meter.closedAt()) + " (`" + file + "`)");
            }
        }
    }

    /**
     * One maximum-throughput run of a fresh target.
     *
     * @param options the command line.
     * @param name    the target.
     * @param size    message size.
     * @return what was measured.
     * @throws Exception if the target fails to start, run or close.
     */
    static ThroughputResult throughputRun(final HarnessOptions options, final String name, final int size)
        throws Exception
    {
        final TargetSettings settings = new TargetSettings(size, options.idle(), options.targetOptions());
        try (LatencyTarget target = Targets.create(name))
        {
            target.start(settings);
            return ThroughputRun.run(target, settings, options.warmupNs(), options.throughputNs(),
                meter(target, options));
        }
    }

    private static AllocationMeter meter(final LatencyTarget target, final HarnessOptions options)
    {
        final List<String> names = new ArrayList<>(target.threadNames());
        names.addAll(options.allocThreads());
        final AllocationMeter meter = AllocationMeter.forThreads(names);
        for (final String name : names)
        {
            if (meter.watched().stream().noneMatch((thread) -> thread.contains(name)))
            {
                say("warning: no thread other than this one has \"" + name + "\" in its name, to check for allocation");
            }
        }
        return meter;
    }

    private static String summary(final RunResult result)
    {
        final var histogram = result.histogram();
        final String legs = result.legs() == 1 ? "" : " (round trip; / " + result.legs() + " in the table too)";
        return String.format(Locale.ROOT,
            "%s, %d B, %,d msg/s: achieved %,.0f, sent %,d, received %,d, late %,d, refused %,d, "
            + "p50 %s p99 %s p99.9 %s p99.99 %s max %s µs%s, harness %s B/msg, GCs %d",
            result.target(), result.messageLength(), result.rate(), result.achievedRate(), result.sent(),
            result.received(), result.late(), result.backPressured(),
            LatencyTable.micros(histogram.getValueAtPercentile(50), 1),
            LatencyTable.micros(histogram.getValueAtPercentile(99), 1),
            LatencyTable.micros(histogram.getValueAtPercentile(99.9), 1),
            LatencyTable.micros(histogram.getValueAtPercentile(99.99), 1),
            LatencyTable.micros(histogram.getMaxValue(), 1), legs,
            String.format(Locale.ROOT, "%.3f", result.perMessage(result.harnessBytes())), result.collections());
    }

    private static String section(
        final HarnessOptions options,
        final Path repo,
        final String started,
        final String loadBefore,
        final String loadAfter,
        final List<RunResult> latency,
        final List<ThroughputResult> throughput,
        final List<String> failures)
    {
        final StringBuilder out = new StringBuilder();
        out.append("### Latency harness, ").append(started).append(" UTC\n\n");
        out.append("- command: `").append(options.commandLine()).append("`\n");
        out.append("- commit ").append(commit(repo)).append("; ").append(System.getProperty("java.vm.name"))
            .append(' ').append(System.getProperty("java.runtime.version")).append("; ")
            .append(Runtime.getRuntime().availableProcessors()).append(" CPUs\n");
        out.append("- idle ").append(options.idle().label()).append("; every row a fresh target, warm-up ")
            .append(seconds(options.warmupNs())).append(" s then a ").append(seconds(options.measureNs()))
            .append(" s window; latency = receive time - intended send time (coordinated omission corrected)\n");
        out.append("- load average (1, 5, 15 min) before: ").append(loadBefore).append("; after: ").append(loadAfter)
            .append('\n');
        out.append("- JVM flags: `").append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
            .append("`\n\n");
        if (!latency.isEmpty())
        {
            out.append(LatencyTable.latency(latency)).append('\n');
        }
        if (!throughput.isEmpty())
        {
            out.append("Maximum throughput, send then poll on one thread, unpaced, ")
                .append(seconds(options.throughputNs())).append(" s after ").append(seconds(options.warmupNs()))
                .append(" s of warm-up:\n\n").append(LatencyTable.throughput(throughput)).append('\n');
        }
        for (final String failure : failures)
        {
            out.append(failure).append('\n');
        }
        return out.toString();
    }

    private static String commit(final Path repo)
    {
        try
        {
            final String head = command(repo, "git", "rev-parse", "--short", "HEAD");
            final String changes = command(repo, "git", "status", "--porcelain", "--untracked-files=no");
            return "`" + head + "`" + (changes.isEmpty() ? "" : " plus uncommitted changes in the working tree");
        }
        catch (final IOException ex)
        {
            return "unknown (" + ex.getMessage().replace('`', '\'') + ")";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static String command(final Path dir, final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    private static String loadAverage()
    {
        try
        {
            final String[] fields = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim()
                .split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (final IOException | RuntimeException ex)
        {
            return "?";
        }
    }

    private static String seconds(final long nanos)
    {
        final double seconds = nanos / 1e9;
        return seconds == Math.rint(seconds) ?
            Long.toString((long)seconds) : String.format(Locale.ROOT, "%.2f", seconds);
    }

    private static void say(final String line)
    {
        System.err.println("latency: " + line);
    }
}
