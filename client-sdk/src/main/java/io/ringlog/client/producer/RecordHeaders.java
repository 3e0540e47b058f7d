package io.ringlog.client.producer;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

import static io.ringlog.journal.batch.Varints.putVarint;
import static io.ringlog.journal.batch.Varints.sizeOfVarint;

/**
 * The headers of the next record to send: a reusable list of (key, value) windows over the caller's buffers, copied
 * into the batch by the send. Clear it and add headers before each send that carries any; pass null (or an empty
 * list) for none. A header key is UTF-8 and never null; a value may be null (length -1).
 * <p>
 * Holds references only: the caller's buffers must stay unchanged until the send returns. Capacity is fixed at
 * construction (no growth, no allocation per record). Not thread-safe.
 */
public final class RecordHeaders
{
    public static final int DEFAULT_CAPACITY = 16;

    private final DirectBuffer[] keyBuffers;
    private final int[] keyOffsets;
    private final int[] keyLengths;
    private final DirectBuffer[] valueBuffers;
    private final int[] valueOffsets;
    private final int[] valueLengths;
    private final UnsafeBuffer[] keyArrays;
    private final UnsafeBuffer[] valueArrays;
    private int count;

    public RecordHeaders()
    {
        this(DEFAULT_CAPACITY);
    }

    public RecordHeaders(final int capacity)
    {
        keyBuffers = new DirectBuffer[capacity];
        keyOffsets = new int[capacity];
        keyLengths = new int[capacity];
        valueBuffers = new DirectBuffer[capacity];
        valueOffsets = new int[capacity];
        valueLengths = new int[capacity];
        keyArrays = new UnsafeBuffer[capacity];
        valueArrays = new UnsafeBuffer[capacity];
        for (int i = 0; i < capacity; i++)
        {
            keyArrays[i] = new UnsafeBuffer(new byte[0]);
            valueArrays[i] = new UnsafeBuffer(new byte[0]);
        }
    }

    public RecordHeaders clear()
    {
        count = 0;
        return this;
    }

    public int count()
    {
        return count;
    }

    public int capacity()
    {
        return keyBuffers.length;
    }

    /**
     * Add a header from buffer windows.
     *
     * @param valueLength -1 for a null value.
     * @throws IllegalStateException when the list is full.
     */
    public RecordHeaders add(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        if (count == keyBuffers.length)
        {
            throw new IllegalStateException("more than " + keyBuffers.length + " headers");
        }
        if (keyLength < 0 || valueLength < -1)
        {
            throw new IllegalArgumentException("header key must not be null; value length must be -1 or more");
        }
        keyBuffers[count] = key;
        keyOffsets[count] = keyOffset;
        keyLengths[count] = keyLength;
        valueBuffers[count] = value;
        valueOffsets[count] = valueOffset;
        valueLengths[count] = valueLength;
        count++;
        return this;
    }

    /** Add a header from byte arrays (wrapped, not copied). {@code value} may be null. */
    public RecordHeaders add(final byte[] key, final byte[] value)
    {
        if (count == keyBuffers.length)
        {
            throw new IllegalStateException("more than " + keyBuffers.length + " headers");
        }
        final UnsafeBuffer k = keyArrays[count];
        k.wrap(key);
        final UnsafeBuffer v = valueArrays[count];
        if (null != value)
        {
            v.wrap(value);
        }
        return add(k, 0, key.length, v, 0, null == value ? -1 : value.length);
    }

    /** Add a header with a String key (encodes it: allocates; use the buffer form on the hot path). */
    public RecordHeaders add(final String key, final byte[] value)
    {
        return add(key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Bytes these headers take in a record, the count's varint included. */
    int encodedLength()
    {
        int length = sizeOfVarint(count);
        for (int i = 0; i < count; i++)
        {
            final int keyLength = keyLengths[i];
            final int valueLength = valueLengths[i];
            length += sizeOfVarint(keyLength) + keyLength + sizeOfVarint(valueLength) + Math.max(0, valueLength);
        }
        return length;
    }

    /** Write the count and the headers at {@code index}. @return the index after them. */
    int writeTo(final org.agrona.MutableDirectBuffer buffer, final int index)
    {
        int i = putVarint(buffer, index, count);
        for (int h = 0; h < count; h++)
        {
            final int keyLength = keyLengths[h];
            i = putVarint(buffer, i, keyLength);
            buffer.putBytes(i, keyBuffers[h], keyOffsets[h], keyLength);
            i += keyLength;
            final int valueLength = valueLengths[h];
            i = putVarint(buffer, i, valueLength);
            if (valueLength > 0)
            {
                buffer.putBytes(i, valueBuffers[h], valueOffsets[h], valueLength);
                i += valueLength;
            }
        }
        return i;
    }
}
