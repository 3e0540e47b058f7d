package io.ringlog.client.consumer;

import io.ringlog.client.Allocation;
import io.ringlog.client.KafkaBatches;
import io.ringlog.client.PartitionMetadata;
import io.ringlog.client.TopicMetadata;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.RecordsMessageEncoder;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static io.ringlog.client.KafkaBatches.Expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's poll path for RecordsMessages (encoded with the generated SBE encoder, carrying batches written
 * by kafka-clients): records from the position on, in order, within the limit, at least once when the handler
 * throws, stale subscriptions dropped, compressed batches refused, and no allocation per record.
 */
@Timeout(60)
class RecordsDeliveryTest
{
    private static final long SUBSCRIPTION = 5;

    private final Long2ObjectHashMap<PartitionStream> bySubscription = new Long2ObjectHashMap<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final RecordsDelivery delivery = new RecordsDelivery(bySubscription, errors::add);
    private final PartitionStream stream = new PartitionStream(new TopicMetadata("orders", 1L, 2L,
        new PartitionMetadata[] {new PartitionMetadata(0, 1, 0, -1, -1, "")}), 0, RinglogConsumer.EARLIEST);
    private final List<Expected> seen = new ArrayList<>();
    private final RecordHandler collect = r -> seen.add(expected(r));

    RecordsDeliveryTest()
    {
        stream.subscriptionId = SUBSCRIPTION;
        stream.state = PartitionStream.STREAMING;
        bySubscription.put(SUBSCRIPTION, stream);
    }

    @Test
    void deliversFromThePositionSkippingControlBatches()
    {
        final UnsafeBuffer message = message(SUBSCRIPTION, KafkaBatches.concat(
            KafkaBatches.batch(0, 10), KafkaBatches.commitMarker(10), KafkaBatches.batch(11, 10)));
        stream.position = 4; // the stream starts at the batch boundary before the position asked for
        delivery.begin(collect, 1000);
        assertEquals(RecordsDelivery.CONSUMED, delivery.deliver(message, 0, message.capacity()));
        assertNull(delivery.end());
        final List<Expected> expected = KafkaBatches.expectedRange(4, 10);
        expected.addAll(KafkaBatches.expectedRange(11, 21));
        assertEquals(expected, seen);
        assertEquals(16, delivery.delivered());
        assertEquals(21, stream.position);
        assertEquals(21_000, stream.highWatermark);
        assertEquals(0, stream.leaderEpoch);
    }

    @Test
    void aPollLimitLeavesTheRestForTheNextPoll()
    {
        final UnsafeBuffer message = message(SUBSCRIPTION, KafkaBatches.concat(
            KafkaBatches.batch(100, 7), KafkaBatches.batch(107, 7), KafkaBatches.batch(114, 7)));
        stream.position = 100;
        int polls = 0;
        int result;
        do
        {
            delivery.begin(collect, 3);
            result = delivery.deliver(message, 0, message.capacity());
            assertNull(delivery.end());
            assertTrue(delivery.delivered() <= 3);
            polls++;
        }
        while (result == RecordsDelivery.PARTIAL);
        assertEquals(7, polls);
        assertEquals(KafkaBatches.expectedRange(100, 121), seen);
        assertEquals(121, stream.position);
    }

    @Test
    void aHandlerThatThrowsGetsTheSameRecordAgain()
    {
        final UnsafeBuffer message = message(SUBSCRIPTION, KafkaBatches.batch(0, 10));
        stream.position = 0;
        final RuntimeException boom = new IllegalStateException("boom");
        delivery.begin(r ->
        {
            if (r.offset() == 6)
            {
                throw boom;
            }
            seen.add(expected(r));
        }, 100);
        assertEquals(RecordsDelivery.PARTIAL, delivery.deliver(message, 0, message.capacity()));
        assertSame(boom, delivery.end());
        assertEquals(6, stream.position);

        delivery.begin(collect, 100);
        assertEquals(RecordsDelivery.CONSUMED, delivery.deliver(message, 0, message.capacity()));
        assertNull(delivery.end());
        assertEquals(KafkaBatches.expectedRange(0, 10), seen);
    }

    @Test
    void aReplacedSubscriptionsRecordsAreDropped()
    {
        final UnsafeBuffer message = message(SUBSCRIPTION + 1, KafkaBatches.batch(0, 10));
        delivery.begin(collect, 100);
        assertEquals(RecordsDelivery.CONSUMED, delivery.deliver(message, 0, message.capacity()));
        assertNull(delivery.end());
        assertTrue(seen.isEmpty());
        assertEquals(PartitionStream.UNKNOWN, stream.position);
    }

    @Test
    void aCompressedBatchStopsThePartitionNamingTheCodec()
    {
        final UnsafeBuffer message = message(SUBSCRIPTION, KafkaBatches.concat(
            KafkaBatches.batch(0, 3), KafkaBatches.batch(3, 5, Compression.zstd().build())));
        stream.position = 0;
        delivery.begin(collect, 100);
        assertEquals(RecordsDelivery.PARTIAL, delivery.deliver(message, 0, message.capacity()));
        final UnsupportedCompressionException ex = assertInstanceOf(UnsupportedCompressionException.class, delivery.end());
        assertEquals("zstd", ex.codec());
        assertEquals(3, ex.baseOffset());
        assertEquals(7, ex.lastOffset());
        assertEquals(KafkaBatches.expectedRange(0, 3), seen);
        assertEquals(3, stream.position);
        assertEquals(PartitionStream.FAILED, stream.state);
        assertTrue(ex.getMessage().startsWith("UNSUPPORTED_COMPRESSION_TYPE: "), ex.getMessage());
    }

    @Test
    void aBatchRunningPastItsMessageIsReportedAndDropped()
    {
        final byte[] batch = KafkaBatches.batch(0, 3);
        final UnsafeBuffer message = message(SUBSCRIPTION, batch);
        final int batchLengthAt = message.capacity() - batch.length + 8;
        message.putInt(batchLengthAt, batch.length, java.nio.ByteOrder.BIG_ENDIAN); // claims 12 bytes too many
        delivery.begin(collect, 100);
        assertEquals(RecordsDelivery.CONSUMED, delivery.deliver(message, 0, message.capacity()));
        assertNull(delivery.end());
        assertTrue(seen.isEmpty());
        assertEquals(1, errors.size());
    }

    @Test
    void noAllocationPerRecordOnThePollPath()
    {
        final UnsafeBuffer[] messages = new UnsafeBuffer[20];
        for (int i = 0; i < messages.length; i++)
        {
            messages[i] = message(SUBSCRIPTION, KafkaBatches.concat(
                KafkaBatches.batch(i * 100L, 50), KafkaBatches.batch(i * 100L + 50, 50)));
        }
        final long[] sum = {0};
        final RecordHandler handler = r ->
        {
            sum[0] += r.offset() + r.keyLength() + r.valueLength() + r.timestamp();
            final RecordView.HeaderCursor headers = r.headers();
            while (headers.next())
            {
                sum[0] += headers.valueLength();
            }
        };
        final Runnable pass = () ->
        {
            stream.position = 0;
            for (final UnsafeBuffer m : messages)
            {
                delivery.begin(handler, 64); // a limit smaller than a message: partial deliveries included
                while (delivery.deliver(m, 0, m.capacity()) == RecordsDelivery.PARTIAL)
                {
                    delivery.end();
                    delivery.begin(handler, 64);
                }
                delivery.end();
            }
        };
        final long warmUntil = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmUntil)
        {
            pass.run(); // warm up: let the JIT compile the path (1 s)
        }
        final int passes = 500;
        final List<Long> windows = Allocation.steadyState(() -> { }, () ->
        {
            for (int i = 0; i < passes; i++)
            {
                pass.run();
            }
        }, 5);
        final long records = (long)passes * messages.length * 100;
        System.out.printf("consumer poll path: bytes allocated per window of %d records: %s%n", records, windows);
        Allocation.assertSteadyStateZero(windows, records / 100, "delivering " + records + " records");
        assertEquals(2_000, stream.position);
        assertTrue(sum[0] != 0);
    }

    static Expected expected(final RecordView r)
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
        return new Expected(r.offset(), r.timestamp(), r.keyAsString(), r.valueAsString(), header);
    }

    /** A RecordsMessage as the broker sends it, in a direct buffer. */
    static UnsafeBuffer message(final long subscriptionId, final byte[] records)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(records.length + 128));
        final RecordsMessageEncoder encoder = new RecordsMessageEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .subscriptionId(subscriptionId)
            .partition(0)
            .highWatermark(21_000)
            .logStartOffset(0)
            .nextOffset(0)
            .putRecords(records, 0, records.length);
        return new UnsafeBuffer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }
}
