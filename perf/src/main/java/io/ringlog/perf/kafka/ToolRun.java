package io.ringlog.perf.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a Java tool as its own process, with its own classpath and JVM flags, its output (stdout and stderr
 * together) in a file of the run directory, bounded in time. It measures the tool's wall time and, through this
 * JVM's reaped-children CPU ({@link ProcStat#self()}), its CPU time: that is why only one tool runs at a time.
 * Used by the harness's main thread only.
 *
 * @param exitCode  the tool's exit code, -1 if it was killed at the time limit.
 * @param output    its output lines.
 * @param wallNanos from start to exit.
 * @param cpuTicks  its user + system CPU, children included, in clock ticks.
 * @param log       the file holding its output.
 */
record ToolRun(int exitCode, List<String> output, long wallNanos, long cpuTicks, Path log)
{
    /** Processes the harness started and has not yet seen end; the shutdown hook ends them. */
    static final List<Process> LIVE = new ArrayList<>();

    /**
     * @return true if the tool exited with 0.
     */
    boolean ok()
    {
        return 0 == exitCode;
    }

    /**
     * Run a Java main to completion.
     *
     * @param java      the java executable.
     * @param jvmFlags  flags before the classpath (heap, logging).
     * @param classpath for the tool.
     * @param mainClass to run.
     * @param args      its arguments.
     * @param log       file for its output (created or replaced).
     * @param limitSecs time limit; then it is killed (SIGTERM, then SIGKILL after 10 s) and its exit code is -1.
     * @return what happened.
     * @throws IOException if it cannot be started or its output cannot be read.
     */
    static ToolRun run(
        final String java, final List<String> jvmFlags, final String classpath, final String mainClass,
        final List<String> args, final Path log, final long limitSecs) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Files.writeString(log, String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);

        final long cpuBefore = ProcStat.self().children();
        final long start = System.nanoTime();
        final Process process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        synchronized (LIVE)
        {
            LIVE.add(process);
        }
        int exitCode;
        try
        {
            if (process.waitFor(limitSecs, TimeUnit.SECONDS))
            {
                exitCode = process.exitValue();
            }
            else
            {
                stop(process, 10);
                exitCode = -1;
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            stop(process, 10);
            exitCode = -1;
        }
        finally
        {
            synchronized (LIVE)
            {
                LIVE.remove(process);
            }
        }
        final long wall = System.nanoTime() - start;
        final long cpu = ProcStat.self().children() - cpuBefore;
        final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return new ToolRun(exitCode, lines.subList(1, lines.size()), wall, cpu, log);
    }

    /**
     * End a process and its descendants: SIGTERM, then SIGKILL for whatever is left after the grace period.
     *
     * @param process   to end.
     * @param graceSecs how long SIGTERM has.
     */
    static void stop(final Process process, final long graceSecs)
    {
        final List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try
        {
            if (!process.waitFor(graceSecs, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
