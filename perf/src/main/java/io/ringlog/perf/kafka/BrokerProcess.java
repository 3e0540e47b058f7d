package io.ringlog.perf.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A broker under test, as a separate process started by the harness: its data directory (fresh, deleted by
 * {@link #stop()}), its log (kept in the run directory), its pid for {@code /proc} sampling. Used by the harness's
 * main thread; {@link #stop()} may also run from the shutdown hook, so it is synchronized and idempotent.
 */
abstract class BrokerProcess
{
    /** How long a broker has to become ready. */
    static final long START_LIMIT_SECS = 180;
    /** How long SIGTERM has before SIGKILL. */
    static final long STOP_GRACE_SECS = 30;

    protected final String name;
    protected final Path dataDir;
    protected final Path log;
    private Process process;
    private int port;
    private boolean stopped;

    /**
     * @param name    short name for the table ("kafka", "ringlog").
     * @param dataDir fresh directory for its data, deleted on stop.
     * @param log     file for its stdout and stderr.
     */
    BrokerProcess(final String name, final Path dataDir, final Path log)
    {
        this.name = name;
        this.dataDir = dataDir;
        this.log = log;
    }

    /**
     * Start the broker and wait until clients can use it.
     *
     * @throws IOException if it cannot be started, dies, or is not ready in {@link #START_LIMIT_SECS}.
     */
    public abstract void start() throws IOException;

    /** @return the broker's name, for the table. */
    String name()
    {
        return name;
    }

    /** @return its log file. */
    Path log()
    {
        return log;
    }

    /** @return {@code 127.0.0.1:port} of its client listener. */
    public String bootstrap()
    {
        return "127.0.0.1:" + port;
    }

    /** @return pid of the broker's JVM. */
    long pid()
    {
        return process.pid();
    }

    /**
     * @return the broker's CPU ticks now, its children's included.
     * @throws IOException if it is gone.
     */
    public ProcStat.ProcessTicks cpu() throws IOException
    {
        return ProcStat.process(process.pid());
    }

    /**
     * @return true while its process runs.
     */
    public boolean alive()
    {
        return null != process && process.isAlive();
    }

    /**
     * Launch the broker's process, output to {@link #log}.
     *
     * @param builder command and environment.
     * @throws IOException if it cannot be started.
     */
    protected final synchronized void launch(final ProcessBuilder builder) throws IOException
    {
        Files.writeString(log, String.join(" ", builder.command()) + System.lineSeparator(), StandardCharsets.UTF_8);
        process = builder
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    }

    /**
     * @param port the client listener's port, once known.
     */
    protected final void port(final int port)
    {
        this.port = port;
    }

    /**
     * Wait for a line of the broker's log, polling every 50 ms.
     *
     * @param ready     the line that says it is up.
     * @param limitSecs how long to wait.
     * @return the first matching line.
     * @throws IOException if the process ends first or the time passes, with the log's last lines.
     */
    protected final String awaitLine(final Predicate<String> ready, final long limitSecs) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSecs);
        while (System.nanoTime() < deadline)
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (final String line : lines)
            {
                if (ready.test(line))
                {
                    return line;
                }
            }
            if (!process.isAlive())
            {
                throw new IOException(name + " exited with " + process.exitValue() + " before it was ready: "
                    + tail(lines));
            }
            sleep(50);
        }
        throw new IOException(name + " not ready after " + limitSecs + " s: " + tail(Files.readAllLines(log)));
    }

    /**
     * {@code kill -9} the broker and wait for it to be gone, keeping its data directory, so that {@link #start()}
     * brings it back on the same data (a crash and a restart). Fault benchmarks only.
     *
     * @throws IOException if it does not die within 10 s.
     */
    public final synchronized void kill() throws IOException
    {
        if (null == process || !process.isAlive())
        {
            return;
        }
        process.destroyForcibly(); // SIGKILL on Linux
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                throw new IOException(name + " did not die within 10 s of SIGKILL");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }

    /**
     * SIGTERM (a controlled shutdown) and wait for the process to end, keeping its data directory, so that
     * {@link #start()} brings it back on the same data. Fault benchmarks only.
     *
     * @throws IOException if it has not ended within {@link #STOP_GRACE_SECS} (it is then killed).
     */
    public final synchronized void shutdown() throws IOException
    {
        if (null == process || !process.isAlive())
        {
            return;
        }
        process.destroy(); // SIGTERM on Linux
        try
        {
            if (!process.waitFor(STOP_GRACE_SECS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException(name + " did not stop within " + STOP_GRACE_SECS + " s of SIGTERM");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }

    /**
     * Stop the broker (SIGTERM, SIGKILL after {@link #STOP_GRACE_SECS}) and delete its data directory. Safe to call
     * twice and from the shutdown hook.
     */
    public final synchronized void stop()
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        if (null != process)
        {
            ToolRun.stop(process, STOP_GRACE_SECS);
        }
        deleteTree(dataDir);
    }

    /**
     * The lines of the broker's log that report an error: log4j's and slf4j-simple's {@code ERROR} level, and an
     * uncaught exception that ended a thread.
     *
     * @return those lines, in order; empty if the log cannot be read.
     */
    List<String> errorLines()
    {
        try
        {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(line -> line.contains(" ERROR ") || line.startsWith("ERROR")
                    || line.startsWith("Exception in thread"))
                .toList();
        }
        catch (final IOException ex)
        {
            return List.of("cannot read " + log + ": " + ex.getMessage());
        }
    }

    /**
     * Delete a directory tree; a missing one is fine.
     *
     * @param dir to delete.
     */
    static void deleteTree(final Path dir)
    {
        if (null == dir || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + dir, ex);
        }
    }

    static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private static String tail(final List<String> lines)
    {
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }
}
