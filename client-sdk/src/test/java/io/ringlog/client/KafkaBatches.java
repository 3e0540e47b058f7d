package io.ringlog.client;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches written by kafka-clients' own {@code MemoryRecordsBuilder}: what real Kafka producers and the broker put
 * in a log, for the native readers to be tested against. Record i of a batch built here has key "key-&lt;offset&gt;"
 * (null every 5th), value "value-&lt;offset&gt;" (null every 7th), header "h"="&lt;offset&gt;", and timestamp
 * {@code 1_000_000 + offset}.
 */
public final class KafkaBatches
{
    private KafkaBatches()
    {
    }

    /** One expected record. */
    public record Expected(long offset, long timestamp, String key, String value, String header)
    {
    }

    public static String key(final long offset)
    {
        return offset % 5 == 0 ? null : "key-" + offset;
    }

    public static String value(final long offset)
    {
        return offset % 7 == 0 ? null : "value-" + offset;
    }

    public static Expected expected(final long offset)
    {
        return new Expected(offset, 1_000_000 + offset, key(offset), value(offset), Long.toString(offset));
    }

    /** A batch of {@code count} records from {@code baseOffset}. */
    public static byte[] batch(final long baseOffset, final int count, final Compression compression)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(1024 + count * 128);
        final MemoryRecordsBuilder builder = MemoryRecords.builder(
            buffer, RecordBatch.CURRENT_MAGIC_VALUE, compression, TimestampType.CREATE_TIME, baseOffset);
        for (long o = baseOffset; o < baseOffset + count; o++)
        {
            builder.appendWithOffset(o, 1_000_000 + o, bytes(key(o)), bytes(value(o)),
                new Header[] {new RecordHeader("h", bytes(Long.toString(o)))});
        }
        return toArray(builder.build().buffer());
    }

    public static byte[] batch(final long baseOffset, final int count)
    {
        return batch(baseOffset, count, Compression.NONE);
    }

    /** A transaction marker (control batch) at {@code offset}. */
    public static byte[] commitMarker(final long offset)
    {
        return toArray(MemoryRecords.withEndTransactionMarker(offset, 1_000_000 + offset, 0, 42L, (short)1,
            new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer());
    }

    /** A batch whose records carry the broker's append time. */
    public static byte[] logAppendTimeBatch(final long baseOffset, final int count, final long appendTime)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(1024 + count * 128);
        final MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.CURRENT_MAGIC_VALUE,
            Compression.NONE, TimestampType.LOG_APPEND_TIME, baseOffset, appendTime);
        for (long o = baseOffset; o < baseOffset + count; o++)
        {
            builder.appendWithOffset(o, 5L, bytes("k" + o), bytes("v" + o));
        }
        return toArray(builder.build().buffer());
    }

    /** Batches back to back, as a log segment or a RecordsMessage holds them. */
    public static byte[] concat(final byte[]... batches)
    {
        int total = 0;
        for (final byte[] b : batches)
        {
            total += b.length;
        }
        final byte[] all = new byte[total];
        int at = 0;
        for (final byte[] b : batches)
        {
            System.arraycopy(b, 0, all, at, b.length);
            at += b.length;
        }
        return all;
    }

    public static List<Expected> expectedRange(final long from, final long to)
    {
        final List<Expected> list = new ArrayList<>();
        for (long o = from; o < to; o++)
        {
            list.add(expected(o));
        }
        return list;
    }

    public static byte[] bytes(final String s)
    {
        return null == s ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] toArray(final ByteBuffer b)
    {
        final byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return bytes;
    }
}
