package io.ringlog.journal;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guards the rule "zero garbage on the hot path": after warm-up, appends and slices allocate nothing, counted by the
 * JVM's per-thread allocation counter (exact, not timed). The smallest object is 16 bytes, so one allocation per
 * append would show as 80,000 bytes over 5,000 appends; the bound of less than one byte per append leaves room only
 * for the JVM's own rare bookkeeping (about 0.04 B/op measured here). JMH {@code -prof gc} in {@code perf} shows
 * the same.
 */
@Timeout(60)
class AllocationTest
{
    @TempDir
    Path dir;

    @Test
    void appendAndSliceAllocateNothing() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long self = Thread.currentThread().getId();
        final UnsafeBuffer batch = TestBatches.direct(TestBatches.batch(16, 1024));
        final AppendResult result = new AppendResult();
        final LogSlice slice = new LogSlice();

        try (PartitionLog log = PartitionLog.open(dir, "alloc", 0, LogConfig.builder().segmentBytes(1 << 30).build()))
        {
            for (int i = 0; i < 10_000; i++) // warm up until the JIT has compiled the path (it allocates while it links)
            {
                run(log, batch, result, slice);
            }
            final long before = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < 5_000; i++)
            {
                run(log, batch, result, slice);
            }
            final long allocated = threads.getThreadAllocatedBytes(self) - before;
            assertTrue(allocated < 5_000, "bytes allocated by 5,000 appends and slices of 16 x 1 KiB batches: " + allocated);
        }
    }

    private static void run(final PartitionLog log, final UnsafeBuffer batch, final AppendResult result, final LogSlice slice)
    {
        if (log.appendAsLeader(batch, 0, batch.capacity(), 0, result) != JournalStatus.OK ||
            log.slice(result.firstOffset(), 64 * 1024, log.logEndOffset(), slice) != JournalStatus.OK)
        {
            throw new AssertionError("append or slice failed");
        }
    }
}
