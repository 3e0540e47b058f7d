package io.ringlog.journal;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.epoch.EpochEndOffset;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Followers: leader epochs stamped into batches and kept in Kafka's checkpoint, where an epoch ends, truncation
 * inside the active segment and across sealed ones, truncation below the log start, and follower appends keeping
 * the leader's offsets and epochs.
 */
@Timeout(30)
class TruncationAndEpochTest
{
    @TempDir
    Path dir;

    private final int batchSize = TestBatches.batch(5, 50).remaining();

    @Test
    void epochsAreStampedCheckpointedAndAnswerWhereTheyEnd() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "e", 0, LogConfig.defaults()))
        {
            append(log, 3, 1); // 0..14 epoch 1
            append(log, 2, 4); // 15..24 epoch 4
            append(log, 1, 7); // 25..29 epoch 7
            assertEquals(7, log.latestEpoch());
            assertEquals(EpochEndOffset.UNDEFINED_EPOCH, log.endOffsetForEpoch(0));
            assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(1));
            assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(3));
            assertEquals(new EpochEndOffset(4, 25), log.endOffsetForEpoch(4));
            assertEquals(new EpochEndOffset(7, 30), log.endOffsetForEpoch(7));
            assertEquals(new EpochEndOffset(7, 30), log.endOffsetForEpoch(9));
            final LogSlice slice = new LogSlice();
            log.slice(16, 1, 30, slice);
            assertEquals(4, slice.buffer().getInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, RecordBatch.BYTE_ORDER));
        }
        final List<String> checkpoint = Files.readAllLines(dir.resolve("e-0/leader-epoch-checkpoint"));
        assertEquals(List.of("0", "3", "1 0", "4 15", "7 25"), checkpoint);
    }

    @Test
    void truncateInsideTheActiveSegmentThenAppend() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "e", 0, LogConfig.defaults()))
        {
            append(log, 4, 1);
            append(log, 2, 2); // 20..29 epoch 2
            assertEquals(JournalStatus.OK, log.truncateTo(17));
            assertEquals(15, log.logEndOffset(), "the whole batch holding 17 goes");
            assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(2));
            assertEquals(1, log.latestEpoch());
            append(log, 1, 3);
            assertEquals(20, log.logEndOffset());
            assertEquals(new EpochEndOffset(3, 20), log.endOffsetForEpoch(3));
            assertContiguous(log);
        }
        try (PartitionLog log = PartitionLog.open(dir, "e", 0, LogConfig.defaults()))
        {
            assertEquals(20, log.logEndOffset(), "no stale batch comes back after a reopen");
            assertContiguous(log);
        }
    }

    @Test
    void truncateAcrossSealedSegments() throws Exception
    {
        final LogConfig config = LogConfig.builder().segmentBytes(batchSize * 2).fileDeleteDelayMs(0).build();
        try (PartitionLog log = PartitionLog.open(dir, "e", 0, config))
        {
            append(log, 7, 1); // segments 0, 10, 20, 30
            assertArrayEquals(new long[] {0, 10, 20, 30}, log.segmentBaseOffsets());
            assertEquals(JournalStatus.OK, log.truncateTo(12));
            assertEquals(10, log.logEndOffset());
            assertArrayEquals(new long[] {0, 10}, log.segmentBaseOffsets());
            append(log, 3, 2);
            assertEquals(25, log.logEndOffset());
            assertArrayEquals(new long[] {0, 10, 20}, log.segmentBaseOffsets());
            assertContiguous(log);
        }
        try (PartitionLog log = PartitionLog.open(dir, "e", 0, config))
        {
            assertEquals(25, log.logEndOffset());
            assertContiguous(log);
        }
    }

    @Test
    void truncateBelowTheLogStartRestartsTheLog() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "e", 0, LogConfig.builder().fileDeleteDelayMs(0).build()))
        {
            append(log, 3, 1);
            assertEquals(JournalStatus.OK, log.truncateFullyAndStartAt(100));
            assertEquals(100, log.logStartOffset());
            assertEquals(100, log.logEndOffset());
            assertArrayEquals(new long[] {100}, log.segmentBaseOffsets());
            append(log, 1, 2);
            assertEquals(105, log.logEndOffset());
            assertTrue(Files.exists(dir.resolve("e-0/00000000000000000100.log")));
        }
    }

    @Test
    void followerAppendKeepsTheLeadersOffsetsAndEpochs() throws Exception
    {
        try (PartitionLog leader = PartitionLog.open(dir, "leader", 0, LogConfig.defaults());
            PartitionLog follower = PartitionLog.open(dir, "follower", 0, LogConfig.defaults()))
        {
            append(leader, 2, 5);
            append(leader, 2, 6);
            final LogSlice slice = new LogSlice();
            long next = 0;
            final AppendResult result = new AppendResult();
            while (next < leader.logEndOffset())
            {
                assertEquals(JournalStatus.OK, leader.slice(next, batchSize, leader.logEndOffset(), slice));
                final UnsafeBuffer copy = new UnsafeBuffer(new byte[slice.length()]);
                copy.putBytes(0, slice.buffer(), 0, slice.length());
                assertEquals(JournalStatus.OK, follower.appendAsFollower(copy, 0, copy.capacity(), result));
                assertEquals(next, result.firstOffset());
                next = slice.nextOffset();
            }
            assertEquals(20, follower.logEndOffset());
            assertEquals(leader.endOffsetForEpoch(5), follower.endOffsetForEpoch(5));
            assertEquals(new EpochEndOffset(6, 20), follower.endOffsetForEpoch(6));
        }
    }

    private void append(final PartitionLog log, final int batches, final int epoch)
    {
        for (int i = 0; i < batches; i++)
        {
            assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(5, 50), epoch));
        }
    }

    private static void assertContiguous(final PartitionLog log)
    {
        final LogSlice slice = new LogSlice();
        long next = log.logStartOffset();
        while (next < log.logEndOffset())
        {
            assertEquals(JournalStatus.OK, log.slice(next, Integer.MAX_VALUE, log.logEndOffset(), slice));
            for (int p = 0; p < slice.length(); )
            {
                assertEquals(next, slice.buffer().getLong(p, RecordBatch.BYTE_ORDER));
                next += slice.buffer().getInt(p + RecordBatch.LAST_OFFSET_DELTA_OFFSET, RecordBatch.BYTE_ORDER) + 1;
                p += slice.buffer().getInt(p + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) + RecordBatch.LOG_OVERHEAD;
            }
        }
        assertEquals(log.logEndOffset(), next);
    }
}
