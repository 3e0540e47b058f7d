package io.ringlog.journal.batch;

import org.agrona.DirectBuffer;

/**
 * Walks the records of an uncompressed RecordBatch v2 (or the decompressed records of a compressed one) without
 * allocating. Each record is:
 *
 * <pre>
 *   length          varint (zig-zag)   bytes of the record after this field
 *   attributes      int8
 *   timestampDelta  varlong (zig-zag)
 *   offsetDelta     varint (zig-zag)
 *   key, value, headers ...            skipped by length
 * </pre>
 * <p>
 * Only the fields the journal needs are decoded. Not thread-safe: one cursor per thread.
 */
public final class RecordCursor
{
    private static final int MIN_RECORD_BODY = 1 + 1 + 1 + 1 + 1 + 1; // attributes, three varints, key/value/headers

    private final Varints.Cursor in = new Varints.Cursor();
    private long timestampDelta;
    private int offsetDelta;

    /**
     * Start walking the records in {@code buffer[start, end)}.
     *
     * @param buffer holding the records.
     * @param start  of the first record.
     * @param end    the index after the last record.
     * @return this, for chaining.
     */
    public RecordCursor wrap(final DirectBuffer buffer, final int start, final int end)
    {
        in.wrap(buffer, start, end);
        return this;
    }

    /**
     * Step to the next record.
     *
     * @return true when a record was decoded; false at the end of the records or when the bytes are malformed
     * (then {@link #isMalformed()} is true).
     */
    public boolean next()
    {
        final Varints.Cursor in = this.in;
        if (in.position >= in.limit || in.malformed)
        {
            return false;
        }

        final int length = in.readVarint();
        if (in.malformed || length < MIN_RECORD_BODY || length > in.limit - in.position)
        {
            in.malformed = true;
            return false;
        }

        final int recordEnd = in.position + length;
        in.position++; // attributes
        timestampDelta = in.readVarlong();
        offsetDelta = in.readVarint();
        if (in.malformed || in.position > recordEnd)
        {
            in.malformed = true;
            return false;
        }
        in.position = recordEnd;
        return true;
    }

    /** True when the walk stopped on bytes that are not a record. */
    public boolean isMalformed()
    {
        return in.malformed;
    }

    /** Index after the last record stepped over: equals the end of the records when the walk was clean. */
    public int position()
    {
        return in.position;
    }

    public long timestampDelta()
    {
        return timestampDelta;
    }

    public int offsetDelta()
    {
        return offsetDelta;
    }
}
