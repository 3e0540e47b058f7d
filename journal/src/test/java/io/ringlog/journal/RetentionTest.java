package io.ringlog.journal;

import io.ringlog.journal.storage.DiskSpace;
import org.agrona.concurrent.CachedEpochClock;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention deletes whole non-active segments, oldest first, by size and by age (the newest record's timestamp),
 * advances the log start offset, and removes files only after {@code file.delete.delay.ms}; DeleteRecords moves the
 * log start offset mid-segment and it survives a reopen.
 */
@Timeout(30)
class RetentionTest
{
    @TempDir
    Path dir;

    private final int batchSize = TestBatches.batch(4, 100).remaining();

    @Test
    void bySizeOldestFirstNeverTheActiveSegment() throws Exception
    {
        final LogConfig config = LogConfig.builder()
            .segmentBytes(batchSize * 2).retentionBytes(batchSize * 5L).retentionMs(-1).fileDeleteDelayMs(0).build();
        try (PartitionLog log = PartitionLog.open(dir, "ret", 0, config))
        {
            for (int i = 0; i < 10; i++)
            {
                TestBatches.append(log, TestBatches.batch(4, 100), 0);
            }
            assertArrayEquals(new long[] {0, 8, 16, 24, 32}, log.segmentBaseOffsets());
            assertEquals(2, log.enforceRetention(System.currentTimeMillis()));
            assertArrayEquals(new long[] {16, 24, 32}, log.segmentBaseOffsets());
            assertEquals(16, log.logStartOffset());
            assertTrue(log.sizeInBytes() <= batchSize * 6L);
            assertEquals(0, log.enforceRetention(System.currentTimeMillis()));
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.slice(15, 100, 40, new LogSlice()));
            assertEquals(3, Stream.of(dir.resolve("ret-0").toFile().list()).filter(n -> n.endsWith(".log")).count());
        }
        try (PartitionLog log = PartitionLog.open(dir, "ret", 0, config))
        {
            assertEquals(16, log.logStartOffset());
            assertEquals(40, log.logEndOffset());
        }
    }

    @Test
    void byTimeUsingTheNewestRecordOfEachSegment() throws Exception
    {
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(100_000);
        final LogConfig config = LogConfig.builder().segmentBytes(batchSize * 2).retentionMs(10_000).fileDeleteDelayMs(0).build();
        try (PartitionLog log = PartitionLog.open(dir, "ret", 0, config, DiskSpace.FILE_SYSTEM, clock))
        {
            for (int i = 0; i < 6; i++)
            {
                // segment k holds batches with timestamps 10_000*i: segment 0 -> 0, 10_000; 1 -> 20_000, 30_000; ...
                TestBatches.append(log, TestBatches.batch(Compression.NONE, 10_000L * i, 4, 100), 0);
            }
            assertArrayEquals(new long[] {0, 8, 16}, log.segmentBaseOffsets());
            clock.update(35_000);
            assertEquals(1, log.enforceRetention(clock.time()), "segment 0's newest record (10_003) is over 10 s old");
            assertArrayEquals(new long[] {8, 16}, log.segmentBaseOffsets());
            clock.update(1_000_000);
            assertEquals(1, log.enforceRetention(clock.time()), "everything expired, but the active segment stays");
            assertArrayEquals(new long[] {16}, log.segmentBaseOffsets());
            assertEquals(16, log.logStartOffset());
        }
    }

    @Test
    void filesGoOnlyAfterTheDeleteDelay() throws Exception
    {
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(1_000);
        final LogConfig config = LogConfig.builder()
            .segmentBytes(batchSize * 2).retentionBytes(0).retentionMs(-1).fileDeleteDelayMs(5_000).build();
        final Path partitionDir = dir.resolve("ret-0");
        try (PartitionLog log = PartitionLog.open(dir, "ret", 0, config, DiskSpace.FILE_SYSTEM, clock))
        {
            for (int i = 0; i < 4; i++)
            {
                TestBatches.append(log, TestBatches.batch(4, 100), 0);
            }
            final LogSlice held = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(0, 100, 16, held)); // a reader holds segment 0

            assertEquals(1, log.enforceRetention(clock.time()));
            assertTrue(Files.exists(partitionDir.resolve("00000000000000000000.log.deleted")));
            assertEquals(0, held.buffer().getLong(0), "the held slice still reads: base offset 0");

            clock.update(5_999);
            log.enforceRetention(clock.time());
            assertTrue(Files.exists(partitionDir.resolve("00000000000000000000.log.deleted")));
            clock.update(6_001);
            log.enforceRetention(clock.time());
            assertTrue(Files.notExists(partitionDir.resolve("00000000000000000000.log.deleted")));
            assertTrue(Files.notExists(partitionDir.resolve("00000000000000000000.index.deleted")));
        }
    }

    @Test
    void deleteRecordsMovesTheLogStartAndSurvivesReopen() throws Exception
    {
        final LogConfig config = LogConfig.builder().segmentBytes(batchSize * 2).fileDeleteDelayMs(0).build();
        try (PartitionLog log = PartitionLog.open(dir, "ret", 0, config))
        {
            for (int i = 0; i < 6; i++)
            {
                TestBatches.append(log, TestBatches.batch(4, 100), 2);
            }
            assertEquals(JournalStatus.OK, log.deleteRecordsBefore(10));
            assertEquals(10, log.logStartOffset());
            assertArrayEquals(new long[] {8, 16}, log.segmentBaseOffsets());
            assertEquals(JournalStatus.OK, log.deleteRecordsBefore(5), "moving backwards is a no-op");
            assertEquals(10, log.logStartOffset());
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.deleteRecordsBefore(25));
        }
        try (PartitionLog log = PartitionLog.open(dir, "ret", 0, config))
        {
            assertEquals(10, log.logStartOffset());
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.slice(9, 100, 24, new LogSlice()));
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(10, 1, 24, slice));
            assertEquals(8, slice.baseOffset());
            assertEquals(2, log.endOffsetForEpoch(2).leaderEpoch());
        }
    }
}
