package io.ringlog.perf.kafka;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The harness's command line. Immutable once parsed.
 *
 * <pre>
 * kafka-vs-ringlog [--records N] [--e2e-records N] [--e2e-warmup N] [--warmup-records N] [--quick]
 *                  [--brokers kafka,ringlog]
 *                  [--ringlog-override key=value ...] [--tool-timeout SECS] [--wait-idle MINUTES]
 *                  [--retries N] [--results FILE] [--no-append]
 * </pre>
 *
 * @param records        records per ProducerPerformance run (100 B each), and what the consumers read.
 * @param e2eRecords     records per end-to-end latency run.
 * @param e2eWarmup      records the LatencyProbe sends first and does not count.
 * @param warmupRecords  records of the unmeasured producer warm-up.
 * @param idleSecs       how long each broker's idle CPU is sampled.
 * @param quick          the smoke-run sizes.
 * @param brokers        which brokers, in order.
 * @param ringlogOverrides extra Ringlog settings.
 * @param toolTimeoutSecs time limit for each tool run.
 * @param repo           the repository root.
 * @param results        the Markdown file the table is appended to.
 * @param append         false to print only.
 * @param commandLine    the command as typed, for the results file.
 * @param waitIdleSecs   how long to wait, before each broker, for the machine to be mostly idle (0: do not wait).
 * @param retries        how many times a measured step disturbed by other processes is run again.
 */
record Options(
    long records, long e2eRecords, long e2eWarmup, long warmupRecords, long idleSecs, boolean quick,
    List<String> brokers, List<String> ringlogOverrides, long toolTimeoutSecs, Path repo, Path results,
    boolean append, String commandLine, long waitIdleSecs, int retries)
{
    static final String USAGE = "usage: kafka-vs-ringlog [--records N] [--e2e-records N] [--e2e-warmup N] "
        + "[--warmup-records N] "
        + "[--quick] [--brokers kafka,ringlog] [--ringlog-override key=value]... [--tool-timeout SECS] "
        + "[--wait-idle MINUTES] [--retries N] [--results FILE] [--no-append]";

    /**
     * @param args the command line.
     * @param repo the repository root.
     * @return the options, defaults filled in: 2,000,000 records, 20,000 end-to-end (after 1,000 warm-up), a
     *     1,000,000 record warm-up at each acks; with {@code --quick} 200,000, 2,000 (after 200) and 100,000.
     * @throws IllegalArgumentException on a bad argument.
     */
    static Options parse(final String[] args, final Path repo)
    {
        boolean quick = false;
        for (final String arg : args)
        {
            quick |= "--quick".equals(arg);
        }
        long records = quick ? 200_000 : 2_000_000;
        long e2eRecords = quick ? 2_000 : 20_000;
        long e2eWarmup = quick ? 200 : 1_000;
        long warmupRecords = quick ? 100_000 : 1_000_000;
        final long idleSecs = quick ? 2 : 5;
        List<String> brokers = List.of("kafka", "ringlog");
        final List<String> overrides = new ArrayList<>();
        long toolTimeout = 600;
        Path results = repo.resolve("perf/RESULTS-kafka.md");
        boolean append = true;
        long waitIdleSecs = 0;
        int retries = 1;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--quick" ->
                {
                }
                case "--records" -> records = positive(args, ++i);
                case "--e2e-records" -> e2eRecords = positive(args, ++i);
                case "--e2e-warmup" -> e2eWarmup = positive(args, ++i);
                case "--warmup-records" -> warmupRecords = positive(args, ++i);
                case "--tool-timeout" -> toolTimeout = positive(args, ++i);
                case "--ringlog-override" -> overrides.add(value(args, ++i));
                case "--results" -> results = Path.of(value(args, ++i)).toAbsolutePath();
                case "--no-append" -> append = false;
                case "--wait-idle" -> waitIdleSecs = 60 * positive(args, ++i);
                case "--retries" -> retries = Integer.parseInt(value(args, ++i));
                case "--brokers" ->
                {
                    brokers = List.of(value(args, ++i).split(","));
                    for (final String broker : brokers)
                    {
                        if (!"kafka".equals(broker) && !"ringlog".equals(broker))
                        {
                            throw new IllegalArgumentException("--brokers takes kafka and/or ringlog: " + broker);
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        final String command = ("perf/bin/kafka-vs-ringlog " + String.join(" ", args)).trim();
        return new Options(records, e2eRecords, e2eWarmup, warmupRecords, idleSecs, quick, brokers,
            List.copyOf(overrides), toolTimeout, repo, results, append, command, waitIdleSecs, retries);
    }

    private static String value(final String[] args, final int i)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(args[i - 1] + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static long positive(final String[] args, final int i)
    {
        final long value = Long.parseLong(value(args, i).replace("_", ""));
        if (value <= 0)
        {
            throw new IllegalArgumentException(args[i - 1] + " must be positive");
        }
        return value;
    }
}
