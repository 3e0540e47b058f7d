package io.ringlog.client.producer;

import io.ringlog.journal.batch.Crc32cChecksum;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static io.ringlog.journal.batch.Varints.putVarint;
import static io.ringlog.journal.batch.Varints.putVarlong;
import static io.ringlog.journal.batch.Varints.sizeOfVarint;
import static io.ringlog.journal.batch.Varints.sizeOfVarlong;
import static io.ringlog.journal.batch.RecordBatch.BYTE_ORDER;

/**
 * Builds one Kafka RecordBatch v2 in place, in a caller's buffer, record by record, with no allocation and no
 * intermediate copy: each record is sized first (its length prefix is a varint, so its size must be known before
 * it is written), then written once at its final position. {@link #seal} writes the 61-byte header in front of the
 * records (offsets, timestamps, producer id, epoch, base sequence, count) and the CRC32C over attributes..end.
 * <p>
 * The batch is uncompressed, has CreateTime timestamps, and is not transactional. {@code baseOffset} is 0 and
 * {@code partitionLeaderEpoch} -1: the broker stamps both (they lie outside the CRC). The batch's base timestamp is
 * its first record's, and every record stores its delta from it (negative when a later record is older).
 * <p>
 * Not thread-safe: one builder per batch buffer.
 */
public final class RecordBatchBuilder
{
    /** {@link #append} result: the record was written. */
    public static final int OK = 0;
    /** {@link #append} result: the record does not fit in what is left of the buffer; nothing was written. */
    public static final int FULL = -1;

    /** Kafka's "no producer" values, for a batch from a producer without idempotence. */
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;

    private MutableDirectBuffer buffer;
    private int start;
    private int limit;
    private int position;
    private int count;
    private long baseTimestamp;
    private long maxTimestamp;

    /**
     * Start an empty batch at {@code offset}.
     *
     * @param capacity bytes the whole batch may take, header included.
     */
    public RecordBatchBuilder wrap(final MutableDirectBuffer buffer, final int offset, final int capacity)
    {
        if (capacity < RecordBatch.HEADER_LENGTH)
        {
            throw new IllegalArgumentException("capacity " + capacity + " is below the batch header");
        }
        this.buffer = buffer;
        this.start = offset;
        this.limit = offset + capacity;
        reset();
        return this;
    }

    /** Empty the batch, keeping the buffer. */
    public void reset()
    {
        position = start + RecordBatch.RECORDS_OFFSET;
        count = 0;
        baseTimestamp = RecordBatch.NO_TIMESTAMP;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
    }

    public boolean isEmpty()
    {
        return count == 0;
    }

    public int recordCount()
    {
        return count;
    }

    /** Bytes of the batch so far, header included. */
    public int sizeInBytes()
    {
        return position - start;
    }

    /** Bytes left for records. */
    public int remaining()
    {
        return limit - position;
    }

    public long baseTimestamp()
    {
        return baseTimestamp;
    }

    public long maxTimestamp()
    {
        return maxTimestamp;
    }

    /**
     * The bytes a record takes, its length prefix included.
     *
     * @param keyLength   -1 for a null key.
     * @param valueLength -1 for a null value.
     * @param headers     null for none.
     */
    public static int sizeOfRecord(
        final long timestampDelta,
        final int offsetDelta,
        final int keyLength,
        final int valueLength,
        final RecordHeaders headers)
    {
        final int body = bodySize(timestampDelta, offsetDelta, keyLength, valueLength, headers);
        return sizeOfVarint(body) + body;
    }

    /** The largest size a record can have in an otherwise empty batch of {@code capacity} bytes. */
    public static int maxRecordSize(final int capacity)
    {
        return capacity - RecordBatch.HEADER_LENGTH;
    }

    private static int bodySize(
        final long timestampDelta,
        final int offsetDelta,
        final int keyLength,
        final int valueLength,
        final RecordHeaders headers)
    {
        return 1 + // attributes
            sizeOfVarlong(timestampDelta) +
            sizeOfVarint(offsetDelta) +
            sizeOfVarint(keyLength) + Math.max(0, keyLength) +
            sizeOfVarint(valueLength) + Math.max(0, valueLength) +
            (null == headers ? 1 : headers.encodedLength());
    }

    /**
     * Append a record.
     *
     * @param timestamp   create time, ms since the epoch.
     * @param key         null (or {@code keyLength} -1) for a null key.
     * @param value       null (or {@code valueLength} -1) for a null value.
     * @param headers     null for none.
     * @return {@link #OK}, or {@link #FULL} when it does not fit (nothing written).
     */
    public int append(
        final long timestamp,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final RecordHeaders headers)
    {
        final int kLength = null == key ? -1 : keyLength;
        final int vLength = null == value ? -1 : valueLength;
        final long base = count == 0 ? timestamp : baseTimestamp;
        final long timestampDelta = timestamp - base;
        final int body = bodySize(timestampDelta, count, kLength, vLength, headers);
        if (sizeOfVarint(body) + body > limit - position)
        {
            return FULL;
        }

        final MutableDirectBuffer b = buffer;
        int i = putVarint(b, position, body);
        b.putByte(i++, (byte)0);
        i = putVarlong(b, i, timestampDelta);
        i = putVarint(b, i, count);
        i = putVarint(b, i, kLength);
        if (kLength > 0)
        {
            b.putBytes(i, key, keyOffset, kLength);
            i += kLength;
        }
        i = putVarint(b, i, vLength);
        if (vLength > 0)
        {
            b.putBytes(i, value, valueOffset, vLength);
            i += vLength;
        }
        i = null == headers ? putVarint(b, i, 0) : headers.writeTo(b, i);
        position = i;

        if (count == 0)
        {
            baseTimestamp = timestamp;
            maxTimestamp = timestamp;
        }
        else if (timestamp > maxTimestamp)
        {
            maxTimestamp = timestamp;
        }
        count++;
        return OK;
    }

    /**
     * Write the header and the CRC. The batch can then be sent; appending to it again is not allowed until
     * {@link #reset()}.
     *
     * @return the batch's size in bytes.
     */
    public int seal(
        final long producerId, final short producerEpoch, final int baseSequence, final Crc32cChecksum crc)
    {
        if (count == 0)
        {
            throw new IllegalStateException("an empty batch cannot be sealed");
        }
        final MutableDirectBuffer b = buffer;
        final int s = start;
        final int size = position - s;
        b.putLong(s + RecordBatch.BASE_OFFSET_OFFSET, 0L, BYTE_ORDER);
        b.putInt(s + RecordBatch.BATCH_LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD, BYTE_ORDER);
        b.putInt(s + RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, RecordBatch.NO_PARTITION_LEADER_EPOCH, BYTE_ORDER);
        b.putByte(s + RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC_V2);
        b.putShort(s + RecordBatch.ATTRIBUTES_OFFSET, (short)0, BYTE_ORDER);
        b.putInt(s + RecordBatch.LAST_OFFSET_DELTA_OFFSET, count - 1, BYTE_ORDER);
        b.putLong(s + RecordBatch.BASE_TIMESTAMP_OFFSET, baseTimestamp, BYTE_ORDER);
        b.putLong(s + RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp, BYTE_ORDER);
        b.putInt(s + RecordBatch.RECORD_COUNT_OFFSET, count, BYTE_ORDER);
        restamp(b, s, size, producerId, producerEpoch, baseSequence, crc);
        return size;
    }

    /**
     * Write a sealed batch's producer id, epoch and base sequence again and recompute its CRC: after the producer
     * got a new id, or its sequences were renumbered around a batch that failed.
     */
    public static void restamp(
        final MutableDirectBuffer buffer,
        final int offset,
        final int size,
        final long producerId,
        final short producerEpoch,
        final int baseSequence,
        final Crc32cChecksum crc)
    {
        buffer.putLong(offset + RecordBatch.PRODUCER_ID_OFFSET, producerId, BYTE_ORDER);
        buffer.putShort(offset + RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch, BYTE_ORDER);
        buffer.putInt(offset + RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence, BYTE_ORDER);
        final int checksum = crc.compute(buffer, offset + RecordBatch.CRC_COVERED_FROM, size - RecordBatch.CRC_COVERED_FROM);
        buffer.putInt(offset + RecordBatch.CRC_OFFSET, checksum, BYTE_ORDER);
    }

    /**
     * Kafka's sequence arithmetic: sequences run from 0 to {@code Integer.MAX_VALUE} and wrap to 0
     * ({@code DefaultRecordBatch.incrementSequence}).
     */
    public static int incrementSequence(final int sequence, final int increment)
    {
        if (sequence > Integer.MAX_VALUE - increment)
        {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }
}
