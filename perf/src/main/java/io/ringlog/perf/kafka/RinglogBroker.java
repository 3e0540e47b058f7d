package io.ringlog.perf.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ringlog as {@code bin/ringlog server} starts it (the script {@code exec}s the JVM, so the process's pid is the
 * broker's JVM), with the same 1 GiB heap as Kafka through {@code JAVA_OPTS}, its client listener on a port the
 * broker picks ({@code listeners=PLAINTEXT://127.0.0.1:0}), ready when it prints
 * {@code ringlog: broker started on port N}. Everything else is the broker's default (idle strategy
 * {@code backoff}, one sequencer shard), unless {@code --ringlog-override} adds keys.
 *
 * <p>It runs a frozen copy: {@code bin/ringlog}, {@code config/}, {@code broker/target/classes} and every jar of
 * {@code broker/target/runtime-classpath.txt} are copied into the run's scratch directory first, in the source
 * tree's layout, and that copy's {@code bin/ringlog server} is started. On a machine where other engineers rebuild
 * the broker while a benchmark runs, the live tree once mixed two builds' classes in one JVM
 * ({@code NoSuchMethodError} on the group coordinator's thread, which died, and ConsumerPerformance read nothing),
 * and once a copy caught the classes directory half cleaned. So the copy waits for a build that holds
 * {@code Main.class} and has not changed for 5 s, and is taken again if the tree changed while it was copied.
 */
final class RinglogBroker extends BrokerProcess
{
    /** The same heap Kafka gets; the rest of the JVM's defaults (G1) are left alone. */
    static final String JAVA_OPTS = "-Xms1g -Xmx1g";
    private static final String READY = "ringlog: broker started on port ";
    private static final String MAIN_CLASS = "io/ringlog/broker/Main.class";
    /** A build counts as finished when none of its classes changed for this long. */
    private static final long SETTLE_MILLIS = 5_000;
    /** How long to wait for a finished build. */
    private static final long SNAPSHOT_LIMIT_SECS = 300;

    private final Path repo;
    private final List<String> overrides;

    /**
     * @param repo      the repository root, holding bin/ringlog.
     * @param overrides extra {@code key=value} broker settings.
     * @param dataDir   fresh directory for its data.
     * @param runDir    where its log goes.
     */
    RinglogBroker(final Path repo, final List<String> overrides, final Path dataDir, final Path runDir)
    {
        super("ringlog", dataDir, runDir.resolve("ringlog-broker.log"));
        this.repo = repo;
        this.overrides = List.copyOf(overrides);
    }

    @Override
    public void start() throws IOException
    {
        final Path snapshot = snapshot(repo, dataDir.resolveSibling(dataDir.getFileName() + "-dist"));
        final List<String> command = new ArrayList<>(List.of("bash", snapshot.resolve("bin/ringlog").toString(),
            "server",
            "--override", "listeners=PLAINTEXT://127.0.0.1:0",
            "--override", "log.dirs=" + dataDir.resolve("logs"),
            // the native path stays on, as shipped (its idle cost is part of the comparison), with its own media
            // driver dir and IPC only, so a run never meets another broker's driver or UDP port
            "--override", "aeron.dir=" + dataDir.resolve("aeron"),
            "--override", "native.ingress.channels=aeron:ipc",
            "--override", "num.partitions=1"));
        for (final String override : overrides)
        {
            command.add("--override");
            command.add(override);
        }
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_OPTS", JAVA_OPTS);
        launch(builder);
        port(parsePort(awaitLine(line -> line.startsWith(READY), START_LIMIT_SECS)));
    }

    /**
     * Copy what {@code bin/ringlog server} runs into {@code target}, in the same layout, with the classpath file
     * rewritten to the copied jars, so that the copy's script starts without building and without reading the live
     * tree again.
     *
     * @param repo   the repository root.
     * @param target a directory that does not exist yet.
     * @return {@code target}.
     * @throws IOException if the broker is not built ({@code bin/ringlog server} once builds it) or a copy fails.
     */
    static Path snapshot(final Path repo, final Path target) throws IOException
    {
        final Path classes = repo.resolve("broker/target/classes");
        final Path classpathFile = repo.resolve("broker/target/runtime-classpath.txt");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SNAPSHOT_LIMIT_SECS);
        while (true)
        {
            final String before = fingerprint(classes, classpathFile);
            if (Files.isRegularFile(classes.resolve(MAIN_CLASS)) && Files.isRegularFile(classpathFile)
                && quietFor(classes, SETTLE_MILLIS))
            {
                copy(repo, classes, classpathFile, target);
                if (before.equals(fingerprint(classes, classpathFile)))
                {
                    return target;
                }
            }
            BrokerProcess.deleteTree(target);
            if (System.nanoTime() > deadline)
            {
                throw new IOException("no complete, settled build in " + classes + " for " + SNAPSHOT_LIMIT_SECS
                    + " s (someone rebuilding it?); bin/ringlog server builds it when it is missing");
            }
            BrokerProcess.sleep(SETTLE_MILLIS);
        }
    }

    /**
     * @return a summary of the build's files (count, total size, newest change, the classpath file) that changes
     *     when a build touches them.
     */
    private static String fingerprint(final Path classes, final Path classpathFile) throws IOException
    {
        if (!Files.isDirectory(classes) || !Files.isRegularFile(classpathFile))
        {
            return "missing";
        }
        long count = 0;
        long size = 0;
        long newest = 0;
        try (Stream<Path> paths = Files.walk(classes))
        {
            for (final Path path : paths.filter(Files::isRegularFile).toList())
            {
                count++;
                size += Files.size(path);
                newest = Math.max(newest, Files.getLastModifiedTime(path).toMillis());
            }
        }
        return count + "/" + size + "/" + newest + "/" + Files.readString(classpathFile, StandardCharsets.UTF_8);
    }

    private static boolean quietFor(final Path classes, final long millis) throws IOException
    {
        try (Stream<Path> paths = Files.walk(classes))
        {
            final long newest = paths.mapToLong(path -> path.toFile().lastModified()).max().orElse(0);
            return System.currentTimeMillis() - newest > millis;
        }
    }

    private static void copy(final Path repo, final Path classes, final Path classpathFile, final Path target)
        throws IOException
    {
        Files.createDirectories(target.resolve("bin"));
        Files.copy(repo.resolve("bin/ringlog"), target.resolve("bin/ringlog"));
        copyTree(classes, target.resolve("broker/target/classes"));
        if (Files.isDirectory(repo.resolve("config")))
        {
            copyTree(repo.resolve("config"), target.resolve("config")); // bin/ringlog puts config/ first (logging)
        }
        // Not "lib": bin/ringlog takes a lib/ directory for an unpacked distribution and would ignore the classes.
        final Path lib = Files.createDirectories(target.resolve("jars"));
        final List<String> jars = new ArrayList<>();
        for (final String entry : Files.readString(classpathFile, StandardCharsets.UTF_8).trim().split(":"))
        {
            if (entry.isBlank())
            {
                continue;
            }
            final Path source = Path.of(entry);
            final Path copy = lib.resolve(jars.size() + "-" + source.getFileName());
            if (Files.isDirectory(source))
            {
                copyTree(source, copy);
            }
            else
            {
                Files.copy(source, copy);
            }
            jars.add(copy.toString());
        }
        Files.writeString(target.resolve("broker/target/runtime-classpath.txt"), String.join(":", jars),
            StandardCharsets.UTF_8);
    }

    private static void copyTree(final Path source, final Path target) throws IOException
    {
        try (Stream<Path> paths = Files.walk(source))
        {
            for (final Path path : paths.toList())
            {
                final Path to = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path))
                {
                    Files.createDirectories(to);
                }
                else
                {
                    Files.copy(path, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /**
     * @param line the broker's ready line.
     * @return the port it names.
     */
    static int parsePort(final String line)
    {
        return Integer.parseInt(line.substring(line.indexOf(READY) + READY.length()).trim());
    }
}
