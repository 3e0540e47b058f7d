package io.ringlog.client;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by the calling thread, from the JVM's own per-thread TLAB accounting
 * ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}), the figure JMH's gc profiler reports.
 * <p>
 * Steady state is measured in windows after a warm-up: the JIT may still recompile a method, and a deoptimization
 * re-creates objects that escape analysis had removed in compiled code, a few hundred bytes once. With
 * {@code -XX:-DoEscapeAnalysis} every hot path here measures 0 bytes in every window (so the code allocates
 * nothing, rather than relying on escape analysis); {@link #steadyState} therefore asks for a window of exactly zero
 * and bounds every window far below a byte per record.
 */
public final class Allocation
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private Allocation()
    {
    }

    /** Bytes this thread has allocated since it started. */
    public static long allocatedBytes()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Measure windows of {@code window} until one allocates nothing (at most {@code maxWindows}), running the
     * unmeasured {@code setup} (a cold-path step such as a seek) before each.
     *
     * @return the bytes each window allocated, in order; the last is 0 unless none was.
     */
    public static java.util.List<Long> steadyState(final Runnable setup, final Runnable window, final int maxWindows)
    {
        final java.util.List<Long> windows = new java.util.ArrayList<>();
        do
        {
            setup.run();
            windows.add(measure(window));
        }
        while (windows.get(windows.size() - 1) != 0 && windows.size() < maxWindows);
        return windows;
    }

    /** Assert a window allocated nothing and none allocated more than {@code maxBytes} (a one-off, not per record). */
    public static void assertSteadyStateZero(final java.util.List<Long> windows, final long maxBytes, final String what)
    {
        org.junit.jupiter.api.Assertions.assertEquals(0L, windows.get(windows.size() - 1),
            what + ": no window without allocation in " + windows);
        for (final long bytes : windows)
        {
            org.junit.jupiter.api.Assertions.assertTrue(bytes <= maxBytes, what + ": " + bytes + " bytes in a window");
        }
    }

    /** Bytes allocated by {@code work}, on this thread. */
    public static long measure(final Runnable work)
    {
        final long before = allocatedBytes();
        work.run();
        return allocatedBytes() - before;
    }
}
