package io.ringlog.broker.kafka;

import io.ringlog.journal.batch.BatchDecompressor;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.ExpandableArrayBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.utils.internals.BufferSupplier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Kafka's own codecs (gzip, snappy, lz4, zstd), for the journal's look-ups that read inside compressed batches
 * (ListOffsets by timestamp). Cold path: allocates. Stateless; any thread.
 */
public final class KafkaBatchDecompressor implements BatchDecompressor
{
    public static final KafkaBatchDecompressor INSTANCE = new KafkaBatchDecompressor();

    private KafkaBatchDecompressor()
    {
    }

    @Override
    public int decompress(final RecordBatch batch, final ExpandableArrayBuffer out)
    {
        final byte[] compressed = new byte[batch.sizeInBytes() - RecordBatch.RECORDS_OFFSET];
        batch.buffer().getBytes(batch.offset() + RecordBatch.RECORDS_OFFSET, compressed);
        final Compression compression = Compression.of(CompressionType.forId(batch.compressionType())).build();
        try (InputStream in = compression.wrapForInput(
            ByteBuffer.wrap(compressed), RecordBatch.MAGIC_V2, BufferSupplier.NO_CACHING))
        {
            final byte[] chunk = new byte[16 * 1024];
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
            throw new UncheckedIOException("cannot decompress a " + CompressionType.forId(batch.compressionType()) +
                " batch at offset " + batch.baseOffset(), ex);
        }
    }
}
