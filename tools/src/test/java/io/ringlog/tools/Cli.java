package io.ringlog.tools;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs {@code ringlog} as a user does: {@code io.ringlog.tools.Ringlog} in a child JVM with bin/ringlog's JVM flags,
 * the test's class path, optional stdin, and stdout and stderr captured to files (no pipe can fill and stall it).
 * The child JVM is tuned to start fast (C1 only, serial GC, small heap): these runs last seconds.
 */
final class Cli
{
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private Cli()
    {
    }

    /** The outcome of one run. */
    record Result(int exitCode, String stdout, String stderr, Duration took)
    {
        List<String> stdoutLines()
        {
            return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        }

        List<String> stderrLines()
        {
            return stderr.isEmpty() ? List.of() : List.of(stderr.split("\n"));
        }

        @Override
        public String toString()
        {
            return "exit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n" + stdout + "--- stderr\n" +
                stderr;
        }
    }

    /** A child started by {@link #start}: its output files fill as it runs. */
    static final class Running
    {
        final Process process;
        private final Path out;
        private final Path err;
        private final Path in;
        private final long startNs = System.nanoTime();

        private Running(final Process process, final Path out, final Path err, final Path in)
        {
            this.process = process;
            this.out = out;
            this.err = err;
            this.in = in;
        }

        /** What it has written to stdout so far. */
        String stdoutSoFar()
        {
            return read(out);
        }

        /** Wait for it to end (killing it after {@code timeout}) and collect its output. */
        Result finish(final Duration timeout)
        {
            try
            {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    fail("ringlog did not finish within " + timeout + "\n--- stdout\n" + read(out) +
                        "--- stderr\n" + read(err));
                }
                return new Result(process.exitValue(), read(out), read(err),
                    Duration.ofNanos(System.nanoTime() - startNs));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            finally
            {
                process.destroyForcibly();
                delete(out);
                delete(err);
                delete(in);
            }
        }
    }

    static Result run(final String... args)
    {
        return runWithInput(null, args);
    }

    static Result runWithInput(final String stdin, final String... args)
    {
        return start(stdin, args).finish(DEFAULT_TIMEOUT);
    }

    /** Run several command lines at once (their JVMs start in parallel); the results in the same order. */
    static List<Result> runConcurrently(final List<String[]> commands)
    {
        final List<Running> started = new ArrayList<>();
        commands.forEach(args -> started.add(start(null, args)));
        final List<Result> results = new ArrayList<>();
        started.forEach(r -> results.add(r.finish(DEFAULT_TIMEOUT)));
        return results;
    }

    /** Start {@code ringlog args...} without waiting for it. */
    static Running start(final String stdin, final String... args)
    {
        return startJava("io.ringlog.tools.Ringlog", stdin, args);
    }

    /** Start {@code main} in a child JVM with the test class path and the launcher's JVM flags. */
    static Running startJava(final String main, final String stdin, final String... args)
    {
        try
        {
            final Path out = Files.createTempFile("ringlog-cli-", ".out");
            final Path err = Files.createTempFile("ringlog-cli-", ".err");
            final ProcessBuilder pb = new ProcessBuilder(javaCommand(main, args))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
            Path in = null;
            if (stdin == null)
            {
                pb.redirectInput(new File("/dev/null"));
            }
            else
            {
                in = Files.createTempFile("ringlog-cli-", ".in");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
                pb.redirectInput(in.toFile());
            }
            pb.environment().remove("RINGLOG_BOOTSTRAP_SERVER");
            return new Running(pb.start(), out, err, in);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static List<String> javaCommand(final String main, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.util.zip=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xshare:auto"));
        if (Runtime.version().feature() >= 24)
        {
            command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        return command;
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + file + ": " + ex + ")";
        }
    }

    private static void delete(final Path file)
    {
        if (file != null)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ignore)
            {
                // a temp file; the OS cleans up
            }
        }
    }
}
