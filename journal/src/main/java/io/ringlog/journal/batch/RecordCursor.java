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

    private DirectBuffer buffer;
    private int position;
    private int limit;
    private boolean malformed;
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
        this.buffer = buffer;
        this.position = start;
        this.limit = end;
        this.malformed = false;
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
        if (position >= limit || malformed)
        {
            return false;
        }

        final int length = readVarint();
        if (malformed || length < MIN_RECORD_BODY || length > limit - position)
        {
            malformed = true;
            return false;
        }

        final int recordEnd = position + length;
        position++; // attributes
        timestampDelta = readVarlong();
        offsetDelta = readVarint();
        if (malformed || position > recordEnd)
        {
            malformed = true;
            return false;
        }
        position = recordEnd;
        return true;
    }

    /** True when the walk stopped on bytes that are not a record. */
    public boolean isMalformed()
    {
        return malformed;
    }

    /** Index after the last record stepped over: equals the end of the records when the walk was clean. */
    public int position()
    {
        return position;
    }

    public long timestampDelta()
    {
        return timestampDelta;
    }

    public int offsetDelta()
    {
        return offsetDelta;
    }

    private int readVarint()
    {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (position >= limit)
            {
                malformed = true;
                return 0;
            }
            final byte b = buffer.getByte(position++);
            raw |= (b & 0x7F) << shift;
            if (b >= 0)
            {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        malformed = true;
        return 0;
    }

    private long readVarlong()
    {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (position >= limit)
            {
                malformed = true;
                return 0;
            }
            final byte b = buffer.getByte(position++);
            raw |= (long)(b & 0x7F) << shift;
            if (b >= 0)
            {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        malformed = true;
        return 0;
    }
}
