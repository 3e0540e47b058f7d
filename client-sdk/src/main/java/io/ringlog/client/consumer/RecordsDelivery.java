package io.ringlog.client.consumer;

import io.ringlog.client.RinglogException;
import io.ringlog.client.record.BatchReader;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.RecordsMessageDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The consumer's poll path for one {@code RecordsMessage}: find the partition by subscription id, walk the message's
 * batches, and hand each record at or after the partition's position to the application's handler, within the
 * poll's limit, advancing the position record by record. The same code serves a message read in place from Aeron's
 * term buffer and one read back from the staging ring.
 * <p>
 * Allocation-free ({@code RecordsDeliveryTest}, and {@code ClientAllocationTest} in the broker end to end).
 * Owned by the client's thread.
 */
final class RecordsDelivery
{
    /** Nothing of the message is left to deliver (or it was stale or malformed and is dropped). */
    static final int CONSUMED = 0;
    /** Part of the message is still to be delivered: the limit was reached, the handler threw, or it cannot be read. */
    static final int PARTIAL = 1;

    private final RecordView view = new RecordView();
    private final BatchReader reader = new BatchReader(view);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final RecordsMessageDecoder decoder = new RecordsMessageDecoder();
    private final Long2ObjectHashMap<PartitionStream> bySubscription;
    private final ErrorHandler errorHandler;
    private final RecordHandler tracker = this::onRecord;
    private RecordHandler handler;
    private PartitionStream current;
    private int remaining;
    private int delivered;
    private Throwable failure;

    RecordsDelivery(final Long2ObjectHashMap<PartitionStream> bySubscription, final ErrorHandler errorHandler)
    {
        this.bySubscription = bySubscription;
        this.errorHandler = errorHandler;
    }

    /** Start a poll: deliver at most {@code limit} records to {@code handler}. */
    void begin(final RecordHandler handler, final int limit)
    {
        this.handler = handler;
        this.remaining = limit;
        this.delivered = 0;
        this.failure = null;
    }

    /** End the poll. @return what went wrong in it (the handler's exception, a partition's failure), or null. */
    Throwable end()
    {
        handler = null;
        current = null;
        final Throwable f = failure;
        failure = null;
        return f;
    }

    /** True while a poll can take more records straight from Aeron. */
    boolean isDelivering()
    {
        return null != handler && remaining > 0 && null == failure;
    }

    /** True during a consumer poll, whether or not it can take more records. */
    boolean isPolling()
    {
        return null != handler;
    }

    boolean hasFailed()
    {
        return null != failure;
    }

    int delivered()
    {
        return delivered;
    }

    private void onRecord(final RecordView record)
    {
        handler.onRecord(record);
        current.position = record.offset() + 1;
        delivered++;
        remaining--;
    }

    /**
     * Deliver a RecordsMessage's records from its partition's position on, within the poll's limit.
     *
     * @param offset of the message's SBE header.
     * @param length of the whole message.
     * @return {@link #CONSUMED} or {@link #PARTIAL}.
     */
    int deliver(final DirectBuffer buffer, final int offset, final int length)
    {
        final MessageHeaderDecoder h = headerDecoder.wrap(buffer, offset);
        final RecordsMessageDecoder d = decoder.wrap(
            buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
        final PartitionStream stream = bySubscription.get(d.subscriptionId());
        if (null == stream)
        {
            return CONSUMED; // a replaced subscription's records: its successor streams them again
        }
        stream.highWatermark = d.highWatermark();
        stream.logStartOffset = d.logStartOffset();
        final int recordsLength = d.recordsLength();
        final int start = d.limit() + RecordsMessageDecoder.recordsHeaderLength();
        final int end = start + recordsLength;
        if (recordsLength < 0 || end > offset + length)
        {
            malformed(stream, "records run past their message");
            return CONSUMED;
        }
        if (stream.state == PartitionStream.FAILED)
        {
            failure = stream.failure;
            return PARTIAL;
        }
        reader.source(stream.topic, stream.partition);
        current = stream;
        int p = start;
        while (p < end)
        {
            if (end - p < RecordBatch.HEADER_LENGTH)
            {
                malformed(stream, "a batch is cut short");
                return CONSUMED;
            }
            final int size = buffer.getInt(p + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) +
                RecordBatch.LOG_OVERHEAD;
            if (size < RecordBatch.HEADER_LENGTH || size > end - p)
            {
                malformed(stream, "a batch length runs past the records");
                return CONSUMED;
            }
            final int result;
            try
            {
                result = reader.read(buffer, p, Math.max(0, stream.position), remaining, tracker);
            }
            catch (final Throwable t)
            {
                failure = t; // the record that threw is not consumed: the position stays on it
                remaining = 0;
                return PARTIAL;
            }
            if (result < 0)
            {
                failStream(stream, buffer, p, result);
                return PARTIAL;
            }
            if (!reader.isComplete())
            {
                return PARTIAL;
            }
            if (reader.nextOffset() > stream.position)
            {
                stream.position = reader.nextOffset(); // past control batches and records below the position
            }
            final int epoch = buffer.getInt(p + RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, RecordBatch.BYTE_ORDER);
            if (epoch > stream.leaderEpoch)
            {
                stream.leaderEpoch = epoch; // committed with the offset, as Kafka's consumer does
            }
            p += size;
        }
        return CONSUMED;
    }

    private void failStream(final PartitionStream stream, final DirectBuffer buffer, final int at, final int code)
    {
        final long base = buffer.getLong(at + RecordBatch.BASE_OFFSET_OFFSET, RecordBatch.BYTE_ORDER);
        final long last = base + buffer.getInt(at + RecordBatch.LAST_OFFSET_DELTA_OFFSET, RecordBatch.BYTE_ORDER);
        stream.failure = code == BatchReader.UNSUPPORTED_COMPRESSION ?
            new UnsupportedCompressionException(reader.compressionCodec(), stream.topic, stream.partition, base, last) :
            new RinglogException(NativeErrors.CORRUPT_MESSAGE, "a record of the batch at offsets " + base + ".." +
                last + " of " + stream.topic + "-" + stream.partition + " does not decode");
        stream.state = PartitionStream.FAILED;
        failure = stream.failure;
        remaining = 0;
    }

    private void malformed(final PartitionStream stream, final String what)
    {
        errorHandler.onError(new RinglogException(NativeErrors.MALFORMED_MESSAGE,
            "RecordsMessage for " + stream.topic + "-" + stream.partition + ": " + what));
    }
}
