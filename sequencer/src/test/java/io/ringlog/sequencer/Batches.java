package io.ringlog.sequencer;

import io.ringlog.journal.batch.Crc32cChecksum;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * RecordBatch v2 bytes built by Kafka's own {@code MemoryRecordsBuilder}, as real producers send them, in off-heap
 * buffers as the network hands them over.
 */
final class Batches
{
    static final long NO_PRODUCER = -1L;

    private Batches()
    {
    }

    /** A plain (not idempotent) batch of {@code count} records; {@code baseTimestamp} tells batches apart. */
    static UnsafeBuffer plain(final int count, final int valueSize, final long baseTimestamp)
    {
        return direct(build(NO_PRODUCER, (short)-1, -1, count, valueSize, baseTimestamp));
    }

    /** An idempotent batch: producer id, epoch, first sequence, {@code count} records. */
    static UnsafeBuffer idempotent(final long producerId, final int epoch, final int baseSequence, final int count)
    {
        return direct(build(producerId, (short)epoch, baseSequence, count, 16, 1_000L));
    }

    static ByteBuffer build(
        final long producerId,
        final short epoch,
        final int baseSequence,
        final int count,
        final int valueSize,
        final long baseTimestamp)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(Math.max(1024, count * (valueSize + 64) + 256));
        final MemoryRecordsBuilder builder = MemoryRecords.builder(
            buffer, (byte)2, Compression.NONE, TimestampType.CREATE_TIME, 0L, -1L, producerId, epoch, baseSequence);
        for (int i = 0; i < count; i++)
        {
            final byte[] value = new byte[valueSize];
            final byte[] text = ("value-" + i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(text, 0, value, 0, Math.min(text.length, valueSize));
            builder.append(baseTimestamp + i, ("key-" + i).getBytes(StandardCharsets.UTF_8), value);
        }
        return builder.build().buffer();
    }

    /** Batches back to back in one buffer, as one produce request carries them. */
    static UnsafeBuffer concat(final UnsafeBuffer... parts)
    {
        int total = 0;
        for (final UnsafeBuffer part : parts)
        {
            total += part.capacity();
        }
        final UnsafeBuffer all = new UnsafeBuffer(ByteBuffer.allocateDirect(total));
        int at = 0;
        for (final UnsafeBuffer part : parts)
        {
            all.putBytes(at, part, 0, part.capacity());
            at += part.capacity();
        }
        return all;
    }

    /** A copy with one record byte flipped, so its CRC no longer matches. */
    static UnsafeBuffer corrupt(final UnsafeBuffer batch)
    {
        final UnsafeBuffer copy = concat(batch);
        final int at = copy.capacity() - 2;
        copy.putByte(at, (byte)(copy.getByte(at) ^ 0x5A));
        return copy;
    }

    static UnsafeBuffer direct(final ByteBuffer bytes)
    {
        final ByteBuffer copy = ByteBuffer.allocateDirect(bytes.remaining());
        copy.put(bytes.duplicate()).flip();
        return new UnsafeBuffer(copy);
    }

    /**
     * Rewrite a single batch's base sequence in place and recompute its CRC32C: a fresh idempotent batch without
     * building one. Allocation-free; not thread-safe (one checksum per caller).
     */
    static void resequence(final UnsafeBuffer batch, final int baseSequence, final Crc32cChecksum crc)
    {
        batch.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence, RecordBatch.BYTE_ORDER);
        final int covered = batch.capacity() - RecordBatch.CRC_COVERED_FROM;
        batch.putInt(RecordBatch.CRC_OFFSET, crc.compute(batch, RecordBatch.CRC_COVERED_FROM, covered), RecordBatch.BYTE_ORDER);
    }

    static long baseTimestamp(final UnsafeBuffer batch)
    {
        return new RecordBatch().wrap(batch, 0).baseTimestamp();
    }
}
