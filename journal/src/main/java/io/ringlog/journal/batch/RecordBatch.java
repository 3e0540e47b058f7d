package io.ringlog.journal.batch;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over the header of a Kafka RecordBatch v2 (magic 2), the one record format Ringlog keeps from producer
 * to disk to consumer. All fields are big-endian, as on Kafka's wire and in its {@code .log} files.
 *
 * <pre>
 *   0  baseOffset            int64   assigned by the leader (outside the CRC)
 *   8  batchLength           int32   bytes after this field, so a batch is batchLength + 12 bytes
 *  12  partitionLeaderEpoch  int32   stamped by the leader (outside the CRC)
 *  16  magic                 int8    2
 *  17  crc                   uint32  CRC32C of bytes [21, end)
 *  21  attributes            int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records ...
 * </pre>
 * <p>
 * Not thread-safe: one flyweight per thread. {@link #wrap} does not check anything; {@link BatchValidator} does.
 */
public final class RecordBatch
{
    public static final ByteOrder BYTE_ORDER = ByteOrder.BIG_ENDIAN;

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BATCH_LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = 61;

    /** Size of the header, and so the smallest possible batch. */
    public static final int HEADER_LENGTH = RECORDS_OFFSET;
    /** The fields before {@code batchLength} and itself: a batch's size is {@code batchLength + LOG_OVERHEAD}. */
    public static final int LOG_OVERHEAD = BATCH_LENGTH_OFFSET + 4;
    /** The CRC covers the bytes from the attributes to the end of the batch. */
    public static final int CRC_COVERED_FROM = ATTRIBUTES_OFFSET;

    public static final byte MAGIC_V2 = 2;
    public static final int COMPRESSION_CODEC_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    public static final int CONTROL_FLAG_MASK = 0x20;

    /** Kafka's "no timestamp" and "no producer" values. */
    public static final long NO_TIMESTAMP = -1L;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;

    private DirectBuffer buffer;
    private int offset;

    /**
     * Point this flyweight at a batch.
     *
     * @param buffer holding the batch.
     * @param offset of the batch's first byte in the buffer.
     * @return this, for chaining.
     */
    public RecordBatch wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public long baseOffset()
    {
        return buffer.getLong(offset + BASE_OFFSET_OFFSET, BYTE_ORDER);
    }

    public int batchLength()
    {
        return buffer.getInt(offset + BATCH_LENGTH_OFFSET, BYTE_ORDER);
    }

    /** The whole batch in bytes, header included. */
    public int sizeInBytes()
    {
        return batchLength() + LOG_OVERHEAD;
    }

    public int partitionLeaderEpoch()
    {
        return buffer.getInt(offset + PARTITION_LEADER_EPOCH_OFFSET, BYTE_ORDER);
    }

    public byte magic()
    {
        return buffer.getByte(offset + MAGIC_OFFSET);
    }

    /** The stored CRC32C, as an unsigned 32-bit value. */
    public long crc()
    {
        return buffer.getInt(offset + CRC_OFFSET, BYTE_ORDER) & 0xFFFF_FFFFL;
    }

    public short attributes()
    {
        return buffer.getShort(offset + ATTRIBUTES_OFFSET, BYTE_ORDER);
    }

    /** Kafka's compression type id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
    public int compressionType()
    {
        return attributes() & COMPRESSION_CODEC_MASK;
    }

    public boolean isCompressed()
    {
        return compressionType() != 0;
    }

    public boolean isControl()
    {
        return (attributes() & CONTROL_FLAG_MASK) != 0;
    }

    public boolean isTransactional()
    {
        return (attributes() & TRANSACTIONAL_FLAG_MASK) != 0;
    }

    public int lastOffsetDelta()
    {
        return buffer.getInt(offset + LAST_OFFSET_DELTA_OFFSET, BYTE_ORDER);
    }

    public long lastOffset()
    {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset after this batch. */
    public long nextOffset()
    {
        return lastOffset() + 1;
    }

    public long baseTimestamp()
    {
        return buffer.getLong(offset + BASE_TIMESTAMP_OFFSET, BYTE_ORDER);
    }

    public long maxTimestamp()
    {
        return buffer.getLong(offset + MAX_TIMESTAMP_OFFSET, BYTE_ORDER);
    }

    public long producerId()
    {
        return buffer.getLong(offset + PRODUCER_ID_OFFSET, BYTE_ORDER);
    }

    public short producerEpoch()
    {
        return buffer.getShort(offset + PRODUCER_EPOCH_OFFSET, BYTE_ORDER);
    }

    public int baseSequence()
    {
        return buffer.getInt(offset + BASE_SEQUENCE_OFFSET, BYTE_ORDER);
    }

    public int recordCount()
    {
        return buffer.getInt(offset + RECORD_COUNT_OFFSET, BYTE_ORDER);
    }

    /**
     * Patch the two fields that lie outside the CRC. The only bytes the broker ever changes in a batch.
     *
     * @param buffer      holding the batch, writable.
     * @param offset      of the batch in the buffer.
     * @param baseOffset  the batch's first offset in the partition.
     * @param leaderEpoch the epoch of the leader that appended it.
     */
    public static void stamp(final MutableDirectBuffer buffer, final int offset, final long baseOffset, final int leaderEpoch)
    {
        buffer.putLong(offset + BASE_OFFSET_OFFSET, baseOffset, BYTE_ORDER);
        buffer.putInt(offset + PARTITION_LEADER_EPOCH_OFFSET, leaderEpoch, BYTE_ORDER);
    }
}
