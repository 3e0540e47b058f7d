package io.ringlog.replication.codec;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Reads the fields {@link BufferWriter} wrote, checking every length against the limit so a truncated or corrupt
 * message fails with {@link CodecException} instead of reading past its end.
 * <p>
 * Not thread-safe: one reader per instance.
 */
public final class BufferReader
{
    private final DirectBuffer buffer;
    private int position;
    private int limit;

    public BufferReader(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.position = offset;
        this.limit = offset + length;
    }

    public BufferReader(final byte[] bytes)
    {
        this(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    public int position()
    {
        return position;
    }

    public int limit()
    {
        return limit;
    }

    public int remaining()
    {
        return limit - position;
    }

    /** Move to {@code newPosition}, e.g. past fields appended by a newer writer. */
    public void position(final int newPosition)
    {
        if (newPosition < 0 || newPosition > limit)
        {
            throw new CodecException("position " + newPosition + " outside limit " + limit);
        }
        position = newPosition;
    }

    /** Set the limit, e.g. to one record's body and back; returns the old limit. */
    public int limit(final int newLimit)
    {
        final int old = limit;
        if (newLimit < position || newLimit > buffer.capacity())
        {
            throw new CodecException("limit " + newLimit + " outside " + position + ".." + old);
        }
        limit = newLimit;
        return old;
    }

    private void need(final int bytes)
    {
        if (bytes < 0 || position + bytes > limit)
        {
            throw new CodecException("truncated: need " + bytes + " bytes at " + position + ", limit " + limit);
        }
    }

    public byte getByte()
    {
        need(1);
        return buffer.getByte(position++);
    }

    public boolean getBoolean()
    {
        return getByte() != 0;
    }

    public short getShort()
    {
        need(2);
        final short value = buffer.getShort(position);
        position += 2;
        return value;
    }

    public int getInt()
    {
        need(4);
        final int value = buffer.getInt(position);
        position += 4;
        return value;
    }

    public long getLong()
    {
        need(8);
        final long value = buffer.getLong(position);
        position += 8;
        return value;
    }

    public UUID getUuid()
    {
        final long msb = getLong();
        return new UUID(msb, getLong());
    }

    public String getString()
    {
        final int length = getInt();
        if (-1 == length)
        {
            return null;
        }
        need(length);
        final byte[] bytes = new byte[length];
        buffer.getBytes(position, bytes);
        position += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public byte[] getBytes(final int length)
    {
        need(length);
        final byte[] bytes = new byte[length];
        buffer.getBytes(position, bytes);
        position += length;
        return bytes;
    }

    private int count(final int minBytesEach)
    {
        final int count = getInt();
        if (count < 0 || (long)count * minBytesEach > remaining())
        {
            throw new CodecException("bad count " + count + " at " + (position - 4));
        }
        return count;
    }

    public List<Integer> getIntList()
    {
        final int count = count(4);
        final List<Integer> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            values.add(getInt());
        }
        return Collections.unmodifiableList(values);
    }

    /** A sorted, unmodifiable map; null values are kept (they mean "delete" where a caller says so). */
    public Map<String, String> getStringMap()
    {
        final int count = count(8);
        final TreeMap<String, String> values = new TreeMap<>();
        for (int i = 0; i < count; i++)
        {
            final String key = getString();
            if (null == key)
            {
                throw new CodecException("null key in a string map");
            }
            values.put(key, getString());
        }
        return Collections.unmodifiableMap(values);
    }

    public Set<String> getStringSet()
    {
        final int count = count(4);
        final TreeSet<String> values = new TreeSet<>();
        for (int i = 0; i < count; i++)
        {
            final String value = getString();
            if (null == value)
            {
                throw new CodecException("null element in a string set");
            }
            values.add(value);
        }
        return Collections.unmodifiableSet(values);
    }
}
