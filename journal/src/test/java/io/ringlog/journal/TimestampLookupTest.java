package io.ringlog.journal;

import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ListOffsets by time: the first record at or after a timestamp (to the record, also inside compressed batches),
 * the record with the largest timestamp, nothing past the newest record, and nothing below the log start.
 */
@Timeout(30)
class TimestampLookupTest
{
    @TempDir
    Path dir;

    @Test
    void firstRecordAtOrAfterATimestampAcrossSegmentsAndReopen() throws Exception
    {
        // Batch b holds 10 records at timestamps 1000*b + 0..9.
        final LogConfig config = LogConfig.builder().segmentBytes(4096).indexIntervalBytes(512).build();
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, config))
        {
            for (int b = 0; b < 30; b++)
            {
                assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(Compression.NONE, 1000L * b, 10, 30), 0));
            }
            assertTrue(log.segmentBaseOffsets().length > 3);
            checkLookups(log);
        }
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, config))
        {
            checkLookups(log);
        }
    }

    private static void checkLookups(final PartitionLog log)
    {
        assertEquals(new TimestampOffset(0, 0, 0), log.offsetForTimestamp(-5, null).orElseThrow());
        assertEquals(new TimestampOffset(5000, 50, 0), log.offsetForTimestamp(5000, null).orElseThrow());
        assertEquals(new TimestampOffset(5004, 54, 0), log.offsetForTimestamp(5004, null).orElseThrow());
        assertEquals(new TimestampOffset(6000, 60, 0), log.offsetForTimestamp(5010, null).orElseThrow());
        assertEquals(new TimestampOffset(29009, 299, 0), log.offsetForTimestamp(29009, null).orElseThrow());
        assertTrue(log.offsetForTimestamp(29010, null).isEmpty());
        assertEquals(new TimestampOffset(29009, 299, 0), log.maxTimestamp(null).orElseThrow());
    }

    @Test
    void insideCompressedBatchesWithKafkasCodecs() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, LogConfig.defaults()))
        {
            for (int b = 0; b < 5; b++)
            {
                TestBatches.append(log, TestBatches.batch(Compression.zstd().build(), 1000L * b, 10, 30), 3);
            }
            assertEquals(new TimestampOffset(2007, 27, 3), log.offsetForTimestamp(2007, TestBatches.KAFKA_DECOMPRESSOR).orElseThrow());
            assertEquals(new TimestampOffset(4009, 49, 3), log.maxTimestamp(TestBatches.KAFKA_DECOMPRESSOR).orElseThrow());
        }
    }

    @Test
    void notBelowTheLogStart() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, LogConfig.defaults()))
        {
            for (int b = 0; b < 3; b++)
            {
                TestBatches.append(log, TestBatches.batch(Compression.NONE, 1000L * b, 10, 30), 0);
            }
            assertEquals(JournalStatus.OK, log.deleteRecordsBefore(14));
            assertEquals(14, log.offsetForTimestamp(0, null).orElseThrow().offset());
            assertEquals(1004, log.offsetForTimestamp(0, null).orElseThrow().timestamp());
        }
    }

    @Test
    void emptyLogHasNoTimestamps() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, LogConfig.defaults()))
        {
            assertTrue(log.offsetForTimestamp(0, null).isEmpty());
            assertTrue(log.maxTimestamp(null).isEmpty());
        }
    }
}
