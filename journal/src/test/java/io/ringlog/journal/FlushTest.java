package io.ringlog.journal;

import io.ringlog.journal.storage.DiskSpace;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flush policy: off by default; {@code flush.messages} and {@code flush.ms} advance the flushed offset, inline when
 * no flusher is attached, on the {@link LogFlusher}'s thread when one is; a roll flushes too.
 */
@Timeout(30)
class FlushTest
{
    @TempDir
    Path dir;

    @Test
    void offByDefault() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "f", 0, LogConfig.defaults()))
        {
            for (int i = 0; i < 10; i++)
            {
                TestBatches.append(log, TestBatches.batch(5, 10), 0);
            }
            assertEquals(0, log.flushedOffset());
            log.flush();
            assertEquals(50, log.flushedOffset());
        }
    }

    @Test
    void byMessagesInline() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "f", 0, LogConfig.builder().flushMessages(12).build()))
        {
            TestBatches.append(log, TestBatches.batch(5, 10), 0);
            TestBatches.append(log, TestBatches.batch(5, 10), 0);
            assertEquals(0, log.flushedOffset());
            TestBatches.append(log, TestBatches.batch(5, 10), 0);
            assertEquals(15, log.flushedOffset());
        }
    }

    @Test
    void byTime() throws Exception
    {
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(10_000);
        final LogConfig config = LogConfig.builder().flushMs(1_000).build();
        try (PartitionLog log = PartitionLog.open(dir, "f", 0, config, DiskSpace.FILE_SYSTEM, clock))
        {
            TestBatches.append(log, TestBatches.batch(5, 10), 0);
            assertEquals(0, log.flushedOffset());
            clock.update(11_000);
            TestBatches.append(log, TestBatches.batch(5, 10), 0);
            assertEquals(10, log.flushedOffset());
        }
    }

    @Test
    void everyMessageOnTheFlusherThread() throws Exception
    {
        final LogFlusher flusher = new LogFlusher();
        try (PartitionLog log = PartitionLog.open(dir, "f", 0, LogConfig.builder().flushMessages(1).build());
            AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, flusher))
        {
            flusher.register(log);
            AgentRunner.startOnThread(runner);
            for (int i = 1; i <= 20; i++)
            {
                TestBatches.append(log, TestBatches.batch(1, 10), 0);
                final long expected = i;
                awaitTrue(() -> log.flushedOffset() >= expected);
            }
            flusher.unregister(log);
        }
    }

    @Test
    void theListenerHearsOfEachFlushOnTheFlusherThread() throws Exception
    {
        final java.util.concurrent.atomic.AtomicLong flushes = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
        final LogFlusher flusher = new LogFlusher((flushed, durationNs) ->
        {
            if (durationNs < 0 || !Thread.currentThread().getName().equals("ringlog-log-flusher"))
            {
                wrong.set(flushed + " took " + durationNs + " ns on " + Thread.currentThread().getName());
            }
            flushes.incrementAndGet();
        });
        try (PartitionLog log = PartitionLog.open(dir, "f", 0, LogConfig.builder().flushMessages(1).build());
            AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, flusher))
        {
            flusher.register(log);
            AgentRunner.startOnThread(runner);
            for (int i = 1; i <= 5; i++)
            {
                TestBatches.append(log, TestBatches.batch(1, 10), 0);
                final long expected = i;
                awaitTrue(() -> log.flushedOffset() >= expected);
            }
            flusher.unregister(log);
        }
        assertEquals(5, flushes.get(), "one fsync per append, as each waited for the last to be flushed");
        assertEquals(null, wrong.get());
    }

    @Test
    void rollFlushesTheSealedSegment() throws Exception
    {
        final int size = TestBatches.batch(5, 10).remaining();
        try (PartitionLog log = PartitionLog.open(dir, "f", 0, LogConfig.builder().segmentBytes(size * 2).build()))
        {
            for (int i = 0; i < 3; i++)
            {
                TestBatches.append(log, TestBatches.batch(5, 10), 0);
            }
            assertTrue(log.flushedOffset() >= 10, "rolled at offset 10");
        }
    }

    private static void awaitTrue(final java.util.function.BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
