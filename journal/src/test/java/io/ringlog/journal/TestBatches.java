package io.ringlog.journal;

import io.ringlog.journal.batch.BatchDecompressor;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.utils.internals.BufferSupplier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Batches built by Kafka's own {@code MemoryRecordsBuilder}, so the journal is tested against the bytes real
 * producers send, and Kafka's own codecs for the records of compressed batches.
 */
final class TestBatches
{
    private TestBatches()
    {
    }

    /**
     * One RecordBatch v2 of {@code count} records with values "value-i" padded to {@code valueSize} bytes and keys
     * "key-i"; record i has timestamp {@code baseTimestamp + i}.
     */
    static ByteBuffer batch(final Compression compression, final long baseTimestamp, final int count, final int valueSize)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(Math.max(1024, count * (valueSize + 64) + 256));
        final MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, compression, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++)
        {
            builder.append(baseTimestamp + i, ("key-" + i).getBytes(StandardCharsets.UTF_8), value(i, valueSize));
        }
        return builder.build().buffer();
    }

    static ByteBuffer batch(final int count, final int valueSize)
    {
        return batch(Compression.NONE, 1_000L, count, valueSize);
    }

    /** A run of {@code batches} batches, back to back, as one produce request carries them. */
    static ByteBuffer run(final int batches, final int recordsPerBatch, final int valueSize)
    {
        final ByteBuffer[] parts = new ByteBuffer[batches];
        int total = 0;
        for (int b = 0; b < batches; b++)
        {
            parts[b] = batch(Compression.NONE, 1_000L + b * 100L, recordsPerBatch, valueSize);
            total += parts[b].remaining();
        }
        final ByteBuffer all = ByteBuffer.allocate(total);
        for (final ByteBuffer part : parts)
        {
            all.put(part);
        }
        return all.flip();
    }

    static byte[] value(final int i, final int valueSize)
    {
        final byte[] v = new byte[valueSize];
        final byte[] text = ("value-" + i).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, v, 0, Math.min(text.length, valueSize));
        return v;
    }

    /** The bytes of {@code buffer} (position to limit) in an off-heap buffer, as the network hands them over. */
    static UnsafeBuffer direct(final ByteBuffer buffer)
    {
        final ByteBuffer copy = ByteBuffer.allocateDirect(buffer.remaining());
        copy.put(buffer.duplicate()).flip();
        return new UnsafeBuffer(copy);
    }

    /** The bytes of {@code buffer} (position to limit) in an on-heap buffer. */
    static UnsafeBuffer heap(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new UnsafeBuffer(bytes);
    }

    static int append(final PartitionLog log, final DirectBuffer buffer, final int epoch)
    {
        return log.appendAsLeader(buffer, 0, buffer.capacity(), epoch, new AppendResult());
    }

    static int append(final PartitionLog log, final ByteBuffer batch, final int epoch)
    {
        final UnsafeBuffer direct = direct(batch);
        return log.appendAsLeader(direct, 0, direct.capacity(), epoch, new AppendResult());
    }

    /** Kafka's codecs, for the records of compressed batches. */
    static final BatchDecompressor KAFKA_DECOMPRESSOR = (batch, out) ->
    {
        final byte[] compressed = new byte[batch.sizeInBytes() - RecordBatch.RECORDS_OFFSET];
        batch.buffer().getBytes(batch.offset() + RecordBatch.RECORDS_OFFSET, compressed);
        final Compression compression = Compression.of(CompressionType.forId(batch.compressionType())).build();
        try (InputStream in = compression.wrapForInput(ByteBuffer.wrap(compressed), (byte)2, BufferSupplier.NO_CACHING))
        {
            final byte[] chunk = new byte[8192];
            int length = 0;
            for (int n; (n = in.read(chunk)) > 0; )
            {
                out.putBytes(length, chunk, 0, n);
                length += n;
            }
            return length;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    };

}
