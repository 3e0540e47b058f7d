package io.ringlog.journal;

import io.ringlog.journal.index.OffsetIndex;
import io.ringlog.journal.segment.SegmentFiles;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segments roll by size, by age and when the index is full; rolled segments are trimmed to their contents and named
 * by their base offset; the sparse index takes an entry per {@code index.interval.bytes}; every offset is found
 * again after a reopen.
 */
@Timeout(30)
class RollAndIndexTest
{
    @TempDir
    Path dir;

    @Test
    void rollsBySizeAndTrimsRolledSegments() throws Exception
    {
        final int batchSize = TestBatches.batch(4, 100).remaining();
        final LogConfig config = LogConfig.builder().segmentBytes(batchSize * 5 + 10).build();
        try (PartitionLog log = PartitionLog.open(dir, "r", 2, config))
        {
            for (int i = 0; i < 12; i++)
            {
                assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(4, 100), 0));
            }
            assertArrayEquals(new long[] {0, 20, 40}, log.segmentBaseOffsets());
            final Path partitionDir = dir.resolve("r-2");
            assertEquals(batchSize * 5L, Files.size(SegmentFiles.logFile(partitionDir, 0)), "trimmed on roll");
            assertEquals(batchSize * 5L, Files.size(SegmentFiles.logFile(partitionDir, 20)));
            assertTrue(Files.exists(partitionDir.resolve("00000000000000000020.index")));
            assertTrue(Files.exists(partitionDir.resolve("00000000000000000040.timeindex")));
        }
        assertEquals(batchSize * 2L, Files.size(SegmentFiles.logFile(dir.resolve("r-2"), 40)), "trimmed on close");
    }

    @Test
    void rollsByAge() throws Exception
    {
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(1_000);
        final LogConfig config = LogConfig.builder().segmentMs(500).build();
        try (PartitionLog log = PartitionLog.open(dir, "r", 0, config, io.ringlog.journal.storage.DiskSpace.FILE_SYSTEM, clock))
        {
            TestBatches.append(log, TestBatches.batch(2, 10), 0);
            clock.update(1_400);
            TestBatches.append(log, TestBatches.batch(2, 10), 0);
            assertEquals(1, log.segmentBaseOffsets().length);
            clock.update(1_600);
            TestBatches.append(log, TestBatches.batch(2, 10), 0);
            assertArrayEquals(new long[] {0, 4}, log.segmentBaseOffsets());
            clock.update(2_200);
            log.enforceRetention(clock.time()); // the duty cycle rolls an idle old segment too
            assertArrayEquals(new long[] {0, 4, 6}, log.segmentBaseOffsets());
            log.enforceRetention(clock.time() + 10_000); // an empty active segment is never rolled
            assertArrayEquals(new long[] {0, 4, 6}, log.segmentBaseOffsets());
        }
    }

    @Test
    void rollsWhenTheIndexIsFull() throws Exception
    {
        final LogConfig config = LogConfig.builder().segmentIndexBytes(48).indexIntervalBytes(0).build();
        try (PartitionLog log = PartitionLog.open(dir, "r", 0, config))
        {
            for (int i = 0; i < 20; i++)
            {
                assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(1, 10), 0));
            }
            // A 48-byte offset index holds 6 entries; a segment's first batch is never indexed, so 7 batches a segment.
            assertArrayEquals(new long[] {0, 7, 14}, log.segmentBaseOffsets());
            final LogSlice slice = new LogSlice();
            for (long offset = 0; offset < 20; offset++)
            {
                assertEquals(JournalStatus.OK, log.slice(offset, 1, 20, slice));
                assertEquals(offset, slice.baseOffset());
            }
        }
    }

    @Test
    void indexTakesAnEntryPerIntervalAndFindsEveryOffsetAfterReopen() throws Exception
    {
        final LogConfig config = LogConfig.builder().indexIntervalBytes(1024).build();
        final int batchSize = TestBatches.batch(3, 100).remaining();
        final int batches = 200;
        try (PartitionLog log = PartitionLog.open(dir, "r", 0, config))
        {
            for (int i = 0; i < batches; i++)
            {
                TestBatches.append(log, TestBatches.batch(3, 100), 0);
            }
        }
        final Path index = SegmentFiles.indexFile(dir.resolve("r-0"), 0);
        final long entries = Files.size(index) / OffsetIndex.ENTRY_SIZE;
        final long expected = (long)batches * batchSize / (1024 + batchSize);
        assertTrue(Math.abs(entries - expected) <= expected / 4 + 2, "entries " + entries + " ~ " + expected);

        try (PartitionLog log = PartitionLog.open(dir, "r", 0, config))
        {
            assertEquals(batches * 3L, log.logEndOffset());
            final LogSlice slice = new LogSlice();
            for (long offset = 0; offset < batches * 3L; offset++)
            {
                assertEquals(JournalStatus.OK, log.slice(offset, 1, log.logEndOffset(), slice));
                assertEquals(offset - offset % 3, slice.baseOffset());
            }
            assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(3, 100), 0));
            assertEquals(batches * 3L + 3, log.logEndOffset());
        }
    }
}
