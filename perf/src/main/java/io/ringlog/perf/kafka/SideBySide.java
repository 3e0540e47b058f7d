package io.ringlog.perf.kafka;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Ringlog against Apache Kafka 4.3.1, side by side in one run, with Kafka's own tools:
 * {@code perf/bin/kafka-vs-ringlog}.
 *
 * <p>One broker at a time (Kafka, then Ringlog, each stopped before the next starts, so neither's idle threads take
 * CPU from the other on a 2-core machine), each in its own process; against each, with the same arguments:
 * <ol>
 *   <li>the topics, 1 partition each, with the AdminClient ({@link CreateTopics});</li>
 *   <li>a ProducerPerformance warm-up into its own topic, not measured, then the broker's idle CPU;</li>
 *   <li>ProducerPerformance, 100 B records, unthrottled, acks=1 and then acks=all;</li>
 *   <li>ConsumerPerformance over the acks=1 topic, and {@link ConsumerProbe} (the same read without a group);</li>
 *   <li>EndToEndLatency acks=1, and {@link LatencyProbe} (its method with a nanosecond clock).</li>
 * </ol>
 * Every tool and probe is a separate JVM on Kafka 4.3.1's classpath ({@link KafkaDist}); this class needs none of
 * Kafka's jars. Around each run it samples the broker's CPU ({@code /proc/<pid>/stat}), the machine's
 * ({@code /proc/stat}) and, once the tool has exited, the tool's (this JVM's reaped-children time). It prints the
 * tables and appends them, with the command and the machine's load, to {@code perf/RESULTS-kafka.md}; every process's
 * output stays in {@code perf/target/kafka-vs-ringlog/<time>/}. The brokers' data goes to a fresh directory under
 * {@code java.io.tmpdir}, deleted at the end; a shutdown hook stops whatever is still running on any exit short of
 * SIGKILL.
 *
 * <p>Single-threaded, bar the shutdown hook.
 */
public final class SideBySide
{
    private static final String[] TOPICS = {"perf-warmup", "perf-warmup-all", "perf-acks1", "perf-acksall",
        "perf-e2e-tool", "perf-e2e-probe"};
    private static final int RECORD_SIZE = 100;
    /** Retries of disturbed steps stop after this, so a run on a busy machine still ends in reasonable time. */
    private static final long RETRY_CUTOFF_MINUTES = 9;

    private final Options options;
    private final KafkaDist dist;
    private final Path runDir;
    private final Path workDir;
    private final long ticksPerSecond;
    private final long started = System.nanoTime();
    private final List<BrokerProcess> brokers = new ArrayList<>();
    private final List<StepResult> results = new ArrayList<>();
    private final Map<String, Double> idleCorePercent = new LinkedHashMap<>();
    private final Map<String, Map<String, Long>> idleThreads = new LinkedHashMap<>();
    private final Map<String, List<String>> brokerErrors = new LinkedHashMap<>();

    private SideBySide(final Options options, final KafkaDist dist, final Path runDir, final Path workDir)
    {
        this.options = options;
        this.dist = dist;
        this.runDir = runDir;
        this.workDir = workDir;
        this.ticksPerSecond = ProcStat.ticksPerSecond();
    }

    /**
     * @param args see {@link Options#USAGE}. The repository root comes from {@code -Dringlog.repo} (default: the
     *             working directory).
     * @throws Exception on a set-up failure (missing jars, no temporary directory).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path repo = Path.of(System.getProperty("ringlog.repo", ".")).toAbsolutePath().normalize();
        final Options options;
        try
        {
            options = Options.parse(args, repo);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("kafka-vs-ringlog: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final KafkaDist dist = new KafkaDist(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            repo.resolve("perf/target/kafka-4.3.1/libs"), repo.resolve("perf/kafka-dist/log4j2.properties"),
            harnessCode());
        dist.check();
        final String stamp = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        final Path runDir = Files.createDirectories(repo.resolve("perf/target/kafka-vs-ringlog").resolve(stamp));
        final Path workDir = Files.createTempDirectory("kafka-vs-ringlog-");
        System.exit(new SideBySide(options, dist, runDir, workDir).run());
    }

    private int run() throws IOException
    {
        final Thread hook = new Thread(this::cleanUp, "kafka-vs-ringlog-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        final String loadAtStart = ProcStat.loadAverage();
        final String startTime = LocalDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        progress("load average " + loadAtStart + " on " + Runtime.getRuntime().availableProcessors()
            + " cores; logs in " + runDir + ", data in " + workDir);
        try
        {
            for (final String name : options.brokers())
            {
                runBroker(name);
            }
        }
        finally
        {
            cleanUp();
        }
        final String loadAtEnd = ProcStat.loadAverage();

        final ComparisonTable table = new ComparisonTable(results, idleCorePercent, ticksPerSecond)
            .withIdleThreads(idleThreads, options.idleSecs());
        final String section = section(table, startTime, loadAtStart, loadAtEnd);
        System.out.println();
        System.out.println(section);
        if (options.append())
        {
            appendResults(section);
            progress("appended to " + options.results());
        }
        for (final String unmet : table.unmetTargets())
        {
            progress("target not met: " + unmet);
        }
        final boolean failed = results.stream().anyMatch(r -> r.step().measured() && !r.step().optional() && !r.ok());
        progress(failed ? "finished, with failed steps (see the runs table)" : "finished");
        return failed ? 1 : 0;
    }

    private void runBroker(final String name) throws IOException
    {
        final Path dataDir = Files.createDirectories(workDir.resolve(name));
        final BrokerProcess broker = "kafka".equals(name) ? new KafkaBroker(dist, dataDir, runDir) :
            new RinglogBroker(options.repo(), options.ringlogOverrides(), dataDir, runDir);
        synchronized (brokers)
        {
            brokers.add(broker);
        }
        waitForIdleMachine(options.waitIdleSecs());
        progress(name + ": starting");
        final long t0 = System.nanoTime();
        try
        {
            broker.start();
        }
        catch (final IOException ex)
        {
            progress(name + ": did not start: " + ex.getMessage());
            for (final Step step : Step.values())
            {
                results.add(new StepResult(name, step, 1, null, null, null, 0, "broker did not start", Map.of(), 1));
            }
            broker.stop();
            return;
        }
        progress(String.format(Locale.ROOT, "%s: up on %s, pid %d, in %.1f s", name, broker.bootstrap(), broker.pid(),
            (System.nanoTime() - t0) / 1e9));
        try
        {
            createTopics(broker);
            final String bootstrap = broker.bootstrap();
            producer(broker, Step.WARMUP, "perf-warmup", options.warmupRecords(), "1");
            producer(broker, Step.WARMUP_ALL, "perf-warmup-all", options.warmupRecords(), "all");
            idleCpu(broker);
            producer(broker, Step.ACKS_1, "perf-acks1", options.records(), "1");
            producer(broker, Step.ACKS_ALL, "perf-acksall", options.records(), "all");
            // A new group per attempt: a retry in the first attempt's group would start at its committed offsets.
            measure(broker, Step.CONSUMER_PERF, options.records(), dist.classpath(),
                "org.apache.kafka.tools.ConsumerPerformance", attempt -> List.of("--bootstrap-server", bootstrap,
                    "--topic", "perf-acks1", "--num-records", Long.toString(options.records()),
                    "--group", "perf-consumer-" + name + "-" + attempt, "--timeout", "10000"));
            measure(broker, Step.CONSUMER_PROBE, options.records(), dist.probeClasspath(),
                ConsumerProbe.class.getName(), List.of("--bootstrap-server", bootstrap,
                    "--topic", "perf-acks1", "--num-records", Long.toString(options.records()),
                    "--timeout-ms", "10000"));
            measure(broker, Step.E2E_TOOL, options.e2eRecords(), dist.classpath(),
                "org.apache.kafka.tools.EndToEndLatency", List.of("--bootstrap-server", bootstrap,
                    "--topic", "perf-e2e-tool", "--num-records", Long.toString(options.e2eRecords()),
                    "--producer-acks", "1", "--record-size", Integer.toString(RECORD_SIZE)));
            measure(broker, Step.E2E_PROBE, options.e2eRecords(), dist.probeClasspath(),
                LatencyProbe.class.getName(), List.of("--bootstrap-server", bootstrap,
                    "--topic", "perf-e2e-probe", "--num-records", Long.toString(options.e2eRecords()),
                    "--warmup-records", Long.toString(options.e2eWarmup()),
                    "--producer-acks", "1", "--record-size", Integer.toString(RECORD_SIZE)));
        }
        finally
        {
            if (!broker.alive())
            {
                progress(name + ": the broker had died; see " + broker.log());
            }
            progress(name + ": stopping");
            broker.stop();
            final List<String> errors = broker.errorLines();
            brokerErrors.put(name, errors);
            if (!errors.isEmpty())
            {
                progress(name + ": " + errors.size() + " error line(s) in " + broker.log() + ", the first: "
                    + errors.get(0));
            }
        }
    }

    /**
     * On a shared machine: wait, up to {@code limitSecs}, until the other processes leave at least 1.5 of the
     * machine's cores idle over 5 s, so a broker's runs do not start in the middle of someone's build.
     *
     * @param limitSecs how long at most; 0: do not wait.
     */
    private void waitForIdleMachine(final long limitSecs) throws IOException
    {
        if (0 == limitSecs)
        {
            return;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSecs);
        final int cores = Runtime.getRuntime().availableProcessors();
        while (true)
        {
            final ProcStat.MachineTicks before = ProcStat.machine();
            BrokerProcess.sleep(5000);
            final ProcStat.MachineTicks spent = ProcStat.machine().minus(before);
            final double busyCores = cores * (double)spent.busy() / Math.max(1, spent.total());
            if (busyCores <= cores - 1.5 || System.nanoTime() > deadline)
            {
                progress(String.format(Locale.ROOT, "machine busy %.1f of %d cores over 5 s%s, load %s", busyCores,
                    cores, busyCores <= cores - 1.5 ? "" : " (still busy; --wait-idle time is up)",
                    ProcStat.loadAverage()));
                return;
            }
            progress(String.format(Locale.ROOT, "machine busy %.1f of %d cores over 5 s; waiting for it to calm down",
                busyCores, cores));
        }
    }

    private void createTopics(final BrokerProcess broker) throws IOException
    {
        final List<String> args = new ArrayList<>();
        args.add(broker.bootstrap());
        args.addAll(List.of(TOPICS));
        final ToolRun run = ToolRun.run(dist.java(), dist.jvmFlags("WARN", KafkaDist.TOOL_JVM_FLAGS),
            dist.probeClasspath(), CreateTopics.class.getName(), args,
            runDir.resolve(broker.name() + "-create-topics.log"), options.toolTimeoutSecs());
        progress(broker.name() + ": topics " + (run.ok() ? "created" :
            "not created (" + ToolOutput.failureReason(run.output()) + "); the tools will rely on auto-creation"));
    }

    private void producer(
        final BrokerProcess broker, final Step step, final String topic, final long records, final String acks)
        throws IOException
    {
        measure(broker, step, records, dist.classpath(), "org.apache.kafka.tools.ProducerPerformance",
            List.of("--bootstrap-server", broker.bootstrap(), "--topic", topic,
                "--num-records", Long.toString(records), "--record-size", Integer.toString(RECORD_SIZE),
                "--throughput", "-1", "--command-property", "acks=" + acks));
    }

    private void idleCpu(final BrokerProcess broker) throws IOException
    {
        BrokerProcess.sleep(1000);
        final Map<String, Long> threadsBefore = ProcStat.threadTicks(broker.pid());
        final ProcStat.ProcessTicks before = broker.cpu();
        final long t0 = System.nanoTime();
        BrokerProcess.sleep(TimeUnit.SECONDS.toMillis(options.idleSecs()));
        final ProcStat.ProcessTicks spent = broker.cpu().minus(before);
        idleThreads.put(broker.name(), ProcStat.minus(ProcStat.threadTicks(broker.pid()), threadsBefore));
        final double seconds = (System.nanoTime() - t0) / 1e9;
        final double percent = 100.0 * (spent.own() + spent.children()) / ticksPerSecond / seconds;
        idleCorePercent.put(broker.name(), percent);
        progress(String.format(Locale.ROOT, "%s: idle CPU %.1f %% of one core over %.0f s", broker.name(), percent,
            seconds));
    }

    private void measure(
        final BrokerProcess broker, final Step step, final long records, final String classpath,
        final String mainClass, final List<String> args) throws IOException
    {
        measure(broker, step, records, classpath, mainClass, attempt -> args);
    }

    private void measure(
        final BrokerProcess broker, final Step step, final long records, final String classpath,
        final String mainClass, final IntFunction<List<String>> args) throws IOException
    {
        final int attempts = step.measured() ? 1 + options.retries() : 1;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            final StepResult result = measureOnce(broker, step, records, classpath, mainClass, args.apply(attempt),
                attempt);
            final boolean late = System.nanoTime() - started > TimeUnit.MINUTES.toNanos(RETRY_CUTOFF_MINUTES);
            if (!result.disturbed() || attempt == attempts || !broker.alive() || late)
            {
                if (result.disturbed() && late && attempt < attempts)
                {
                    progress("no retry: the run has taken more than " + RETRY_CUTOFF_MINUTES + " minutes");
                }
                results.add(result);
                return;
            }
            progress(broker.name() + ": " + step.label() + " was disturbed by other processes; again, once the "
                + "machine is quieter");
            waitForIdleMachine(Math.max(60, options.waitIdleSecs()));
        }
    }

    private StepResult measureOnce(
        final BrokerProcess broker, final Step step, final long records, final String classpath,
        final String mainClass, final List<String> args, final int attempt) throws IOException
    {
        progress(String.format(Locale.ROOT, "%s: %s, %,d records%s ...", broker.name(), step.label(), records,
            attempt > 1 ? " (attempt " + attempt + ")" : ""));
        if (!broker.alive())
        {
            progress(broker.name() + ": " + step.label() + " skipped: broker not running");
            return new StepResult(broker.name(), step, records, null, null, null, 0, "broker not running", Map.of(),
                attempt);
        }
        final Map<String, Long> threadsBefore = ProcStat.threadTicks(broker.pid());
        final ProcStat.ProcessTicks brokerBefore = broker.cpu();
        final ProcStat.MachineTicks machineBefore = ProcStat.machine();
        final long selfBefore = ProcStat.self().own();
        final ToolRun run = ToolRun.run(dist.java(), dist.jvmFlags("WARN", KafkaDist.TOOL_JVM_FLAGS), classpath,
            mainClass, args, runDir.resolve(broker.name() + "-" + step.name().toLowerCase(Locale.ROOT)
                + (attempt > 1 ? "-" + attempt : "") + ".log"),
            options.toolTimeoutSecs());
        ProcStat.ProcessTicks brokerSpent = null;
        Map<String, Long> threads = Map.of();
        String error = null;
        try
        {
            brokerSpent = broker.cpu().minus(brokerBefore);
            threads = ProcStat.minus(ProcStat.threadTicks(broker.pid()), threadsBefore);
        }
        catch (final IOException ex)
        {
            error = "broker died during the run";
        }
        final StepResult result = new StepResult(broker.name(), step, records, run, brokerSpent,
            ProcStat.machine().minus(machineBefore), ProcStat.self().own() - selfBefore, error, threads, attempt);
        progress(String.format(Locale.ROOT,
            "%s: %s: %s (%.1f s; broker CPU %.2f s, client CPU %.2f s, others %.2f s%s)",
            broker.name(), step.label(), new ComparisonTable(List.of(result), Map.of(), ticksPerSecond)
                .summary(result), run.wallNanos() / 1e9, (double)result.brokerTicks() / ticksPerSecond,
            (double)run.cpuTicks() / ticksPerSecond, (double)result.otherTicks() / ticksPerSecond,
            result.disturbed() ? "; DISTURBED by other processes" : ""));
        return result;
    }

    private String section(
        final ComparisonTable table, final String startTime, final String loadAtStart, final String loadAtEnd)
    {
        final StringBuilder out = new StringBuilder();
        out.append("## ").append(startTime).append(" UTC: `").append(options.commandLine()).append("`\n\n");
        out.append("Commit ").append(gitDescription()).append("; ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores, Linux ").append(kernel())
            .append(", Java ").append(System.getProperty("java.version")).append(" (")
            .append(System.getProperty("java.vm.name")).append(") for brokers and tools. **Load average at start ")
            .append(loadAtStart).append(", at end ").append(loadAtEnd).append("** (1, 5, 15 min).\n\n");
        out.append(String.format(Locale.ROOT, "Workload: %,d records of %d B (value only, no key) per "
                + "ProducerPerformance run (`--throughput -1`, producer defaults otherwise: batch.size 16384, "
                + "linger.ms 5, no compression), acks=1 then acks=all, 1 partition; the consumers read the acks=1 "
                + "topic; end-to-end %,d records at acks=1 (LatencyProbe after %,d warm-up records). One broker at a "
                + "time, in the order %s, each after ProducerPerformance warm-ups of %,d records at acks=1 and at "
                + "acks=all that are not counted; a measured run disturbed by other processes is run again (at "
                + "most %d retries per step). "
                + "Kafka: KRaft broker+controller, 1 GiB heap and the GC flags of kafka-server-start.sh; Ringlog: "
                + "`bin/ringlog server` from a copy of the built broker taken at its start, 1 GiB heap%s. Tools: "
                + "Kafka 4.3.1's, `-Xmx512m` plus kafka-run-class.sh's JVM flags.%n%n",
            options.records(), RECORD_SIZE, options.e2eRecords(), options.e2eWarmup(),
            String.join(", ", options.brokers()), options.warmupRecords(), options.retries(),
            options.ringlogOverrides().isEmpty() ? "" : ", overrides " + String.join(" ", options.ringlogOverrides())));
        final List<String> disturbed = results.stream().filter(StepResult::disturbed)
            .map(r -> r.broker() + " " + r.step().label()).toList();
        if (!disturbed.isEmpty())
        {
            out.append("**Disturbed**: other processes took more than a quarter of the machine during: ")
                .append(String.join("; ", disturbed)).append(". Compare those rows with care, or run again.\n\n");
        }
        for (final Map.Entry<String, List<String>> errors : brokerErrors.entrySet())
        {
            if (!errors.getValue().isEmpty())
            {
                out.append("**").append(errors.getKey()).append("'s log has ").append(errors.getValue().size())
                    .append(" error line(s)**; the first: `").append(errors.getValue().get(0).replace('`', '\''))
                    .append("`.\n\n");
            }
        }
        out.append(table.comparison()).append('\n');
        out.append("Ratios are Ringlog / Kafka. Broker CPU: utime + stime (+ cutime + cstime of reaped children, none "
            + "here) of the broker's JVM from /proc/<pid>/stat, sampled just before the tool's JVM starts and just "
            + "after it exits, so it includes the broker's idle cost during the tool's start-up; client CPU: the "
            + "tool's JVM, whole life. \"other CPU\" is the rest of the machine in the same interval (other "
            + "builds).\n\n");
        out.append("Every run:\n\n").append(table.runs()).append('\n');
        out.append("Where the broker's CPU went (thread groups, numbers folded; the kernel keeps 15 characters of a "
            + "thread's name):\n\n").append(table.threads()).append('\n');
        out.append("Logs of every process: `").append(options.repo().relativize(runDir)).append("/`.\n");
        return out.toString();
    }

    private void appendResults(final String section) throws IOException
    {
        final Path file = options.results();
        if (!Files.exists(file))
        {
            Files.writeString(file, "# Ringlog vs Apache Kafka 4.3.1\n\nResults of `perf/bin/kafka-vs-ringlog` "
                + "(see perf/README.md), newest last; each section is one run, pasted as the harness printed it.\n\n",
                StandardCharsets.UTF_8);
        }
        Files.writeString(file, section + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** Stops every broker and tool still running and deletes the data; idempotent, also the shutdown hook. */
    private void cleanUp()
    {
        final List<Process> tools;
        synchronized (ToolRun.LIVE)
        {
            tools = new ArrayList<>(ToolRun.LIVE);
        }
        tools.forEach(p -> ToolRun.stop(p, 5));
        synchronized (brokers)
        {
            for (final BrokerProcess broker : brokers)
            {
                broker.stop();
            }
        }
        try
        {
            BrokerProcess.deleteTree(workDir);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("kafka-vs-ringlog: " + ex.getMessage());
        }
    }

    private void progress(final String message)
    {
        final long secs = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        System.out.printf("kafka-vs-ringlog [%02d:%02d] %s%n", secs / 60, secs % 60, message);
        System.out.flush();
    }

    private String gitDescription()
    {
        final String head = command(List.of("git", "-C", options.repo().toString(), "rev-parse", "--short", "HEAD"));
        final String status = command(List.of("git", "-C", options.repo().toString(), "status", "--porcelain",
            "--untracked-files=no"));
        return head.isEmpty() ? "unknown" : head + (status.isEmpty() ? "" : " with uncommitted changes");
    }

    private static String kernel()
    {
        try
        {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        }
        catch (final IOException ex)
        {
            return System.getProperty("os.version");
        }
    }

    private static String command(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor(30, TimeUnit.SECONDS) && 0 == process.exitValue() ? out : "";
        }
        catch (final IOException ex)
        {
            return "";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static Path harnessCode() throws URISyntaxException
    {
        return Path.of(SideBySide.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
