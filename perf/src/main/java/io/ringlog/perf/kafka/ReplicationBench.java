package io.ringlog.perf.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Data replication under load and under faults (issue 11), on three nodes of one broker kind started as separate
 * processes ({@link ClusterLaunch}), Apache Kafka 4.3.1 and Ringlog one after the other, every topic with three
 * partitions, replication factor 3 and {@code min.insync.replicas=2}:
 * <ol>
 *   <li><b>throughput</b>: Kafka's {@code ProducerPerformance} at acks=all, unthrottled, 100 B records, after an
 *       unmeasured warm-up run; and the three brokers' CPU (utime + stime from {@code /proc}, summed) per million
 *       records;</li>
 *   <li><b>end-to-end latency</b> at fixed rates and sizes, acks=all, corrected for coordinated omission
 *       ({@link RateLatencyProbe}: receive minus intended send time, HdrHistogram);</li>
 *   <li><b>failover</b>: an idempotent acks=all producer at a fixed rate into partition 0 ({@link FaultProbe}); its
 *       leader is killed with {@code kill -9}, or stopped with SIGTERM (a controlled shutdown); the time from the
 *       signal to the first acknowledged write sent after it. The node is started again and the harness waits for
 *       every partition's full ISR before the next round;</li>
 *   <li><b>loss</b>: the same with {@code kill -9} at a higher rate, at acks=1 and at acks=all: records acknowledged
 *       to the producer and missing when the partition is read back.</li>
 * </ol>
 * Every load runs in its own JVM on Kafka 4.3.1's classpath, one at a time; the harness's own Admin client polls
 * every 20 ms. A fresh topic per measurement. Run it with nothing else on the machine. Single-threaded but for the
 * reader of a fault probe's output.
 */
public final class ReplicationBench
{
    private static final String USAGE = "usage: replication-bench [--brokers kafka,ringlog] [--rounds N] "
        + "[--records N] [--warmup-records N] [--rates R1,R2,...] [--sizes B1,B2,...] [--latency-seconds S] "
        + "[--latency-warmup-seconds S] [--failover-rate R] [--loss-rate R] [--quick]";
    private static final int PARTITIONS = 3;
    private static final short REPLICAS = 3;
    private static final String MIN_INSYNC = "2";
    private static final int RECORD_SIZE = 100;
    private static final long WAIT_LIMIT_MS = 180_000;
    private static final long TOOL_LIMIT_SECS = 900;
    private static final Pattern KEY_VALUE = Pattern.compile("([a-z0-9.]+)=(-?[0-9.]+)");

    private final Settings settings;
    private final KafkaDist dist;
    private final Path runDir;
    private final List<ClusterMember> members;
    private final String kind;
    private final long ticksPerSecond = ProcStat.ticksPerSecond();
    private final List<Row> rows = new ArrayList<>();

    /**
     * The command line. Immutable.
     *
     * @param brokers              which, in order.
     * @param rounds               rounds of each fault.
     * @param records              records of the measured ProducerPerformance run.
     * @param warmupRecords        records of the warm-up run before it.
     * @param rates                end-to-end rates, records/s.
     * @param sizes                end-to-end record sizes, bytes.
     * @param latencySeconds       measured seconds per rate and size.
     * @param latencyWarmupSeconds unmeasured seconds before them.
     * @param failoverRate         the fault probe's rate for the failover rounds.
     * @param lossRate             its rate for the loss rounds.
     * @param afterMs              how long the fault probe goes on after the first write that succeeds.
     * @param commandLine          as typed, for the results.
     */
    record Settings(List<String> brokers, int rounds, long records, long warmupRecords, List<Long> rates,
        List<Integer> sizes, long latencySeconds, long latencyWarmupSeconds, long failoverRate, long lossRate,
        long afterMs, String commandLine)
    {
        static Settings parse(final String[] args)
        {
            final boolean quick = Arrays.asList(args).contains("--quick");
            List<String> brokers = List.of("kafka", "ringlog");
            int rounds = quick ? 1 : 3;
            long records = quick ? 50_000 : 500_000;
            Long warmup = null;
            List<Long> rates = quick ? List.of(1_000L, 10_000L) : List.of(1_000L, 10_000L, 50_000L);
            List<Integer> sizes = quick ? List.of(100) : List.of(100, 1024);
            long latencySeconds = quick ? 2 : 20;
            long latencyWarmup = quick ? 1 : 5;
            long failoverRate = 1_000;
            long lossRate = quick ? 5_000 : 20_000;
            final long afterMs = quick ? 500 : 2_000;
            for (int i = 0; i < args.length; i++)
            {
                switch (args[i])
                {
                    case "--quick" ->
                    {
                    }
                    case "--brokers" ->
                    {
                        brokers = List.of(value(args, ++i).split(","));
                        if (brokers.stream().anyMatch(b -> !"kafka".equals(b) && !"ringlog".equals(b)))
                        {
                            throw new IllegalArgumentException("--brokers takes kafka and/or ringlog\n" + USAGE);
                        }
                    }
                    case "--rounds" -> rounds = Math.toIntExact(positive(args, ++i));
                    case "--records" -> records = positive(args, ++i);
                    case "--warmup-records" -> warmup = positive(args, ++i);
                    case "--rates" -> rates = Arrays.stream(value(args, ++i).split(","))
                        .map(s -> Long.parseLong(s.replace("_", "").replace("k", "000"))).toList();
                    case "--sizes" -> sizes = Arrays.stream(value(args, ++i).split(","))
                        .map(s -> Integer.parseInt(s.replace("_", ""))).toList();
                    case "--latency-seconds" -> latencySeconds = positive(args, ++i);
                    case "--latency-warmup-seconds" -> latencyWarmup = positive(args, ++i);
                    case "--failover-rate" -> failoverRate = positive(args, ++i);
                    case "--loss-rate" -> lossRate = positive(args, ++i);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
                }
            }
            final String command = ("perf/bin/replication-bench " + String.join(" ", args)).trim();
            return new Settings(brokers, rounds, records, null == warmup ? records : warmup, rates, sizes,
                latencySeconds, latencyWarmup, failoverRate, lossRate, afterMs, command);
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
            final long v = Long.parseLong(value(args, i).replace("_", ""));
            if (v <= 0)
            {
                throw new IllegalArgumentException(args[i - 1] + " must be positive");
            }
            return v;
        }
    }

    /**
     * One row of a broker's results: a measure and its numbers (one, or several shown as {@code a / b / c}).
     *
     * @param measure what, with its unit.
     * @param values  the numbers; empty when it failed.
     * @param note    shown instead of the numbers when there are none, or beside them.
     * @param ratio   whether Ringlog / Kafka means something for it.
     */
    record Row(String measure, double[] values, String note, boolean ratio)
    {
        String shown()
        {
            if (values.length == 0)
            {
                return note;
            }
            final StringBuilder b = new StringBuilder();
            for (final double v : values)
            {
                b.append(b.length() == 0 ? "" : " / ").append(number(v));
            }
            return note.isEmpty() ? b.toString() : b + " (" + note + ")";
        }
    }

    private ReplicationBench(final Settings settings, final KafkaDist dist, final Path runDir,
        final List<ClusterMember> members, final String kind)
    {
        this.settings = settings;
        this.dist = dist;
        this.runDir = runDir;
        this.members = members;
        this.kind = kind;
    }

    /**
     * {@code ReplicationBench [options]}, see {@link #USAGE}; the repository root comes from {@code -Dringlog.repo}.
     */
    public static void main(final String[] args) throws Exception
    {
        // The harness's Admin clients (slf4j-simple) would print their whole configuration at INFO each time.
        if (null == System.getProperty("org.slf4j.simpleLogger.defaultLogLevel"))
        {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        final Settings settings;
        try
        {
            settings = Settings.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
            return;
        }
        final Path repo = Path.of(System.getProperty("ringlog.repo", ".")).toAbsolutePath().normalize();
        final KafkaDist dist = ClusterLaunch.kafkaDist(repo);
        final LocalDateTime began = LocalDateTime.now(ZoneOffset.UTC);
        final String stamp = began.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        final Path runDir = Files.createDirectories(repo.resolve("perf/target/replication-bench").resolve(stamp));
        final String loadBefore = ProcStat.loadAverage();
        final long t0 = System.nanoTime();
        final Map<String, List<Row>> results = new LinkedHashMap<>();
        final Thread toolsHook = new Thread(ReplicationBench::stopTools);
        Runtime.getRuntime().addShutdownHook(toolsHook);
        for (final String kind : settings.brokers())
        {
            final Path workDir = Files.createTempDirectory("ringlog-replication-bench-");
            final List<ClusterMember> members = "kafka".equals(kind) ?
                ClusterLaunch.kafka(dist, workDir, runDir) : ClusterLaunch.ringlog(repo, workDir, runDir);
            final Thread hook = new Thread(() -> members.forEach(ClusterMember::stop));
            Runtime.getRuntime().addShutdownHook(hook);
            final ReplicationBench bench = new ReplicationBench(settings, dist, runDir, members, kind);
            try
            {
                bench.run();
            }
            catch (final Exception ex)
            {
                bench.progress("stopped by " + ex);
                bench.rows.add(failed("the run", ex.toString()));
            }
            finally
            {
                members.forEach(ClusterMember::stop);
                Runtime.getRuntime().removeShutdownHook(hook);
                BrokerProcess.deleteTree(workDir);
                results.put(kind, bench.rows);
            }
        }
        final String report = report(settings, results, began, loadBefore,
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
        Files.writeString(runDir.resolve("results.md"), report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.out.println("logs and results.md: " + runDir);
        final boolean anyFailed = results.values().stream().flatMap(List::stream)
            .anyMatch(row -> row.values().length == 0);
        System.exit(anyFailed ? 1 : 0);
    }

    private void run() throws Exception
    {
        progress("starting three nodes");
        final long startNs = System.nanoTime();
        ClusterLaunch.startAll(members);
        try (Admin admin = ClusterLaunch.admin(members))
        {
            awaitFullIsr(admin, List.of());
        }
        progress("serving after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) + " ms");
        throughput();
        latency();
        failover(false);
        failover(true);
        loss("1");
        loss("all");
        for (final ClusterMember m : members)
        {
            if (m.alive() && m instanceof BrokerProcess process && !process.errorLines().isEmpty())
            {
                progress("node " + m.nodeId() + ": " + process.errorLines().size() + " error line(s), the first: "
                    + process.errorLines().get(0));
            }
        }
    }

    private void throughput() throws Exception
    {
        createTopics("tput-warmup", "tput");
        progress(String.format(Locale.ROOT, "ProducerPerformance warm-up, %,d records at acks=all",
            settings.warmupRecords()));
        producerPerformance("tput-warmup", settings.warmupRecords(), "warmup");
        progress(String.format(Locale.ROOT, "ProducerPerformance, %,d records at acks=all", settings.records()));
        final List<ProcStat.ProcessTicks> before = cpu();
        final ToolRun run = producerPerformance("tput", settings.records(), "acksall");
        final List<ProcStat.ProcessTicks> after = cpu();
        long ticks = 0;
        for (int i = 0; i < members.size(); i++)
        {
            final ProcStat.ProcessTicks spent = after.get(i).minus(before.get(i));
            ticks += spent.own() + spent.children();
        }
        final String label = String.format(Locale.ROOT, "ProducerPerformance acks=all, %,d x %d B, records/s",
            settings.records(), RECORD_SIZE);
        final String cpuLabel = "brokers' CPU s per 1M records (three processes, acks=all)";
        final ToolOutput.ProducerSummary summary = ToolOutput.producer(run.output()).orElse(null);
        if (!run.ok() || null == summary)
        {
            rows.add(failed(label, ToolOutput.failureReason(run.output())));
            rows.add(failed(cpuLabel, "no run"));
            return;
        }
        rows.add(new Row(label, new double[] {summary.recordsPerSec()}, "", true));
        final double cpuSeconds = (double)ticks / ticksPerSecond;
        rows.add(new Row(cpuLabel, new double[] {cpuSeconds / (summary.recordsSent() / 1e6)}, "", true));
        rows.add(new Row("ProducerPerformance acks=all send -> ack p50 / p99 / p99.9, ms", new double[] {
            summary.p50Ms(), summary.p99Ms(), summary.p999Ms()}, "", true));
        progress(String.format(Locale.ROOT, "%,.0f records/s, brokers' CPU %.2f s", summary.recordsPerSec(),
            cpuSeconds));
    }

    private ToolRun producerPerformance(final String topic, final long records, final String what) throws IOException
    {
        return ToolRun.run(dist.java(), dist.jvmFlags("WARN", KafkaDist.TOOL_JVM_FLAGS), dist.classpath(),
            "org.apache.kafka.tools.ProducerPerformance", List.of("--bootstrap-server",
                ClusterLaunch.bootstrap(members), "--topic", topic, "--num-records", Long.toString(records),
                "--record-size", Integer.toString(RECORD_SIZE), "--throughput", "-1", "--command-property",
                "acks=all"), runDir.resolve(kind + "-producer-perf-" + what + ".log"), TOOL_LIMIT_SECS);
    }

    private void latency() throws Exception
    {
        for (final int size : settings.sizes())
        {
            for (final long rate : settings.rates())
            {
                final String topic = "e2e-" + size + "-" + rate;
                createTopics(topic);
                progress(String.format(Locale.ROOT, "end to end, %,d msg/s of %d B, acks=all, %d s (+%d s warm-up)",
                    rate, size, settings.latencySeconds(), settings.latencyWarmupSeconds()));
                final ToolRun run = ToolRun.run(dist.java(), dist.jvmFlags("WARN", KafkaDist.TOOL_JVM_FLAGS),
                    dist.probeClasspath(), RateLatencyProbe.class.getName(), List.of("--bootstrap-server",
                        ClusterLaunch.bootstrap(members), "--topic", topic, "--rate", Long.toString(rate),
                        "--record-size", Integer.toString(size), "--seconds",
                        Long.toString(settings.latencySeconds()), "--warmup-seconds",
                        Long.toString(settings.latencyWarmupSeconds()), "--producer-acks", "all"),
                    runDir.resolve(kind + "-" + topic + ".log"), TOOL_LIMIT_SECS);
                final String label = String.format(Locale.ROOT, "end to end p50 / p99 / p99.9, µs, %,d msg/s x %d B",
                    rate, size);
                final Map<String, Double> v = summary(run.output(), "rate-latency-probe:");
                if (v.isEmpty())
                {
                    rows.add(failed(label, ToolOutput.failureReason(run.output())));
                    continue;
                }
                final String note = run.ok() ? "" : String.format(Locale.ROOT, "sent %.0f, received %.0f, "
                    + "errors %.0f", v.get("sent"), v.get("received"), v.get("errors"));
                final double achieved = v.get("achieved.per.s");
                rows.add(new Row(label, new double[] {v.get("p50.us"), v.get("p99.us"), v.get("p99.9.us")},
                    achieved < 0.95 * rate ? (note.isEmpty() ? "" : note + "; ") + String.format(Locale.ROOT,
                        "sender reached only %,.0f/s", achieved) : note, true));
                progress(String.format(Locale.ROOT, "p50 %.0f µs, p99 %.0f µs, p99.9 %.0f µs, max %.0f µs%s",
                    v.get("p50.us"), v.get("p99.us"), v.get("p99.9.us"), v.get("max.us"),
                    note.isEmpty() ? "" : " (" + note + ")"));
            }
        }
    }

    /**
     * Failover rounds: kill -9 (or SIGTERM with {@code controlled}) the leader of partition 0 under an idempotent
     * acks=all producer at {@code --failover-rate}.
     */
    private void failover(final boolean controlled) throws Exception
    {
        final String how = controlled ? "SIGTERM" : "kill -9";
        final String label = String.format(Locale.ROOT, "leader %s -> first acks=all write, ms, p50 / max of %d "
            + "(%,d msg/s)", how, settings.rounds(), settings.failoverRate());
        final String lostLabel = "records lost in those " + how + " rounds (acks=all): lost / acknowledged";
        final List<Double> recovered = new ArrayList<>();
        long lost = 0;
        long acked = 0;
        for (int r = 0; r < settings.rounds(); r++)
        {
            final String topic = (controlled ? "failover-term-" : "failover-kill-") + r;
            final Map<String, Double> v = faultRound(topic, "all", settings.failoverRate(), controlled);
            if (v.isEmpty() || v.get("recovered.ms") < 0)
            {
                rows.add(failed(label, "round " + r + "; see " + runDir));
                rows.add(failed(lostLabel, "round " + r));
                return;
            }
            recovered.add(v.get("recovered.ms"));
            lost += v.get("lost").longValue();
            acked += v.get("acked").longValue();
        }
        final List<Double> sorted = recovered.stream().sorted().toList();
        rows.add(new Row(label, new double[] {sorted.get((sorted.size() - 1) / 2), sorted.get(sorted.size() - 1)},
            "", true));
        rows.add(new Row(lostLabel, new double[] {lost, acked}, lost > 0 ? "**must be 0**" : "", false));
    }

    private void loss(final String acks) throws Exception
    {
        final String label = String.format(Locale.ROOT, "records lost at acks=%s, leader kill -9 (%,d msg/s): "
            + "total / worst round / acknowledged, %d round(s)", acks, settings.lossRate(), settings.rounds());
        long lost = 0;
        long acked = 0;
        long worst = 0;
        for (int r = 0; r < settings.rounds(); r++)
        {
            final String topic = "loss-acks" + acks + "-" + r;
            final Map<String, Double> v = faultRound(topic, acks, settings.lossRate(), false);
            if (v.isEmpty())
            {
                rows.add(failed(label, "round " + r + "; see " + runDir));
                return;
            }
            lost += v.get("lost").longValue();
            acked += v.get("acked").longValue();
            worst = Math.max(worst, v.get("lost").longValue());
        }
        rows.add(new Row(label, new double[] {lost, worst, acked}, "all".equals(acks) && lost > 0 ?
            "**must be 0**" : "", false));
    }

    /**
     * One fault round on a fresh topic: a {@link FaultProbe} into partition 0, its leader taken away once the probe
     * is ready, the probe's outcome, the node started again and every partition's ISR full again.
     *
     * @return the probe's summary fields; empty if it failed.
     */
    private Map<String, Double> faultRound(final String topic, final String acks, final long rate,
        final boolean controlled) throws Exception
    {
        createTopics(topic);
        final ClusterMember victim;
        try (Admin admin = ClusterLaunch.admin(members))
        {
            final TopicPartitionInfo p0 = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                .partitions().get(0);
            victim = members.stream().filter(m -> m.nodeId() == p0.leader().id()).findFirst().orElseThrow();
        }
        progress(String.format(Locale.ROOT, "%s: acks=%s at %,d msg/s, then %s of node %d (leads partition 0)",
            topic, acks, rate, controlled ? "SIGTERM" : "kill -9", victim.nodeId()));
        final List<String> command = new ArrayList<>();
        command.add(dist.java());
        command.addAll(dist.jvmFlags("WARN", KafkaDist.TOOL_JVM_FLAGS));
        command.addAll(List.of("-cp", dist.probeClasspath(), FaultProbe.class.getName(), "--bootstrap-server",
            ClusterLaunch.bootstrap(members), "--topic", topic, "--partition", "0", "--rate", Long.toString(rate),
            "--producer-acks", acks, "--record-size", Integer.toString(RECORD_SIZE), "--after-ms",
            Long.toString(settings.afterMs()), "--max-seconds", "240"));
        final Path log = runDir.resolve(kind + "-" + topic + ".log");
        Files.writeString(log, String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
        final Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        synchronized (ToolRun.LIVE)
        {
            ToolRun.LIVE.add(probe);
        }
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() -> copyLines(probe, log, lines), "fault-probe-output");
        reader.setDaemon(true);
        reader.start();
        try
        {
            if (null == awaitLine(lines, "fault-probe: ready", 90))
            {
                progress(topic + ": the probe did not get ready; see " + log);
                return Map.of();
            }
            final long faultMicros = FaultProbe.epochMicros();
            if (controlled)
            {
                victim.shutdown();
            }
            else
            {
                victim.kill();
            }
            try (OutputStream in = probe.getOutputStream())
            {
                in.write(("fault " + faultMicros + "\n").getBytes(StandardCharsets.UTF_8));
            }
            final String result = awaitLine(lines, "fault-probe: acks=", 600);
            probe.waitFor(30, TimeUnit.SECONDS);
            final Map<String, Double> v = null == result ? Map.of() : summary(List.of(result), "fault-probe:");
            progress(v.isEmpty() ? topic + ": the probe failed; see " + log : String.format(Locale.ROOT,
                "%s: first write after %.1f ms; acked %,.0f, lost %,.0f, duplicates %,.0f", topic,
                v.get("recovered.ms"), v.get("acked"), v.get("lost"), v.get("duplicates")));
            return v;
        }
        finally
        {
            ToolRun.stop(probe, 5);
            synchronized (ToolRun.LIVE)
            {
                ToolRun.LIVE.remove(probe);
            }
            if (!victim.alive())
            {
                final long t0 = System.nanoTime();
                victim.start();
                victim.awaitStarted();
                try (Admin admin = ClusterLaunch.admin(members))
                {
                    awaitFullIsr(admin, List.of(topic));
                }
                progress("node " + victim.nodeId() + " back, every ISR full, after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            }
        }
    }

    private static void copyLines(final Process process, final Path log, final BlockingQueue<String> lines)
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
            Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                file.write(line);
                file.write(System.lineSeparator());
                file.flush();
                lines.add(line);
            }
        }
        catch (final IOException ex)
        {
            lines.add("fault-probe-output: " + ex);
        }
        lines.add("\u0000eof");
    }

    /** @return the first line starting with {@code prefix}, or null at the end of the output or after the time. */
    private static String awaitLine(final BlockingQueue<String> lines, final String prefix, final long limitSecs)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSecs);
        while (System.nanoTime() < deadline)
        {
            final String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (null == line)
            {
                continue;
            }
            if (line.startsWith(prefix))
            {
                return line;
            }
            if ("\u0000eof".equals(line))
            {
                return null;
            }
        }
        return null;
    }

    /** @return the {@code key=number} fields of the last line starting with {@code prefix}; empty if none. */
    static Map<String, Double> summary(final List<String> output, final String prefix)
    {
        String found = null;
        for (final String line : output)
        {
            if (line.startsWith(prefix))
            {
                found = line;
            }
        }
        final Map<String, Double> fields = new LinkedHashMap<>();
        if (null != found)
        {
            final Matcher m = KEY_VALUE.matcher(found);
            while (m.find())
            {
                fields.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        return fields;
    }

    private void createTopics(final String... topics) throws Exception
    {
        try (Admin admin = ClusterLaunch.admin(members))
        {
            final List<NewTopic> created = new ArrayList<>();
            for (final String topic : topics)
            {
                created.add(new NewTopic(topic, PARTITIONS, REPLICAS)
                    .configs(Map.of("min.insync.replicas", MIN_INSYNC)));
            }
            admin.createTopics(created).all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, List.of(topics));
        }
    }

    /** Wait until all three brokers are unfenced and every partition of {@code topics} has a leader and 3 in-sync. */
    private void awaitFullIsr(final Admin admin, final Collection<String> topics) throws InterruptedException
    {
        ClusterLaunch.await(() ->
        {
            try
            {
                final Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                    .includeFencedBrokers(true)).nodes().get();
                if (nodes.size() != members.size() || nodes.stream().anyMatch(Node::isFenced))
                {
                    return false;
                }
                if (topics.isEmpty())
                {
                    return true;
                }
                final Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get();
                return d.values().stream().flatMap(t -> t.partitions().stream()).allMatch(p -> p.leader() != null
                    && !p.leader().isEmpty() && p.isr().size() == REPLICAS);
            }
            catch (final ExecutionException ex)
            {
                return false;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }, "every broker unfenced and every partition of " + topics + " with a leader and a full ISR",
            WAIT_LIMIT_MS);
    }

    private List<ProcStat.ProcessTicks> cpu() throws IOException
    {
        final List<ProcStat.ProcessTicks> ticks = new ArrayList<>();
        for (final ClusterMember m : members)
        {
            ticks.add(m.cpu());
        }
        return ticks;
    }

    private void progress(final String message)
    {
        System.err.println("replication-bench: " + kind + ": " + message);
    }

    /** A row for a measure that failed: the reason, cut short and made safe for a Markdown table cell. */
    static Row failed(final String measure, final String why)
    {
        final String flat = String.valueOf(why).replaceAll("\\s+", " ").replace('|', '/');
        return new Row(measure, new double[0], "failed: " + (flat.length() > 160 ? flat.substring(0, 160) + " ..." :
            flat), true);
    }

    private static void stopTools()
    {
        final List<Process> tools;
        synchronized (ToolRun.LIVE)
        {
            tools = new ArrayList<>(ToolRun.LIVE);
        }
        tools.forEach(p -> ToolRun.stop(p, 5));
    }

    /** The Markdown for RESULTS.md: the command, the machine, one table with both brokers and their ratios. */
    static String report(final Settings settings, final Map<String, List<Row>> results, final LocalDateTime began,
        final String loadBefore, final long seconds)
    {
        final StringBuilder b = new StringBuilder();
        b.append("# Replication under load and faults, Ringlog vs Apache Kafka 4.3.1 (issue 11)\n\n");
        b.append(String.format(Locale.ROOT, "`%s`, %s UTC, %d s, %d cores, load average %s at start, %s at end. "
                + "Three combined nodes of each as separate processes, one cluster after the other; every topic 3 "
                + "partitions, replication factor 3, `min.insync.replicas=2`; loads on kafka-clients 4.3.1.%n%n",
            settings.commandLine(), began.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)),
            seconds, Runtime.getRuntime().availableProcessors(), loadBefore, ProcStat.loadAverage()));
        b.append("```sh\n").append(settings.commandLine()).append("\n```\n\n");
        final List<String> kinds = new ArrayList<>(results.keySet());
        final boolean both = kinds.contains("kafka") && kinds.contains("ringlog");
        b.append("| measure |");
        kinds.forEach(k -> b.append(' ').append("kafka".equals(k) ? "Kafka 4.3.1" : "Ringlog").append(" |"));
        b.append(both ? " Ringlog / Kafka |\n" : "\n");
        b.append("|---|").append("---:|".repeat(kinds.size())).append(both ? "---:|\n" : "\n");
        final Map<String, Map<String, Row>> byMeasure = new LinkedHashMap<>();
        results.forEach((kind, rows) -> rows.forEach(row ->
            byMeasure.computeIfAbsent(row.measure(), m -> new LinkedHashMap<>()).put(kind, row)));
        byMeasure.forEach((measure, byKind) ->
        {
            b.append("| ").append(measure).append(" |");
            for (final String k : kinds)
            {
                final Row row = byKind.get(k);
                b.append(' ').append(null == row ? "" : row.shown()).append(" |");
            }
            if (both)
            {
                final Row ringlog = byKind.get("ringlog");
                final Row kafka = byKind.get("kafka");
                b.append(' ').append(null != ringlog && null != kafka && ringlog.ratio() ? ratio(ringlog, kafka) : "")
                    .append(" |");
            }
            b.append('\n');
        });
        return b.toString();
    }

    private static String ratio(final Row ringlog, final Row kafka)
    {
        if (ringlog.values().length == 0 || ringlog.values().length != kafka.values().length)
        {
            return "";
        }
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < ringlog.values().length; i++)
        {
            final double k = kafka.values()[i];
            b.append(i == 0 ? "" : " / ").append(k == 0 ? "-" : String.format(Locale.ROOT, "%.2f",
                ringlog.values()[i] / k));
        }
        return b.toString();
    }

    private static String number(final double v)
    {
        if (v == Math.rint(v) || Math.abs(v) >= 100)
        {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }
}
