package io.ringlog.journal;

import io.ringlog.journal.batch.RecordBatch;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every kind of bad input is refused with its typed code and leaves the log exactly as it was: same end offset, same
 * bytes, and the next good append continues where the log ended.
 */
@Timeout(30)
class BadInputTest
{
    @TempDir
    Path dir;

    private PartitionLog log;
    private final AppendResult result = new AppendResult();

    @BeforeEach
    void open() throws Exception
    {
        log = PartitionLog.open(dir, "bad", 0, LogConfig.builder().maxMessageBytes(4096).segmentBytes(64 * 1024).build());
        assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(3, 10), 0));
    }

    @AfterEach
    void close()
    {
        log.close();
    }

    @Test
    void emptyAndTruncatedInput()
    {
        final UnsafeBuffer good = TestBatches.heap(TestBatches.batch(2, 10));
        assertRefused(JournalStatus.CORRUPT_MESSAGE, good, 0);
        assertRefused(JournalStatus.CORRUPT_MESSAGE, good, 5);
        assertRefused(JournalStatus.CORRUPT_MESSAGE, good, RecordBatch.HEADER_LENGTH - 1);
        assertRefused(JournalStatus.CORRUPT_MESSAGE, good, good.capacity() - 1);
    }

    @Test
    void lengthFieldsThatDoNotFit()
    {
        final UnsafeBuffer b = TestBatches.heap(TestBatches.batch(2, 10));
        b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, b.capacity(), RecordBatch.BYTE_ORDER); // past the buffer
        assertRefused(JournalStatus.CORRUPT_MESSAGE, b, b.capacity());
        b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, 10, RecordBatch.BYTE_ORDER); // shorter than a header
        assertRefused(JournalStatus.CORRUPT_MESSAGE, b, b.capacity());
        b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, -5, RecordBatch.BYTE_ORDER);
        assertRefused(JournalStatus.CORRUPT_MESSAGE, b, b.capacity());
    }

    @Test
    void oldMagic()
    {
        final UnsafeBuffer b = TestBatches.heap(TestBatches.batch(2, 10));
        b.putByte(RecordBatch.MAGIC_OFFSET, (byte)1);
        assertRefused(JournalStatus.UNSUPPORTED_MAGIC, b, b.capacity());
    }

    @Test
    void crcMismatchAnywhereInTheCoveredBytes()
    {
        final UnsafeBuffer original = TestBatches.heap(TestBatches.batch(4, 30));
        for (int i = RecordBatch.CRC_COVERED_FROM; i < original.capacity(); i += 7)
        {
            final UnsafeBuffer b = copy(original);
            b.putByte(i, (byte)(b.getByte(i) ^ 0x5A));
            assertRefused(JournalStatus.CORRUPT_MESSAGE, b, b.capacity());
        }
        final UnsafeBuffer badCrc = copy(original);
        badCrc.putInt(RecordBatch.CRC_OFFSET, badCrc.getInt(RecordBatch.CRC_OFFSET) + 1);
        assertRefused(JournalStatus.CORRUPT_MESSAGE, badCrc, badCrc.capacity());
    }

    @Test
    void recordCountThatContradictsTheRecords()
    {
        final UnsafeBuffer b = TestBatches.heap(TestBatches.batch(4, 10));
        b.putInt(RecordBatch.RECORD_COUNT_OFFSET, 5, RecordBatch.BYTE_ORDER);
        fixCrc(b);
        assertRefused(JournalStatus.INVALID_RECORD, b, b.capacity());

        final UnsafeBuffer delta = TestBatches.heap(TestBatches.batch(4, 10));
        delta.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 7, RecordBatch.BYTE_ORDER);
        fixCrc(delta);
        assertRefused(JournalStatus.INVALID_RECORD, delta, delta.capacity());

        final UnsafeBuffer negative = TestBatches.heap(TestBatches.batch(4, 10));
        negative.putInt(RecordBatch.RECORD_COUNT_OFFSET, -1, RecordBatch.BYTE_ORDER);
        negative.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, -2, RecordBatch.BYTE_ORDER);
        fixCrc(negative);
        assertRefused(JournalStatus.INVALID_RECORD, negative, negative.capacity());
    }

    @Test
    void compressedBatchWhoseCountDisagreesWithItsOffsets()
    {
        final UnsafeBuffer b = TestBatches.heap(TestBatches.batch(Compression.gzip().build(), 1, 4, 10));
        b.putInt(RecordBatch.RECORD_COUNT_OFFSET, 3, RecordBatch.BYTE_ORDER);
        fixCrc(b);
        assertRefused(JournalStatus.INVALID_RECORD, b, b.capacity());
    }

    @Test
    void recordsThatDoNotFillTheBatch()
    {
        // A valid batch with three garbage bytes appended inside its length, CRC recomputed: the header is
        // consistent but the records walk ends early.
        final ByteBuffer good = TestBatches.batch(2, 10);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[good.remaining() + 3]);
        b.putBytes(0, good, good.position(), good.remaining());
        b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, b.capacity() - RecordBatch.LOG_OVERHEAD, RecordBatch.BYTE_ORDER);
        b.putByte(b.capacity() - 3, (byte)0x7F);
        fixCrc(b);
        assertRefused(JournalStatus.INVALID_RECORD, b, b.capacity());
    }

    @Test
    void batchOverMaxMessageBytes()
    {
        final UnsafeBuffer big = TestBatches.heap(TestBatches.batch(2, 5000));
        assertRefused(JournalStatus.MESSAGE_TOO_LARGE, big, big.capacity());
    }

    @Test
    void runLargerThanASegment()
    {
        final UnsafeBuffer run = TestBatches.heap(TestBatches.run(40, 1, 2000)); // about 80 KiB > 64 KiB segment
        assertRefused(JournalStatus.RECORD_LIST_TOO_LARGE, run, run.capacity());
    }

    @Test
    void oneBadBatchInARunRefusesTheWholeRun()
    {
        final UnsafeBuffer run = TestBatches.heap(TestBatches.run(5, 3, 20));
        final int second = run.getInt(RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) + RecordBatch.LOG_OVERHEAD;
        final int third = second + run.getInt(second + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) +
            RecordBatch.LOG_OVERHEAD;
        run.putByte(third + 70, (byte)(run.getByte(third + 70) ^ 1));
        assertRefused(JournalStatus.CORRUPT_MESSAGE, run, run.capacity());
    }

    @Test
    void followerBatchesBehindTheLogEnd()
    {
        final UnsafeBuffer b = TestBatches.heap(TestBatches.batch(2, 10)); // base offset 0 < log end 3
        final long end = log.logEndOffset();
        assertEquals(JournalStatus.OFFSET_NOT_CONTIGUOUS, log.appendAsFollower(b, 0, b.capacity(), result));
        assertEquals(end, log.logEndOffset());
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, end, RecordBatch.BYTE_ORDER);
        assertEquals(JournalStatus.OK, log.appendAsFollower(b, 0, b.capacity(), result));
        assertEquals(end + 2, log.logEndOffset());
    }

    @Test
    void appendAfterCloseIsRefused()
    {
        final UnsafeBuffer b = TestBatches.heap(TestBatches.batch(1, 10));
        log.close();
        assertEquals(JournalStatus.CLOSED, log.appendAsLeader(b, 0, b.capacity(), 0, result));
    }

    private void assertRefused(final int expected, final UnsafeBuffer buffer, final int length)
    {
        final long end = log.logEndOffset();
        final byte[] before = readAll();
        assertEquals(JournalStatus.describe(expected),
            JournalStatus.describe(log.appendAsLeader(buffer, 0, length, 0, result)));
        assertEquals(end, log.logEndOffset());
        assertArrayEquals(before, readAll());

        final UnsafeBuffer next = TestBatches.heap(TestBatches.batch(1, 10));
        assertEquals(JournalStatus.OK, log.appendAsLeader(next, 0, next.capacity(), 0, result));
        assertEquals(end, result.firstOffset(), "the next good append continues at the old end");
    }

    private byte[] readAll()
    {
        final LogSlice slice = new LogSlice();
        assertEquals(JournalStatus.OK, log.slice(0, Integer.MAX_VALUE, log.logEndOffset(), slice));
        final byte[] bytes = new byte[slice.length()];
        slice.buffer().getBytes(0, bytes);
        return bytes;
    }

    private static UnsafeBuffer copy(final UnsafeBuffer b)
    {
        final byte[] bytes = new byte[b.capacity()];
        b.getBytes(0, bytes);
        return new UnsafeBuffer(bytes);
    }

    static void fixCrc(final UnsafeBuffer b)
    {
        final CRC32C crc = new CRC32C();
        crc.update(b.byteArray(), RecordBatch.CRC_COVERED_FROM, b.capacity() - RecordBatch.CRC_COVERED_FROM);
        b.putInt(RecordBatch.CRC_OFFSET, (int)crc.getValue(), RecordBatch.BYTE_ORDER);
    }
}
