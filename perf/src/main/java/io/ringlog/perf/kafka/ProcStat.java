package io.ringlog.perf.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads CPU time from Linux's {@code /proc}: a process's own and its reaped children's time from
 * {@code /proc/<pid>/stat}, and the whole machine's from the first line of {@code /proc/stat}. Stateless, so
 * thread-safe.
 *
 * <p>{@code /proc/<pid>/stat} counts in clock ticks ({@code getconf CLK_TCK}, 100 on Linux x86-64), so one sample
 * is good to 10 ms: a run of a few seconds measures a broker's CPU to about 1 %.
 */
final class ProcStat
{
    /** Ticks per second when {@code getconf CLK_TCK} cannot be asked. */
    static final long DEFAULT_TICKS_PER_SECOND = 100;

    private ProcStat()
    {
    }

    /**
     * A process's CPU time in clock ticks, as fields 14 to 17 of {@code /proc/<pid>/stat} give it.
     *
     * @param utime  user time of the process itself (all its threads).
     * @param stime  system time of the process itself.
     * @param cutime user time of its children that have ended and been waited for.
     * @param cstime system time of those children.
     */
    record ProcessTicks(long utime, long stime, long cutime, long cstime)
    {
        /** @return the process's own time, user plus system. */
        long own()
        {
            return utime + stime;
        }

        /** @return the time of its waited-for children, user plus system. */
        long children()
        {
            return cutime + cstime;
        }

        /**
         * @param earlier sample of the same process.
         * @return the ticks spent between the two samples, field by field.
         */
        ProcessTicks minus(final ProcessTicks earlier)
        {
            return new ProcessTicks(
                utime - earlier.utime, stime - earlier.stime, cutime - earlier.cutime, cstime - earlier.cstime);
        }
    }

    /**
     * The whole machine's CPU time in clock ticks, summed over all CPUs, from the {@code cpu} line of
     * {@code /proc/stat}.
     *
     * @param busy  user + nice + system + irq + softirq + steal.
     * @param total busy + idle + iowait.
     */
    record MachineTicks(long busy, long total)
    {
        /**
         * @param earlier sample.
         * @return the ticks between the two samples.
         */
        MachineTicks minus(final MachineTicks earlier)
        {
            return new MachineTicks(busy - earlier.busy, total - earlier.total);
        }
    }

    /**
     * Parse the single line of {@code /proc/<pid>/stat}. The second field, the command name in parentheses, may hold
     * spaces and parentheses itself, so the fields are counted from the last {@code ')'}.
     *
     * @param line the file's content.
     * @return its CPU fields.
     * @throws IllegalArgumentException if the line is not in that format.
     */
    static ProcessTicks parseProcessStat(final String line)
    {
        final int close = line.lastIndexOf(')');
        if (close < 0)
        {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + line);
        }
        // After ")": field 3 (state) is index 0, so field n is index n - 3.
        final String[] fields = line.substring(close + 1).trim().split("\\s+");
        if (fields.length < 15)
        {
            throw new IllegalArgumentException("too few fields in /proc/<pid>/stat: " + line);
        }
        return new ProcessTicks(
            Long.parseLong(fields[14 - 3]),
            Long.parseLong(fields[15 - 3]),
            Long.parseLong(fields[16 - 3]),
            Long.parseLong(fields[17 - 3]));
    }

    /**
     * Parse the content of {@code /proc/stat}: its first line, {@code cpu user nice system idle iowait irq softirq
     * steal [guest guest_nice]}. Guest time is already inside user and nice, so it is not added again.
     *
     * @param content the file's content, or at least its first line.
     * @return the machine's busy and total ticks.
     * @throws IllegalArgumentException if the first line is not the {@code cpu} line.
     */
    static MachineTicks parseMachineStat(final String content)
    {
        final String first = content.lines().findFirst().orElse("");
        final String[] fields = first.trim().split("\\s+");
        if (fields.length < 5 || !"cpu".equals(fields[0]))
        {
            throw new IllegalArgumentException("not the cpu line of /proc/stat: " + first);
        }
        final long[] ticks = new long[8];
        for (int i = 0; i < ticks.length && i + 1 < fields.length; i++)
        {
            ticks[i] = Long.parseLong(fields[i + 1]);
        }
        final long idle = ticks[3] + ticks[4];
        final long busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
        return new MachineTicks(busy, busy + idle);
    }

    /**
     * The name of a thread ({@code comm}, the kernel's 15-character copy of it) with its numbers folded, so that
     * threads of one pool add up: "data-plane-kafka-request-handler-3" is cut to "data-plane-kafk" by the kernel,
     * "GC Thread#1" and "GC Thread#12" both become "GC Thread##".
     *
     * @param line a {@code /proc/<pid>/task/<tid>/stat} line.
     * @return the thread's name with each run of digits replaced by one '#'.
     */
    static String threadGroup(final String line)
    {
        final int open = line.indexOf('(');
        final int close = line.lastIndexOf(')');
        if (open < 0 || close < open)
        {
            throw new IllegalArgumentException("not a /proc/<pid>/task/<tid>/stat line: " + line);
        }
        return line.substring(open + 1, close).replaceAll("[0-9]+", "#");
    }

    /**
     * Each live thread's user + system ticks, summed by {@link #threadGroup}. A thread that ended between two samples
     * takes its ticks with it, so the groups of two samples need not add up to the process's own time.
     *
     * @param pid of a running process.
     * @return thread group to ticks.
     * @throws IOException if the process is gone.
     */
    static Map<String, Long> threadTicks(final long pid) throws IOException
    {
        final Map<String, Long> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks.toList())
            {
                final String line;
                try
                {
                    line = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
                }
                catch (final IOException ex)
                {
                    continue; // the thread ended while we listed them
                }
                groups.merge(threadGroup(line), parseProcessStat(line).own(), Long::sum);
            }
        }
        return groups;
    }

    /**
     * @param after  a later {@link #threadTicks} sample.
     * @param before an earlier one of the same process.
     * @return the ticks each group spent in between (threads born in between count from zero).
     */
    static Map<String, Long> minus(final Map<String, Long> after, final Map<String, Long> before)
    {
        final Map<String, Long> spent = new TreeMap<>();
        after.forEach((group, ticks) -> spent.put(group, Math.max(0, ticks - before.getOrDefault(group, 0L))));
        return spent;
    }

    /**
     * @param pid of a running process.
     * @return its CPU ticks now.
     * @throws IOException if the process is gone or /proc cannot be read.
     */
    static ProcessTicks process(final long pid) throws IOException
    {
        return parseProcessStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8));
    }

    /**
     * This JVM: its {@code cutime + cstime} grow by a child's whole CPU time when the child ends and Java's process
     * reaper waits for it, which is how a tool's CPU is measured after it has exited.
     *
     * @return this process's CPU ticks now.
     * @throws IOException if /proc cannot be read.
     */
    static ProcessTicks self() throws IOException
    {
        return process(ProcessHandle.current().pid());
    }

    /**
     * @return the machine's CPU ticks now.
     * @throws IOException if /proc/stat cannot be read.
     */
    static MachineTicks machine() throws IOException
    {
        return parseMachineStat(Files.readString(Path.of("/proc/stat"), StandardCharsets.UTF_8));
    }

    /**
     * @return the load averages line of {@code /proc/loadavg} (1, 5 and 15 minutes), or "?" if it cannot be read.
     */
    static String loadAverage()
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

    /**
     * Ask {@code getconf CLK_TCK} once.
     *
     * @return clock ticks per second, {@link #DEFAULT_TICKS_PER_SECOND} if getconf cannot tell.
     */
    static long ticksPerSecond()
    {
        try
        {
            final Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            final String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (getconf.waitFor(10, TimeUnit.SECONDS) && 0 == getconf.exitValue())
            {
                return Long.parseLong(out);
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            // fall through to the default
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return DEFAULT_TICKS_PER_SECOND;
    }
}
