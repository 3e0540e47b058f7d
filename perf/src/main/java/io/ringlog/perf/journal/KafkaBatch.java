package io.ringlog.perf.journal;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * One uncompressed Kafka RecordBatch v2, built once by kafka-clients' own builder and copied
 * off-heap, so every benchmark appends the same bytes a real producer would send.
 * <p>
 * The only class in {@code perf} that touches kafka-clients' record classes: they moved
 * package in 4.3 ({@code org.apache.kafka.common.record.internal}), so they stay behind this
 * one adapter. Immutable after construction; set-up only, never on a measured path.
 *
 * @param buffer      the batch at index 0, in a 64-byte aligned direct buffer.
 * @param length      the batch's size in bytes (its 12-byte log overhead included).
 * @param recordCount the records in the batch.
 */
public record KafkaBatch(UnsafeBuffer buffer, int length, int recordCount)
{
    /** Offset of the batch's record count in a v2 batch header. */
    public static final int RECORD_COUNT_OFFSET = 57;
    /** Offset of the batch length (bytes after this field) in a v2 batch header. */
    public static final int LENGTH_OFFSET = 8;
    /** Offset of the magic byte in a v2 batch header. */
    public static final int MAGIC_OFFSET = 16;
    /** Base offset and batch length precede the part counted by the batch length. */
    public static final int LOG_OVERHEAD = 12;

    private static final int ALIGNMENT = 64;
    private static final long VALUE_SEED = 0x5EED_0F_BA7C4L;

    /**
     * Build a batch of {@code recordCount} records with no key and a random value of
     * {@code valueSize} bytes each, timestamped now.
     *
     * @param recordCount records per batch, at least 1.
     * @param valueSize   bytes per record value.
     * @return the batch, off-heap.
     */
    public static KafkaBatch build(final int recordCount, final int valueSize)
    {
        if (recordCount < 1 || valueSize < 0)
        {
            throw new IllegalArgumentException("recordCount=" + recordCount + " valueSize=" + valueSize);
        }

        final ByteBuffer heap = ByteBuffer.allocate(DefaultRecordBatch.RECORD_BATCH_OVERHEAD + recordCount * (valueSize + 32));
        final long now = System.currentTimeMillis();
        final SplittableRandom random = new SplittableRandom(VALUE_SEED);
        try (MemoryRecordsBuilder builder = MemoryRecords.builder(
            heap, RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, 0L))
        {
            for (int i = 0; i < recordCount; i++)
            {
                final byte[] value = new byte[valueSize];
                random.nextBytes(value);
                builder.append(now + i, null, value);
            }
            final ByteBuffer bytes = builder.build().buffer();
            final int length = bytes.remaining();
            final UnsafeBuffer offHeap = new UnsafeBuffer(BufferUtil.allocateDirectAligned(length, ALIGNMENT));
            offHeap.putBytes(0, bytes, bytes.position(), length);

            return new KafkaBatch(offHeap, length, recordCount);
        }
    }
}
