package io.ringlog.perf.latency;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link LatencyHarness}'s command line. Immutable once parsed.
 *
 * @param targets           target names or class names, in order.
 * @param rates             scheduled rates, messages/s.
 * @param sizes             message sizes, bytes.
 * @param warmupNs          warm-up before each measured window.
 * @param measureNs         each measured window.
 * @param throughputNs      each maximum-throughput window (0: none).
 * @param idle              idle mode of the harness thread and the targets' threads.
 * @param results           the Markdown file the tables are appended to, or null to print only.
 * @param allocThreads      extra thread names (prefixes) whose allocation is checked.
 * @param jfrDir            where to write one JFR allocation recording per run, or null for none.
 * @param targetOptions     {@code key=value} settings passed to every target.
 * @param commandLine       the command as typed, for the results.
 */
record HarnessOptions(
    List<String> targets, List<Long> rates, List<Integer> sizes, long warmupNs, long measureNs, long throughputNs,
    IdleMode idle, Path results, List<String> allocThreads, Path jfrDir, Map<String, String> targetOptions,
    String commandLine)
{
    static final String USAGE = "usage: latency [--target NAME|CLASS,...] [--rates N,...] [--sizes BYTES,...] "
        + "[--warmup-seconds S] [--seconds S] [--throughput-seconds S] [--idle busy-spin|backoff] "
        + "[--results FILE] [--alloc-threads NAME,...] [--jfr DIR] [--target-option KEY=VALUE]...\n"
        + "targets: " + Targets.names() + " or a LatencyTarget class name; default " + Targets.ANCHORS;

    /**
     * @param args the command line.
     * @return the options; defaults: the anchors, 10,000, 100,000 and 1,000,000 msg/s, 64 and 1,024 B, 5 s warm-up,
     *     10 s windows, 5 s of maximum throughput per target and size, back-off idle, print only.
     * @throws IllegalArgumentException on a bad argument.
     */
    static HarnessOptions parse(final String[] args)
    {
        List<String> targets = Targets.ANCHORS;
        List<Long> rates = List.of(10_000L, 100_000L, 1_000_000L);
        List<Integer> sizes = List.of(64, 1024);
        long warmupNs = TimeUnit.SECONDS.toNanos(5);
        long measureNs = TimeUnit.SECONDS.toNanos(10);
        long throughputNs = TimeUnit.SECONDS.toNanos(5);
        IdleMode idle = IdleMode.BACKOFF;
        Path results = null;
        List<String> allocThreads = List.of();
        Path jfrDir = null;
        final Map<String, String> targetOptions = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--target", "--targets" -> targets = List.of(value(args, ++i).split(","));
                case "--rates" ->
                {
                    final List<Long> parsed = new ArrayList<>();
                    for (final String rate : value(args, ++i).split(","))
                    {
                        parsed.add(positive(args[i - 1], rate));
                    }
                    rates = List.copyOf(parsed);
                }
                case "--sizes" ->
                {
                    final List<Integer> parsed = new ArrayList<>();
                    for (final String size : value(args, ++i).split(","))
                    {
                        final long bytes = positive(args[i - 1], size);
                        if (bytes < Payload.MIN_LENGTH || bytes > Integer.MAX_VALUE / LoopbackTarget.SLOTS)
                        {
                            throw new IllegalArgumentException("--sizes: " + bytes + " is not between "
                                + Payload.MIN_LENGTH + " and " + Integer.MAX_VALUE / LoopbackTarget.SLOTS);
                        }
                        parsed.add((int)bytes);
                    }
                    sizes = List.copyOf(parsed);
                }
                case "--warmup-seconds" -> warmupNs = seconds(args[i], value(args, ++i), true);
                case "--seconds" -> measureNs = seconds(args[i], value(args, ++i), false);
                case "--throughput-seconds" -> throughputNs = seconds(args[i], value(args, ++i), true);
                case "--idle" -> idle = IdleMode.parse(value(args, ++i));
                case "--results" -> results = Path.of(value(args, ++i)).toAbsolutePath();
                case "--alloc-threads" -> allocThreads = List.of(value(args, ++i).split(","));
                case "--jfr" -> jfrDir = Path.of(value(args, ++i)).toAbsolutePath();
                case "--target-option" ->
                {
                    final String option = value(args, ++i);
                    final int equals = option.indexOf('=');
                    if (equals <= 0)
                    {
                        throw new IllegalArgumentException("--target-option takes key=value: " + option);
                    }
                    targetOptions.put(option.substring(0, equals), option.substring(equals + 1));
                }
                case "-h", "--help" -> throw new IllegalArgumentException(USAGE);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        final String command = ("perf/bin/latency " + String.join(" ", args)).trim();
        return new HarnessOptions(targets, rates, sizes, warmupNs, measureNs, throughputNs, idle, results,
            allocThreads, jfrDir, Map.copyOf(targetOptions), command);
    }

    private static String value(final String[] args, final int i)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(args[i - 1] + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static long positive(final String option, final String text)
    {
        final long value = Long.parseLong(text.trim().replace("_", ""));
        if (value <= 0)
        {
            throw new IllegalArgumentException(option + " takes positive numbers: " + text);
        }
        return value;
    }

    private static long seconds(final String option, final String text, final boolean zeroAllowed)
    {
        final double seconds = Double.parseDouble(text);
        if (seconds < 0 || !zeroAllowed && seconds == 0 || Double.isNaN(seconds) || Double.isInfinite(seconds))
        {
            throw new IllegalArgumentException(option + (zeroAllowed ? " takes seconds >= 0: " : " takes seconds > 0: ")
                + text);
        }
        return Math.round(seconds * 1e9);
    }
}
