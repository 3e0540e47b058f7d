package io.ringlog.replication.data;

import io.ringlog.journal.batch.RecordBatch;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * A tiny Kafka RecordBatch v2 writer for the replication simulation: uncompressed, no producer id, no headers, one
 * batch of {@code values.length} records with offsets and timestamps relative to the batch. The journal validates
 * it (magic, lengths, record count, CRC32C) exactly as a producer's; base offset and leader epoch are stamped by the
 * journal. The journal's tests build batches with kafka-clients' {@code MemoryRecordsBuilder}; replication has no
 * kafka-clients on its class path, so this mirrors the format by hand.
 */
final class SimBatches
{
    private SimBatches()
    {
    }

    /** One batch holding {@code values}, timestamped from {@code timestamp}. */
    static UnsafeBuffer batch(final long timestamp, final String... values)
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
        int at = RecordBatch.RECORDS_OFFSET;
        for (int i = 0; i < values.length; i++)
        {
            final byte[] value = values[i].getBytes(StandardCharsets.UTF_8);
            final ExpandableArrayBuffer body = new ExpandableArrayBuffer(64);
            int r = 0;
            body.putByte(r++, (byte)0);            // attributes
            r = putVarlong(body, r, i);            // timestamp delta
            r = putVarint(body, r, i);             // offset delta
            r = putVarint(body, r, -1);            // key: null
            r = putVarint(body, r, value.length);  // value
            body.putBytes(r, value);
            r += value.length;
            r = putVarint(body, r, 0);             // no headers
            at = putVarint(b, at, r);
            b.putBytes(at, body, 0, r);
            at += r;
        }
        final java.nio.ByteOrder order = RecordBatch.BYTE_ORDER;
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L, order);
        b.putInt(RecordBatch.BATCH_LENGTH_OFFSET, at - RecordBatch.LOG_OVERHEAD, order);
        b.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, RecordBatch.NO_PARTITION_LEADER_EPOCH, order);
        b.putByte(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC_V2);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short)0, order);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, values.length - 1, order);
        b.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, timestamp, order);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, timestamp + values.length - 1, order);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, -1L, order);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, (short)-1, order);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, -1, order);
        b.putInt(RecordBatch.RECORD_COUNT_OFFSET, values.length, order);
        final CRC32C crc = new CRC32C();
        crc.update(b.byteArray(), RecordBatch.CRC_COVERED_FROM, at - RecordBatch.CRC_COVERED_FROM);
        b.putInt(RecordBatch.CRC_OFFSET, (int)crc.getValue(), order);
        final byte[] bytes = new byte[at];
        b.getBytes(0, bytes);
        return new UnsafeBuffer(bytes);
    }

    /** The CRC field of the batch at {@code offset}: with base offset, epoch and length it names the batch's bytes. */
    static int crc(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + RecordBatch.CRC_OFFSET, RecordBatch.BYTE_ORDER);
    }

    private static int putVarint(final ExpandableArrayBuffer b, final int at, final int value)
    {
        return putUnsigned(b, at, ((long)((value << 1) ^ (value >> 31))) & 0xFFFF_FFFFL);
    }

    private static int putVarlong(final ExpandableArrayBuffer b, final int at, final long value)
    {
        return putUnsigned(b, at, (value << 1) ^ (value >> 63));
    }

    private static int putUnsigned(final ExpandableArrayBuffer b, final int at, final long zigzag)
    {
        long v = zigzag;
        int i = at;
        while ((v & ~0x7FL) != 0)
        {
            b.putByte(i++, (byte)((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        b.putByte(i++, (byte)v);
        return i;
    }
}
