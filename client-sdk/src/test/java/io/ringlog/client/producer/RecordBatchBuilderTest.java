package io.ringlog.client.producer;

import io.ringlog.journal.batch.Crc32cChecksum;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.DefaultRecord;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches built by {@link RecordBatchBuilder} are read by kafka-clients' own record classes: the CRC checks, and
 * every header and record field (offsets, timestamps, keys, values, headers, nulls, producer id, epoch, sequence)
 * equals what was appended.
 */
@Timeout(60)
class RecordBatchBuilderTest
{
    private final Crc32cChecksum crc = new Crc32cChecksum();

    /** One record as appended, and as expected back from Kafka. */
    private record Sent(long timestamp, byte[] key, byte[] value, Header[] headers)
    {
    }

    @Test
    void kafkaReadsEveryFieldOfRandomBatches()
    {
        final Random random = new Random(42);
        for (int round = 0; round < 200; round++)
        {
            final int capacity = 64 + random.nextInt(64 * 1024);
            final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + 100));
            final RecordBatchBuilder builder = new RecordBatchBuilder().wrap(buffer, 100, capacity);
            final List<Sent> sent = new ArrayList<>();
            final long base = 1_700_000_000_000L + random.nextInt(1_000_000);
            final RecordHeaders headers = new RecordHeaders();
            while (true)
            {
                final byte[] key = random.nextInt(5) == 0 ? null : bytes(random, random.nextInt(40));
                final byte[] value = random.nextInt(7) == 0 ? null : bytes(random, random.nextInt(300));
                final long timestamp = base + random.nextInt(20_000) - 10_000; // later records may be older
                headers.clear();
                final int headerCount = random.nextInt(4);
                final Header[] expectedHeaders = new Header[headerCount];
                for (int h = 0; h < headerCount; h++)
                {
                    final byte[] hk = ("h" + h + "-" + random.nextInt(100)).getBytes();
                    final byte[] hv = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(20));
                    headers.add(hk, hv);
                    expectedHeaders[h] = new RecordHeader(new String(hk), hv);
                }
                final int result = append(builder, timestamp, key, value, headers);
                if (result == RecordBatchBuilder.FULL)
                {
                    break;
                }
                sent.add(new Sent(timestamp, key, value, expectedHeaders));
            }
            if (sent.isEmpty())
            {
                continue;
            }
            final long producerId = random.nextInt(1_000_000);
            final short epoch = (short)random.nextInt(100);
            final int sequence = random.nextInt(Integer.MAX_VALUE);
            final int size = builder.seal(producerId, epoch, sequence, crc);
            assertEquals(builder.sizeInBytes(), size);
            assertTrue(size <= capacity);

            final MutableRecordBatch batch = kafkaBatch(buffer, 100, size);
            batch.ensureValid();
            assertEquals(0, batch.baseOffset());
            assertEquals(sent.size() - 1, batch.lastOffset());
            assertEquals(sent.size(), batch.countOrNull());
            assertEquals(2, batch.magic());
            assertEquals(CompressionType.NONE, batch.compressionType());
            assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
            assertFalse(batch.isTransactional());
            assertFalse(batch.isControlBatch());
            assertEquals(-1, batch.partitionLeaderEpoch());
            assertEquals(producerId, batch.producerId());
            assertEquals(epoch, batch.producerEpoch());
            assertEquals(sequence, batch.baseSequence());
            assertEquals(DefaultRecordBatch.incrementSequence(sequence, sent.size() - 1), batch.lastSequence());
            assertEquals(sent.stream().mapToLong(Sent::timestamp).max().orElseThrow(), batch.maxTimestamp());
            assertEquals(sent.get(0).timestamp(), ((DefaultRecordBatch)batch).baseTimestamp());

            final Iterator<Record> records = batch.iterator();
            for (int i = 0; i < sent.size(); i++)
            {
                final Record r = records.next();
                final Sent s = sent.get(i);
                r.ensureValid();
                assertEquals(i, r.offset());
                assertEquals(s.timestamp(), r.timestamp());
                assertArrayEquals(s.key(), copy(r.key()), "key of record " + i);
                assertArrayEquals(s.value(), copy(r.value()), "value of record " + i);
                assertEquals(null == s.key() ? -1 : s.key().length, r.keySize());
                assertEquals(null == s.value() ? -1 : s.value().length, r.valueSize());
                assertArrayEquals(s.headers(), r.headers(), "headers of record " + i);
                assertEquals(DefaultRecordBatch.incrementSequence(sequence, i), r.sequence());
            }
            assertFalse(records.hasNext());
        }
    }

    @Test
    void sizeOfRecordEqualsKafkasAndTheBytesWritten()
    {
        final Random random = new Random(7);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20));
        final RecordBatchBuilder builder = new RecordBatchBuilder().wrap(buffer, 0, 1 << 20);
        final RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < 500; i++)
        {
            final byte[] key = random.nextBoolean() ? null : bytes(random, random.nextInt(200));
            final byte[] value = random.nextInt(5) == 0 ? null : bytes(random, random.nextInt(2000));
            headers.clear();
            final List<Header> kafkaHeaders = new ArrayList<>();
            for (int h = random.nextInt(3); h > 0; h--)
            {
                final byte[] hv = bytes(random, random.nextInt(10));
                headers.add(("k" + h).getBytes(), hv);
                kafkaHeaders.add(new RecordHeader("k" + h, hv));
            }
            final long timestamp = 1000 + random.nextInt(100_000);
            final long delta = i == 0 ? 0 : timestamp - builder.baseTimestamp();
            final int expected = DefaultRecord.sizeInBytes(i, delta,
                null == key ? null : ByteBuffer.wrap(key), null == value ? null : ByteBuffer.wrap(value),
                kafkaHeaders.toArray(new Header[0]));
            assertEquals(expected, RecordBatchBuilder.sizeOfRecord(delta, i,
                null == key ? -1 : key.length, null == value ? -1 : value.length, headers));
            final int before = builder.sizeInBytes();
            assertEquals(RecordBatchBuilder.OK, append(builder, timestamp, key, value, headers));
            assertEquals(expected, builder.sizeInBytes() - before);
        }
    }

    @Test
    void tinyBatchOfOneNullRecord()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final RecordBatchBuilder builder = new RecordBatchBuilder().wrap(buffer, 0, 128);
        assertEquals(RecordBatchBuilder.OK, builder.append(5L, null, 0, 0, null, 0, 0, null));
        final int size = builder.seal(RecordBatchBuilder.NO_PRODUCER_ID, RecordBatchBuilder.NO_PRODUCER_EPOCH,
            RecordBatchBuilder.NO_SEQUENCE, crc);
        assertEquals(61 + 7, size); // header + a 6-byte record body and its 1-byte length
        final MutableRecordBatch batch = kafkaBatch(buffer, 0, size);
        batch.ensureValid();
        assertEquals(-1, batch.producerId());
        assertEquals(-1, batch.producerEpoch());
        assertEquals(-1, batch.baseSequence());
        assertFalse(batch.hasProducerId());
        final Record r = batch.iterator().next();
        assertNull(r.key());
        assertNull(r.value());
        assertEquals(0, r.headers().length);
        assertEquals(5L, r.timestamp());
    }

    @Test
    void largeRecordFillsItsBatch()
    {
        final int capacity = 2 * 1024 * 1024;
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        final RecordBatchBuilder builder = new RecordBatchBuilder().wrap(buffer, 0, capacity);
        final byte[] value = bytes(new Random(3), RecordBatchBuilder.maxRecordSize(capacity) - 16);
        assertEquals(RecordBatchBuilder.OK, append(builder, 1L, "k".getBytes(), value, null));
        assertEquals(RecordBatchBuilder.FULL, append(builder, 1L, null, new byte[32], null));
        final int size = builder.seal(9L, (short)1, 0, crc);
        final MutableRecordBatch batch = kafkaBatch(buffer, 0, size);
        batch.ensureValid();
        assertEquals(1, batch.countOrNull());
        assertArrayEquals(value, copy(batch.iterator().next().value()));
    }

    @Test
    void aFullBatchIsUnchangedByTheRecordThatDidNotFit()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[300]);
        final RecordBatchBuilder builder = new RecordBatchBuilder().wrap(buffer, 0, 300);
        int appended = 0;
        while (append(builder, 10L + appended, null, new byte[50], null) == RecordBatchBuilder.OK)
        {
            appended++;
        }
        final int sizeBefore = builder.sizeInBytes();
        assertEquals(RecordBatchBuilder.FULL, append(builder, 99L, null, new byte[50], null));
        assertEquals(sizeBefore, builder.sizeInBytes());
        assertEquals(appended, builder.recordCount());
        final MutableRecordBatch batch = kafkaBatch(buffer, 0, builder.seal(1L, (short)0, 5, crc));
        batch.ensureValid();
        assertEquals(appended, batch.countOrNull());
        assertEquals(10L + appended - 1, batch.maxTimestamp());
    }

    @Test
    void restampChangesProducerAndSequenceAndKeepsTheCrcValid()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        final RecordBatchBuilder builder = new RecordBatchBuilder().wrap(buffer, 0, 1024);
        for (int i = 0; i < 5; i++)
        {
            append(builder, 100L + i, ("k" + i).getBytes(), ("v" + i).getBytes(), null);
        }
        final int size = builder.seal(1L, (short)0, 10, crc);
        RecordBatchBuilder.restamp(buffer, 0, size, 77L, (short)3, 1234, crc);
        final MutableRecordBatch batch = kafkaBatch(buffer, 0, size);
        batch.ensureValid();
        assertEquals(77L, batch.producerId());
        assertEquals(3, batch.producerEpoch());
        assertEquals(1234, batch.baseSequence());
        assertEquals(1238, batch.lastSequence());
    }

    @Test
    void sequencesWrapAsKafkasDo()
    {
        final int[][] cases = {{0, 1}, {5, 10}, {Integer.MAX_VALUE, 1}, {Integer.MAX_VALUE - 1, 3},
            {Integer.MAX_VALUE - 10, 10}, {Integer.MAX_VALUE - 10, 11}, {Integer.MAX_VALUE - 5, 1000}};
        for (final int[] c : cases)
        {
            assertEquals(DefaultRecordBatch.incrementSequence(c[0], c[1]),
                RecordBatchBuilder.incrementSequence(c[0], c[1]), Arrays.toString(c));
        }
    }

    @Test
    void produceRequestFrameCarriesTheBatchWhereTheDecoderFindsIt()
    {
        final BatchBuffer batchBuffer = new BatchBuffer(0, 4096);
        batchBuffer.open(null, 0);
        for (int i = 0; i < 3; i++)
        {
            append(batchBuffer.builder, 50L + i, ("key" + i).getBytes(), ("value" + i).getBytes(), null);
        }
        batchBuffer.size = batchBuffer.builder.seal(5L, (short)0, 0, crc);
        final int length = batchBuffer.encodeRequest(new ProduceRequestEncoder(), new MessageHeaderEncoder(),
            1234L, 99L, 0x1111L, 0x2222L, 3, 30_000, (byte)-1);
        assertEquals(BatchBuffer.BATCH_OFFSET + batchBuffer.size, length);

        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(batchBuffer.buffer, 0);
        assertEquals(ProduceRequestDecoder.TEMPLATE_ID, header.templateId());
        final ProduceRequestDecoder decoder = new ProduceRequestDecoder().wrap(
            batchBuffer.buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        assertEquals(1234L, decoder.sessionId());
        assertEquals(99L, decoder.correlationId());
        assertEquals(0x1111L, decoder.topicIdMsb());
        assertEquals(0x2222L, decoder.topicIdLsb());
        assertEquals(3, decoder.partition());
        assertEquals(30_000, decoder.timeoutMs());
        assertEquals(-1, decoder.acks());
        final byte[] records = new byte[decoder.recordsLength()];
        decoder.getRecords(records, 0, records.length);
        assertEquals(length, decoder.limit());
        final MutableRecordBatch batch = MemoryRecords.readableRecords(ByteBuffer.wrap(records)).batches().iterator().next();
        batch.ensureValid();
        assertEquals(3, batch.countOrNull());
    }

    static int append(
        final RecordBatchBuilder builder, final long timestamp, final byte[] key, final byte[] value,
        final RecordHeaders headers)
    {
        return builder.append(timestamp,
            null == key ? null : new UnsafeBuffer(key), 0, null == key ? -1 : key.length,
            null == value ? null : new UnsafeBuffer(value), 0, null == value ? -1 : value.length, headers);
    }

    static MutableRecordBatch kafkaBatch(final UnsafeBuffer buffer, final int offset, final int size)
    {
        final byte[] bytes = new byte[size];
        buffer.getBytes(offset, bytes);
        final Iterator<MutableRecordBatch> batches = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes)).batches().iterator();
        final MutableRecordBatch batch = batches.next();
        assertFalse(batches.hasNext());
        assertEquals(size, batch.sizeInBytes());
        return batch;
    }

    static byte[] bytes(final Random random, final int length)
    {
        final byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    static byte[] copy(final ByteBuffer b)
    {
        if (null == b)
        {
            return null;
        }
        final byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return bytes;
    }
}
