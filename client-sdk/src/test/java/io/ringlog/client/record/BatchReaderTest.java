package io.ringlog.client.record;

import io.ringlog.client.KafkaBatches;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static io.ringlog.client.KafkaBatches.Expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flyweight record view reads batches written by kafka-clients' own builder, field for field. */
@Timeout(60)
class BatchReaderTest
{
    private final RecordView view = new RecordView();
    private final BatchReader reader = new BatchReader(view);
    private final List<Expected> seen = new ArrayList<>();
    private final RecordHandler collect = r ->
    {
        String header = null;
        final RecordView.HeaderCursor headers = r.headers();
        while (headers.next())
        {
            if (headers.keyEquals("h"))
            {
                header = new String(headers.valueBytes());
            }
        }
        seen.add(new Expected(r.offset(), r.timestamp(), r.keyAsString(), r.valueAsString(), header));
    };

    @Test
    void readsEveryFieldOfAKafkaBatch()
    {
        final UnsafeBuffer buffer = direct(KafkaBatches.batch(100, 50));
        reader.source("orders", 3);
        assertEquals(50, reader.read(buffer, 0, 0, Integer.MAX_VALUE, collect));
        assertTrue(reader.isComplete());
        assertEquals(150, reader.nextOffset());
        assertEquals(KafkaBatches.expectedRange(100, 150), seen);
        assertEquals("orders", view.topic());
        assertEquals(3, view.partition());
        assertEquals(RecordView.CREATE_TIME, view.timestampType());
    }

    @Test
    void nullKeysAndValuesAreMinusOneLengths()
    {
        final UnsafeBuffer buffer = direct(KafkaBatches.batch(0, 36));
        final List<long[]> lengths = new ArrayList<>();
        reader.read(buffer, 0, 0, 100, r -> lengths.add(new long[] {r.offset(), r.keyLength(), r.valueLength()}));
        for (final long[] l : lengths)
        {
            assertEquals(l[0] % 5 == 0 ? -1 : KafkaBatches.key(l[0]).length(), l[1]);
            assertEquals(l[0] % 7 == 0 ? -1 : KafkaBatches.value(l[0]).length(), l[2]);
        }
        assertEquals(36, lengths.size());
    }

    @Test
    void skipsRecordsBelowTheOffsetAskedFor()
    {
        final UnsafeBuffer buffer = direct(KafkaBatches.batch(1000, 20));
        assertEquals(7, reader.read(buffer, 0, 1013, Integer.MAX_VALUE, collect));
        assertEquals(KafkaBatches.expectedRange(1013, 1020), seen);
        assertEquals(1020, reader.nextOffset());

        seen.clear();
        assertEquals(0, reader.read(buffer, 0, 5000, Integer.MAX_VALUE, collect)); // wholly below: skipped
        assertTrue(reader.isComplete());
        assertEquals(5000, reader.nextOffset());
        assertTrue(seen.isEmpty());
    }

    @Test
    void stopsAtTheLimitAndResumesFromTheNextOffset()
    {
        final UnsafeBuffer buffer = direct(KafkaBatches.batch(0, 25));
        long from = 0;
        int calls = 0;
        do
        {
            final int n = reader.read(buffer, 0, from, 4, collect);
            assertTrue(n <= 4);
            from = reader.nextOffset();
            calls++;
        }
        while (!reader.isComplete());
        assertEquals(7, calls);
        assertEquals(KafkaBatches.expectedRange(0, 25), seen);

        seen.clear();
        assertEquals(0, reader.read(buffer, 0, 10, 0, collect));
        assertFalse(reader.isComplete());
        assertEquals(10, reader.nextOffset());
    }

    @Test
    void skipsControlBatches()
    {
        final byte[] log = KafkaBatches.concat(KafkaBatches.batch(0, 3), KafkaBatches.commitMarker(3),
            KafkaBatches.batch(4, 3));
        final UnsafeBuffer buffer = direct(log);
        long from = 0;
        int position = 0;
        while (position < log.length)
        {
            final int size = buffer.getInt(position + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) + 12;
            reader.read(buffer, position, from, Integer.MAX_VALUE, collect);
            assertTrue(reader.isComplete());
            from = reader.nextOffset();
            position += size;
        }
        assertEquals(7, from);
        final List<Expected> expected = KafkaBatches.expectedRange(0, 3);
        expected.addAll(KafkaBatches.expectedRange(4, 7));
        assertEquals(expected, seen);
    }

    @Test
    void logAppendTimeRecordsCarryTheBatchTime()
    {
        final UnsafeBuffer buffer = direct(KafkaBatches.logAppendTimeBatch(10, 3, 777_000L));
        final List<long[]> times = new ArrayList<>();
        reader.read(buffer, 0, 0, 10, r -> times.add(new long[] {r.timestamp(), r.timestampType()}));
        assertEquals(3, times.size());
        for (final long[] t : times)
        {
            assertEquals(777_000L, t[0]);
            assertEquals(RecordView.LOG_APPEND_TIME, t[1]);
        }
    }

    @Test
    void compressedBatchesAreRefusedNamingTheCodec()
    {
        final Object[][] codecs = {
            {Compression.gzip().build(), "gzip"}, {Compression.lz4().build(), "lz4"},
            {Compression.snappy().build(), "snappy"}, {Compression.zstd().build(), "zstd"}};
        for (final Object[] c : codecs)
        {
            final UnsafeBuffer buffer = direct(KafkaBatches.batch(0, 10, (Compression)c[0]));
            assertEquals(BatchReader.UNSUPPORTED_COMPRESSION, reader.read(buffer, 0, 0, 100, collect));
            assertEquals(c[1], reader.compressionCodec());
        }
        assertTrue(seen.isEmpty());
    }

    @Test
    void aRecordRunningPastItsBatchIsCorrupt()
    {
        final byte[] batch = KafkaBatches.batch(0, 5);
        final UnsafeBuffer buffer = new UnsafeBuffer(batch.clone());
        buffer.putByte(RecordBatch.RECORDS_OFFSET, (byte)0x7e); // first record's length: 63, past the batch
        final int size = buffer.getInt(RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) + 12;
        final UnsafeBuffer cut = new UnsafeBuffer(new byte[RecordBatch.RECORDS_OFFSET + 40]);
        cut.putBytes(0, buffer, 0, cut.capacity());
        cut.putInt(RecordBatch.BATCH_LENGTH_OFFSET, cut.capacity() - 12, RecordBatch.BYTE_ORDER);
        assertTrue(size > cut.capacity());
        assertEquals(BatchReader.CORRUPT_BATCH, reader.read(cut, 0, 0, 100, collect));
    }

    private static UnsafeBuffer direct(final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length + 16));
        buffer.putBytes(0, bytes);
        return buffer;
    }
}
