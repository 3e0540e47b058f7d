package io.ringlog.broker;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The broker as a user runs it: {@code bin/ringlog server --override key=value ...} in a process of its own, with
 * its own working directory. Its stdout is read line by line on a daemon thread (the start line gives the port); its
 * stderr, where the log goes, is written to a file in the working directory, so it survives the process and stays
 * with the data directory for the post-mortem when a test fails.
 * <p>
 * Used by one test thread; {@link #close()} always kills the process, so a failed test leaves nothing running.
 */
final class BrokerProcess implements AutoCloseable
{
    /** The source tree: the first directory above the module's that holds {@code bin/ringlog}. */
    static final Path ROOT = repositoryRoot();

    private static final Pattern STARTED = Pattern.compile("ringlog: broker started on port (\\d+)");
    /** A built tree starts in about a second; the margin is for a loaded CI machine. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path stderrFile;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> started = new CompletableFuture<>();

    private BrokerProcess(final Path workDir, final List<String> arguments) throws IOException
    {
        Files.createDirectories(workDir);
        stderrFile = Files.createTempFile(workDir, "broker-", ".stderr");
        final List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/ringlog").toString());
        command.addAll(arguments);
        final ProcessBuilder builder = new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectError(stderrFile.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = builder.start();
        final Thread reader = new Thread(this::readStdout, "broker-process-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * The launcher builds the project when {@code broker/target/runtime-classpath.txt} is missing. Do it here, once,
     * under the caller's generous timeout, so that the starts the tests time are starts and not builds. A class path
     * file older than a pom (a dependency added since) is written again the way the launcher writes it, offline:
     * the launcher itself would start the broker on the old class path (see the report on bin/ringlog).
     */
    static void ensureBuilt() throws Exception
    {
        final Path classpath = ROOT.resolve("broker/target/runtime-classpath.txt");
        // The launcher's own test: classes present and a non-empty class path file.
        if (!Files.isDirectory(ROOT.resolve("broker/target/classes")) || classpath.toFile().length() == 0)
        {
            runInRoot(ROOT.resolve("bin/ringlog").toString(), "--help");
        }
        else if (isOlderThan(classpath, ROOT.resolve("pom.xml"), ROOT.resolve("broker/pom.xml")))
        {
            runInRoot("mvn", "-B", "-q", "-o", "dependency:build-classpath", "-pl", "broker",
                "-Dmdep.includeScope=runtime", "-Dmdep.outputFile=" + classpath);
        }
    }

    private static boolean isOlderThan(final Path file, final Path... others) throws IOException
    {
        for (final Path other : others)
        {
            if (Files.getLastModifiedTime(other).compareTo(Files.getLastModifiedTime(file)) > 0)
            {
                return true;
            }
        }
        return false;
    }

    private static void runInRoot(final String... command) throws Exception
    {
        final Process build = new ProcessBuilder(command).directory(ROOT.toFile()).inheritIO().start();
        assertTrue(build.waitFor(10, TimeUnit.MINUTES), String.join(" ", command) + " did not finish in 10 minutes");
        assertEquals(0, build.exitValue(), String.join(" ", command) + " failed");
    }

    /** Start {@code ringlog server} with these overrides ({@code key=value} each) and wait for its start line. */
    static BrokerProcess start(final Path workDir, final String... overrides) throws IOException
    {
        final BrokerProcess broker = launch(workDir, overrides);
        try
        {
            broker.port();
        }
        catch (final Throwable t)
        {
            broker.process.destroyForcibly(); // nobody else holds it yet
            throw t;
        }
        return broker;
    }

    /** Start {@code ringlog server} with these overrides, without waiting: for a start that is meant to fail. */
    static BrokerProcess launch(final Path workDir, final String... overrides) throws IOException
    {
        final List<String> arguments = new ArrayList<>(List.of("server"));
        // The native path is on by default: give each process its own media driver directory and IPC ingress only,
        // so that brokers of other tests (or of anyone on this machine) never meet on Aeron's default directory or
        // on UDP port 9093.
        final List<String> all = new ArrayList<>(List.of(
            "aeron.dir=" + workDir.toAbsolutePath().resolve("aeron"), "native.ingress.channels=aeron:ipc"));
        all.addAll(List.of(overrides));
        for (final String override : all)
        {
            arguments.add("--override");
            arguments.add(override);
        }
        return new BrokerProcess(workDir, arguments);
    }

    /** The overrides that make a broker listen on {@code 127.0.0.1:port} and keep its data in {@code dataDir}. */
    static String[] listenerAndData(final int port, final Path dataDir, final String... more)
    {
        final List<String> overrides = new ArrayList<>();
        overrides.add("listeners=PLAINTEXT://127.0.0.1:" + port);
        overrides.add("log.dirs=" + dataDir);
        overrides.addAll(List.of(more));
        return overrides.toArray(new String[0]);
    }

    /** A port nobody listens on now (the kernel's pick; free again once this returns). */
    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /** The port from the start line, waiting for it; fails with the broker's stderr if it exits or hangs instead. */
    int port()
    {
        try
        {
            return started.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            return fail("no start line within " + START_TIMEOUT + "; stdout " + stdout + "\nstderr:\n" + stderr());
        }
        catch (final ExecutionException ex)
        {
            return fail(ex.getCause().getMessage() + "\nstderr:\n" + stderr());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /**
     * Wait for the start line or the end of the process, whichever comes first.
     *
     * @return true if it started, false if it ended without starting.
     */
    boolean startsWithin(final Duration timeout)
    {
        try
        {
            started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        }
        catch (final ExecutionException ex)
        {
            return false;
        }
        catch (final TimeoutException ex)
        {
            return fail("neither started nor ended within " + timeout + "; stderr:\n" + stderr());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    String bootstrap()
    {
        return "127.0.0.1:" + port();
    }

    /** SIGTERM ({@link Process#destroy()} on Linux), then wait for the process to end; fail if it does not. */
    int terminate(final Duration timeout) throws InterruptedException
    {
        process.destroy();
        return awaitExit(timeout);
    }

    /** SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown hook runs, as in a crash. */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
    }

    /** Wait for the process to end by itself. @return its exit code. */
    int awaitExit(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            fail("the broker (pid " + process.pid() + ") was still running after " + timeout + "; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    /** Everything the process wrote to stderr so far. */
    String stderr()
    {
        try
        {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + stderrFile + ": " + ex + ")";
        }
    }

    /** The lines the process wrote to stdout so far. */
    List<String> stdout()
    {
        return List.copyOf(stdout);
    }

    @Override
    public void close() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private void readStdout()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                stdout.add(line);
                final Matcher m = STARTED.matcher(line);
                if (m.matches())
                {
                    started.complete(Integer.parseInt(m.group(1)));
                }
            }
        }
        catch (final IOException ex)
        {
            started.completeExceptionally(ex);
        }
        started.completeExceptionally(new IllegalStateException("the broker exited before its start line"));
    }

    private static Path repositoryRoot()
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            if (Files.isExecutable(dir.resolve("bin/ringlog")))
            {
                return dir;
            }
        }
        throw new IllegalStateException("no bin/ringlog above " + Path.of("").toAbsolutePath());
    }
}
