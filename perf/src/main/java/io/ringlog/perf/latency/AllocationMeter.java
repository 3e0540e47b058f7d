package io.ringlog.perf.latency;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes allocated by the harness thread and by named other threads over a measured window, from the JVM's exact
 * per-thread allocation counters ({@code com.sun.management.ThreadMXBean}), plus the garbage collections in the
 * window.
 * <p>
 * The threads to watch are resolved by name (any thread whose name contains one of the given strings) once, when
 * the meter is made, after the target has started them; a thread started later is not seen. {@link #open()} and
 * {@link #close()} take the snapshots; both run on the harness thread and arrange their own allocation (the array
 * {@code getThreadAllocatedBytes(long[])} returns) so that it falls outside the harness thread's window: others first
 * then the own thread on open, the reverse on close. Neither needs a safepoint, so taking them does not pause the
 * threads being measured.
 * <p>
 * Not thread-safe: owned by the harness thread.
 */
public final class AllocationMeter
{
    private final com.sun.management.ThreadMXBean threads;
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final String[] names;
    private final long[] ids;
    private long[] othersAtOpen;
    private long[] othersAtClose;
    private long ownAtOpen = -1;
    private long ownAtClose = -1;
    private long collectionsAtOpen;
    private long collectionsAtClose;
    private Instant openedAt;
    private Instant closedAt;

    private AllocationMeter(final com.sun.management.ThreadMXBean threads, final String[] names, final long[] ids)
    {
        this.threads = threads;
        this.names = names;
        this.ids = ids;
    }

    /**
     * @param nameParts every live thread whose name contains one of these is watched and reported under that part
     *                  (the sum, if several threads match it); the calling thread is always watched apart.
     * @return a meter for the calling thread and the matching threads.
     * @throws IllegalStateException if this JVM cannot count allocation per thread.
     */
    public static AllocationMeter forThreads(final List<String> nameParts)
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean threads) || !threads.isThreadAllocatedMemorySupported())
        {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        threads.setThreadAllocatedMemoryEnabled(true);
        // The first calls link and initialise what the counters need; make them here, outside any window.
        threads.getCurrentThreadAllocatedBytes();
        threads.getThreadAllocatedBytes(new long[0]);

        final List<String> names = new ArrayList<>();
        final List<Long> ids = new ArrayList<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String part = match(thread.getName(), nameParts);
            if (thread != Thread.currentThread() && null != part)
            {
                names.add(part);
                ids.add(thread.getId());
            }
        }
        return new AllocationMeter(
            threads, names.toArray(new String[0]), ids.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * @return the name parts that matched a thread other than the calling one.
     */
    public List<String> watched()
    {
        return List.of(names).stream().distinct().toList();
    }

    /** Start the window: snapshot the other threads and the collectors, then the calling thread. */
    public void open()
    {
        openedAt = Instant.now();
        othersAtOpen = threads.getThreadAllocatedBytes(ids);
        collectionsAtOpen = collectionsNow();
        ownAtOpen = threads.getCurrentThreadAllocatedBytes();
    }

    /** End the window: snapshot the calling thread, then the others and the collectors. */
    public void close()
    {
        ownAtClose = threads.getCurrentThreadAllocatedBytes();
        othersAtClose = threads.getThreadAllocatedBytes(ids);
        collectionsAtClose = collectionsNow();
        closedAt = Instant.now();
    }

    /**
     * @return wall-clock time of {@link #open()}, for matching JFR events to the window.
     */
    public Instant openedAt()
    {
        return openedAt;
    }

    /**
     * @return wall-clock time of {@link #close()}.
     */
    public Instant closedAt()
    {
        return closedAt;
    }

    /**
     * @return whether both snapshots were taken.
     */
    public boolean measured()
    {
        return ownAtOpen >= 0 && ownAtClose >= 0;
    }

    /**
     * @return bytes the calling (harness) thread allocated between {@link #open()} and {@link #close()}.
     */
    public long ownBytes()
    {
        return ownAtClose - ownAtOpen;
    }

    /**
     * @return bytes the watched threads allocated in the window, by the name part they matched; -1 if one ended.
     */
    public Map<String, Long> otherBytes()
    {
        final Map<String, Long> bytes = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++)
        {
            final long before = othersAtOpen[i];
            final long after = othersAtClose[i];
            bytes.merge(names[i], before < 0 || after < 0 ? -1 : after - before, AllocationMeter::sumKnown);
        }
        return bytes;
    }

    /**
     * @return garbage collections (all collectors) that ran in the window.
     */
    public long collections()
    {
        return collectionsAtClose - collectionsAtOpen;
    }

    private long collectionsNow()
    {
        long count = 0;
        for (int i = 0, n = collectors.size(); i < n; i++)
        {
            count += Math.max(0, collectors.get(i).getCollectionCount());
        }
        return count;
    }

    private static long sumKnown(final long a, final long b)
    {
        return a < 0 || b < 0 ? -1 : a + b;
    }

    private static String match(final String name, final List<String> parts)
    {
        for (final String part : parts)
        {
            if (!part.isEmpty() && name.contains(part))
            {
                return part;
            }
        }
        return null;
    }
}
