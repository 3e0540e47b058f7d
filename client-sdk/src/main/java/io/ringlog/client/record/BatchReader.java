package io.ringlog.client.record;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.batch.Varints;
import org.agrona.DirectBuffer;

/**
 * Delivers the records of one uncompressed RecordBatch v2 to a {@link RecordHandler} through a single reused
 * {@link RecordView}: no object per record, no copy. Used by the consumer (over RecordsMessage bytes) and the
 * same-host reader (over mapped segment bytes).
 * <p>
 * Rules, as a Kafka consumer applies them:
 * <ul>
 *   <li>records below {@code fromOffset} are skipped: a stream may start at the batch boundary before the offset
 *   asked for, and a batch cut short by a poll limit is walked again from its start;</li>
 *   <li>control batches (transaction markers) are skipped whole;</li>
 *   <li>compressed batches are not decoded: {@link #UNSUPPORTED_COMPRESSION}, with {@link #compressionCodec()}
 *   naming the codec. Decoding one needs the codec's library and a decompression buffer per batch, which the
 *   native client does not carry (see the module README).</li>
 * </ul>
 * The batch's length and header are taken as given (the caller bounds the batch inside its buffer); every record
 * field is bounds-checked against the batch, and a malformed record answers {@link #CORRUPT_BATCH}.
 * <p>
 * Not thread-safe: one reader per poller.
 */
public final class BatchReader
{
    /** A record inside the batch runs past its bounds or has an impossible length. */
    public static final int CORRUPT_BATCH = -1;
    /** The batch is compressed; {@link #compressionCodec()} says with what. */
    public static final int UNSUPPORTED_COMPRESSION = -2;

    private static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd", "codec-5", "codec-6", "codec-7"};

    private final RecordBatch batch = new RecordBatch();
    private final Varints.Cursor cursor = new Varints.Cursor();
    private final RecordView view;
    private long nextOffset;
    private boolean complete;
    private int compressionType;

    public BatchReader(final RecordView view)
    {
        this.view = view;
    }

    public RecordView view()
    {
        return view;
    }

    /** Name the records' topic and partition in the view (cold path: once per partition switch, not per record). */
    public void source(final String topic, final int partition)
    {
        view.source(topic, partition);
    }

    /**
     * Deliver the records of the batch at {@code offset} whose offsets are at least {@code fromOffset}, at most
     * {@code limit} of them.
     *
     * @param buffer     holding the whole batch.
     * @param offset     of the batch's first byte.
     * @param fromOffset first offset wanted; smaller ones are skipped.
     * @param limit      most records to deliver; 0 delivers nothing (and the batch is not complete unless it has
     *                   nothing at or above {@code fromOffset}).
     * @param handler    called once per record delivered.
     * @return records delivered (0 or more), or {@link #CORRUPT_BATCH} / {@link #UNSUPPORTED_COMPRESSION}; then
     * {@link #nextOffset()} is the offset after the last record delivered, and {@link #isComplete()} tells whether
     * the batch has nothing more at or above {@code fromOffset}.
     */
    public int read(
        final DirectBuffer buffer, final int offset, final long fromOffset, final int limit, final RecordHandler handler)
    {
        final RecordBatch b = batch.wrap(buffer, offset);
        final long baseOffset = b.baseOffset();
        final long lastOffset = baseOffset + b.lastOffsetDelta();
        nextOffset = Math.max(fromOffset, baseOffset);
        complete = false;
        if (lastOffset < fromOffset || b.isControl())
        {
            nextOffset = Math.max(fromOffset, lastOffset + 1);
            complete = true;
            return 0;
        }
        compressionType = b.compressionType();
        if (compressionType != 0)
        {
            return UNSUPPORTED_COMPRESSION;
        }

        final int end = offset + b.sizeInBytes();
        final long baseTimestamp = b.baseTimestamp();
        final int attributes = b.attributes();
        final int timestampType = (attributes & RecordBatch.TIMESTAMP_TYPE_MASK) != 0 ? RecordView.LOG_APPEND_TIME :
            RecordView.CREATE_TIME;
        final long maxTimestamp = b.maxTimestamp();
        final int leaderEpoch = b.partitionLeaderEpoch();
        final int count = b.recordCount();
        final Varints.Cursor c = cursor.wrap(buffer, offset + RecordBatch.RECORDS_OFFSET, end);

        int delivered = 0;
        for (int i = 0; i < count; i++)
        {
            final int length = c.readVarint();
            if (c.malformed || length < 6 || length > end - c.position)
            {
                return CORRUPT_BATCH;
            }
            final int recordEnd = c.position + length;
            c.limit = recordEnd;
            c.position++; // attributes: unused in v2
            final long timestampDelta = c.readVarlong();
            final int offsetDelta = c.readVarint();
            final long recordOffset = baseOffset + offsetDelta;
            if (recordOffset < fromOffset)
            {
                c.limit = end;
                c.position = recordEnd;
                continue;
            }
            if (delivered >= limit)
            {
                nextOffset = recordOffset;
                return delivered;
            }
            final int keyLength = c.readVarint();
            final int keyOffset = c.skipField(keyLength);
            final int valueLength = c.readVarint();
            final int valueOffset = c.skipField(valueLength);
            final int headerCount = c.readVarint();
            final int headersOffset = c.position;
            if (c.malformed || headerCount < 0 || !headersFit(c, headerCount, recordEnd))
            {
                return CORRUPT_BATCH;
            }
            final long timestamp = timestampType == RecordView.LOG_APPEND_TIME ? maxTimestamp :
                baseTimestamp + timestampDelta;
            view.set(buffer, recordOffset, timestamp, timestampType, leaderEpoch, keyOffset, keyLength, valueOffset,
                valueLength, headersOffset, headerCount, recordEnd);
            c.limit = end;
            c.position = recordEnd;
            handler.onRecord(view);
            delivered++;
            nextOffset = recordOffset + 1;
        }
        nextOffset = Math.max(nextOffset, lastOffset + 1);
        complete = true;
        return delivered;
    }

    /** Walk the headers once to prove they lie inside the record, so the view's cursor never needs to. */
    private static boolean headersFit(final Varints.Cursor c, final int headerCount, final int recordEnd)
    {
        final int start = c.position;
        for (int h = 0; h < headerCount; h++)
        {
            final int keyLength = c.readVarint();
            if (keyLength < 0)
            {
                return false;
            }
            c.skipField(keyLength);
            c.skipField(c.readVarint());
            if (c.malformed)
            {
                return false;
            }
        }
        final boolean fits = c.position == recordEnd;
        c.position = start;
        return fits;
    }

    /** After {@link #read}: the offset after the last record delivered or skipped. */
    public long nextOffset()
    {
        return nextOffset;
    }

    /** After {@link #read}: true when no record at or after the offset asked for is left in the batch. */
    public boolean isComplete()
    {
        return complete;
    }

    /** After {@link #UNSUPPORTED_COMPRESSION}: Kafka's name of the batch's codec ("gzip", "snappy", "lz4", "zstd"). */
    public String compressionCodec()
    {
        return CODECS[compressionType & 0x07];
    }

    /** Kafka's name for a compression type id. */
    public static String codecName(final int compressionType)
    {
        return CODECS[compressionType & 0x07];
    }
}
