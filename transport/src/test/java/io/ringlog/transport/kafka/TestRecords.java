package io.ringlog.transport.kafka;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Record batches built by kafka-clients itself (RecordBatch v2), for tests that need real records.
 */
public final class TestRecords
{
    private TestRecords()
    {
    }

    /**
     * @param baseOffset offset of the first record.
     * @param count      records in the single batch.
     * @param prefix     value prefix; values are prefix-0, prefix-1, ...
     * @return one uncompressed batch.
     */
    public static MemoryRecords batch(final long baseOffset, final int count, final String prefix)
    {
        final SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++)
        {
            records[i] = new SimpleRecord(
                1_700_000_000_000L + i,
                ("key-" + i).getBytes(StandardCharsets.UTF_8),
                (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(baseOffset, Compression.NONE, records);
    }

    /**
     * @param buffer read from position to limit, not consumed.
     * @return the bytes.
     */
    public static byte[] bytes(final ByteBuffer buffer)
    {
        final ByteBuffer copy = buffer.duplicate();
        final byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
