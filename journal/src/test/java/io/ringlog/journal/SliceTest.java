package io.ringlog.journal;

import io.ringlog.journal.batch.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code slice}: whole batches only, the batch holding the offset first, at least one batch, never a batch reaching
 * the high watermark, out-of-range answers at both ends, and {@code transferTo} sending the same bytes as the view.
 */
@Timeout(30)
class SliceTest
{
    @TempDir
    Path dir;

    @Test
    void sliceStartsWithTheBatchHoldingTheOffsetAndEndsOnABatchBoundary() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "s", 0, LogConfig.defaults()))
        {
            final int batchSize = TestBatches.batch(10, 40).remaining();
            for (int i = 0; i < 10; i++)
            {
                assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(10, 40), 0));
            }
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(35, batchSize * 3 + 5, 100, slice));
            assertEquals(30, slice.baseOffset());
            assertEquals(60, slice.nextOffset());
            assertEquals(batchSize * 3, slice.length());
            assertEquals(30, slice.buffer().getLong(0, RecordBatch.BYTE_ORDER));
            assertEquals(50, slice.buffer().getLong(batchSize * 2, RecordBatch.BYTE_ORDER));
        }
    }

    @Test
    void atLeastOneBatchEvenWhenMaxBytesIsSmaller() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "s", 0, LogConfig.defaults()))
        {
            TestBatches.append(log, TestBatches.batch(5, 500), 0);
            TestBatches.append(log, TestBatches.batch(5, 500), 0);
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(0, 1, 10, slice));
            assertEquals(TestBatches.batch(5, 500).remaining(), slice.length());
            assertEquals(5, slice.nextOffset());
        }
    }

    @Test
    void neverPassesTheHighWatermark() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "s", 0, LogConfig.defaults()))
        {
            for (int i = 0; i < 4; i++)
            {
                TestBatches.append(log, TestBatches.batch(5, 10), 0);
            }
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(0, Integer.MAX_VALUE, 10, slice));
            assertEquals(10, slice.nextOffset());
            assertEquals(JournalStatus.OK, log.slice(0, Integer.MAX_VALUE, 12, slice));
            assertEquals(10, slice.nextOffset(), "a batch that reaches the high watermark stays out");
            assertEquals(JournalStatus.OK, log.slice(10, Integer.MAX_VALUE, 10, slice));
            assertTrue(slice.isEmpty());
        }
    }

    @Test
    void outOfRangeBelowTheStartAndAboveTheEndEmptyAtTheEnd() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "s", 0, LogConfig.defaults()))
        {
            for (int i = 0; i < 4; i++)
            {
                TestBatches.append(log, TestBatches.batch(5, 10), 0);
            }
            assertEquals(JournalStatus.OK, log.deleteRecordsBefore(7));
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.slice(6, 100, 20, slice));
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.slice(21, 100, 20, slice));
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.slice(-1, 100, 20, slice));
            assertEquals(JournalStatus.OK, log.slice(20, 100, 20, slice));
            assertTrue(slice.isEmpty());
            assertEquals(20, slice.nextOffset());
            assertEquals(JournalStatus.OK, log.slice(7, 1, 20, slice));
            assertEquals(5, slice.baseOffset(), "the batch holding the log start offset");
        }
    }

    @Test
    void readsAcrossSegments() throws Exception
    {
        final int batchSize = TestBatches.batch(4, 100).remaining();
        final LogConfig config = LogConfig.builder().segmentBytes(batchSize * 3).build();
        try (PartitionLog log = PartitionLog.open(dir, "s", 0, config))
        {
            for (int i = 0; i < 10; i++)
            {
                assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(4, 100), 0));
            }
            assertEquals(4, log.segmentBaseOffsets().length);
            final LogSlice slice = new LogSlice();
            long next = 0;
            int slices = 0;
            while (next < log.logEndOffset())
            {
                assertEquals(JournalStatus.OK, log.slice(next, Integer.MAX_VALUE, log.logEndOffset(), slice));
                assertEquals(next, slice.baseOffset());
                next = slice.nextOffset();
                slices++;
            }
            assertEquals(40, next);
            assertEquals(4, slices, "a slice stays within one segment");
        }
    }

    @Test
    void transferToSendsTheSameBytesAsTheView() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "s", 0, LogConfig.defaults()))
        {
            for (int i = 0; i < 20; i++)
            {
                TestBatches.append(log, TestBatches.batch(8, 200), 0);
            }
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(40, 20_000, log.logEndOffset(), slice));
            final Path out = dir.resolve("out.bin");
            try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE))
            {
                assertEquals(slice.length(), slice.transferTo(target));
            }
            final byte[] viaView = new byte[slice.length()];
            slice.buffer().getBytes(0, viaView);
            assertArrayEquals(viaView, java.nio.file.Files.readAllBytes(out));
            assertEquals(40, ByteBuffer.wrap(viaView).getLong(0));
        }
    }
}
