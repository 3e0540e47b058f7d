package io.ringlog.client.record;

import io.ringlog.journal.batch.Varints;
import org.agrona.DirectBuffer;

/**
 * One record of a RecordBatch v2, as a flyweight over the bytes it was read from: an Aeron term buffer, a staging
 * buffer or a memory-mapped journal segment. Key, value and headers are windows ({@link #buffer()}, an offset and a
 * length) into those bytes, valid only during the {@link RecordHandler#onRecord} call that delivered the view: the
 * same instance is filled again for the next record, and the bytes may be reused after the poll returns. Copy what
 * must outlive the call.
 * <p>
 * Not thread-safe: one view per poller, on the poller's thread.
 */
public final class RecordView
{
    /** Kafka's timestamp types: the producer's create time, or the broker's log-append time. */
    public static final int CREATE_TIME = 0;
    public static final int LOG_APPEND_TIME = 1;

    private final HeaderCursor headers = new HeaderCursor();
    private String topic;
    private int partition;
    private DirectBuffer buffer;
    private long offset;
    private long timestamp;
    private int timestampType;
    private int leaderEpoch;
    private int keyOffset;
    private int keyLength;
    private int valueOffset;
    private int valueLength;
    private int headersOffset;
    private int headerCount;
    private int recordEnd;

    void source(final String topic, final int partition)
    {
        this.topic = topic;
        this.partition = partition;
    }

    void set(
        final DirectBuffer buffer,
        final long offset,
        final long timestamp,
        final int timestampType,
        final int leaderEpoch,
        final int keyOffset,
        final int keyLength,
        final int valueOffset,
        final int valueLength,
        final int headersOffset,
        final int headerCount,
        final int recordEnd)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.timestamp = timestamp;
        this.timestampType = timestampType;
        this.leaderEpoch = leaderEpoch;
        this.keyOffset = keyOffset;
        this.keyLength = keyLength;
        this.valueOffset = valueOffset;
        this.valueLength = valueLength;
        this.headersOffset = headersOffset;
        this.headerCount = headerCount;
        this.recordEnd = recordEnd;
    }

    /** The topic the record was read from; the same String instance for every record of a partition. */
    public String topic()
    {
        return topic;
    }

    public int partition()
    {
        return partition;
    }

    public long offset()
    {
        return offset;
    }

    /** Milliseconds since the epoch: the producer's create time, or the broker's append time (see {@link #timestampType()}). */
    public long timestamp()
    {
        return timestamp;
    }

    /** {@link #CREATE_TIME} or {@link #LOG_APPEND_TIME}. */
    public int timestampType()
    {
        return timestampType;
    }

    /** The leader epoch stamped on the record's batch, or -1. */
    public int leaderEpoch()
    {
        return leaderEpoch;
    }

    /** The bytes the key, value and headers lie in. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    public boolean hasKey()
    {
        return keyLength >= 0;
    }

    public int keyOffset()
    {
        return keyOffset;
    }

    /** Bytes of the key, or -1 for a null key. */
    public int keyLength()
    {
        return keyLength;
    }

    public boolean hasValue()
    {
        return valueLength >= 0;
    }

    public int valueOffset()
    {
        return valueOffset;
    }

    /** Bytes of the value, or -1 for a null value (a tombstone). */
    public int valueLength()
    {
        return valueLength;
    }

    public int headerCount()
    {
        return headerCount;
    }

    /**
     * The record's headers, from the first. The cursor is owned by this view and reset by each call; it is valid
     * while the view is.
     */
    public HeaderCursor headers()
    {
        return headers.wrap(buffer, headersOffset, recordEnd, headerCount);
    }

    /** Copy of the key, or null. Allocates: for tests and the cold path. */
    public byte[] keyBytes()
    {
        return copy(keyOffset, keyLength);
    }

    /** Copy of the value, or null. Allocates: for tests and the cold path. */
    public byte[] valueBytes()
    {
        return copy(valueOffset, valueLength);
    }

    /** The key as UTF-8, or null. Allocates. */
    public String keyAsString()
    {
        return keyLength < 0 ? null : buffer.getStringWithoutLengthUtf8(keyOffset, keyLength);
    }

    /** The value as UTF-8, or null. Allocates. */
    public String valueAsString()
    {
        return valueLength < 0 ? null : buffer.getStringWithoutLengthUtf8(valueOffset, valueLength);
    }

    private byte[] copy(final int at, final int length)
    {
        if (length < 0)
        {
            return null;
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        return bytes;
    }

    @Override
    public String toString()
    {
        return "RecordView{" + topic + "-" + partition + "@" + offset + ", ts=" + timestamp +
            ", key=" + (keyLength < 0 ? "null" : keyLength + "B") +
            ", value=" + (valueLength < 0 ? "null" : valueLength + "B") + ", headers=" + headerCount + '}';
    }

    /**
     * Walks a record's headers. Each header's key is a UTF-8 string (never null); its value may be null.
     * The header bytes were bounds-checked when the record was read, so the walk cannot run past the record.
     */
    public static final class HeaderCursor
    {
        private final Varints.Cursor cursor = new Varints.Cursor();
        private DirectBuffer buffer;
        private int remaining;
        private int keyOffset;
        private int keyLength;
        private int valueOffset;
        private int valueLength;

        HeaderCursor wrap(final DirectBuffer buffer, final int from, final int to, final int count)
        {
            this.buffer = buffer;
            cursor.wrap(buffer, from, to);
            remaining = count;
            return this;
        }

        /** Step to the next header; false after the last. */
        public boolean next()
        {
            if (remaining <= 0)
            {
                return false;
            }
            remaining--;
            keyLength = cursor.readVarint();
            keyOffset = cursor.skipField(keyLength);
            valueLength = cursor.readVarint();
            valueOffset = cursor.skipField(valueLength);
            return !cursor.malformed;
        }

        public DirectBuffer buffer()
        {
            return buffer;
        }

        public int keyOffset()
        {
            return keyOffset;
        }

        public int keyLength()
        {
            return keyLength;
        }

        public int valueOffset()
        {
            return valueOffset;
        }

        /** Bytes of the value, or -1 for null. */
        public int valueLength()
        {
            return valueLength;
        }

        /** The key as a String. Allocates. */
        public String keyAsString()
        {
            return buffer.getStringWithoutLengthUtf8(keyOffset, keyLength);
        }

        /** Copy of the value, or null. Allocates. */
        public byte[] valueBytes()
        {
            if (valueLength < 0)
            {
                return null;
            }
            final byte[] bytes = new byte[valueLength];
            buffer.getBytes(valueOffset, bytes);
            return bytes;
        }

        /** True when the key's bytes equal {@code key}'s UTF-8 bytes. No allocation for ASCII keys. */
        public boolean keyEquals(final String key)
        {
            if (key.length() != keyLength)
            {
                return keyLength >= key.length() && key.equals(keyAsString());
            }
            for (int i = 0; i < keyLength; i++)
            {
                final char c = key.charAt(i);
                if (c >= 0x80)
                {
                    return key.equals(keyAsString());
                }
                if (buffer.getByte(keyOffset + i) != (byte)c)
                {
                    return false;
                }
            }
            return true;
        }
    }
}
