package io.ringlog.replication.codec;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Appends little-endian fields to a growing buffer: the writing half of the replication module's small binary codec
 * (records, commands, snapshots). Cold path: clarity over speed.
 * <p>
 * Not thread-safe: one writer per instance.
 */
public final class BufferWriter
{
    private final ExpandableArrayBuffer buffer;
    private int position;

    public BufferWriter()
    {
        this(256);
    }

    public BufferWriter(final int initialCapacity)
    {
        buffer = new ExpandableArrayBuffer(initialCapacity);
    }

    /** Bytes written so far. */
    public int position()
    {
        return position;
    }

    /** The buffer written to; valid from 0 to {@link #position()}. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /** Forget everything written, keeping the memory. */
    public BufferWriter reset()
    {
        position = 0;
        return this;
    }

    /** A copy of what was written. */
    public byte[] toByteArray()
    {
        final byte[] bytes = new byte[position];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    public BufferWriter putByte(final byte value)
    {
        buffer.putByte(position, value);
        position += 1;
        return this;
    }

    public BufferWriter putBoolean(final boolean value)
    {
        return putByte(value ? (byte)1 : (byte)0);
    }

    public BufferWriter putShort(final short value)
    {
        buffer.putShort(position, value);
        position += 2;
        return this;
    }

    public BufferWriter putInt(final int value)
    {
        buffer.putInt(position, value);
        position += 4;
        return this;
    }

    /** Overwrite an int written earlier, e.g. a length known only at the end. */
    public BufferWriter putIntAt(final int index, final int value)
    {
        buffer.putInt(index, value);
        return this;
    }

    public BufferWriter putLong(final long value)
    {
        buffer.putLong(position, value);
        position += 8;
        return this;
    }

    public BufferWriter putUuid(final UUID value)
    {
        return putLong(value.getMostSignificantBits()).putLong(value.getLeastSignificantBits());
    }

    /** A nullable string: int length (-1 for null) then UTF-8 bytes. */
    public BufferWriter putString(final String value)
    {
        if (null == value)
        {
            return putInt(-1);
        }
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        putInt(bytes.length);
        buffer.putBytes(position, bytes);
        position += bytes.length;
        return this;
    }

    public BufferWriter putBytes(final DirectBuffer source, final int offset, final int length)
    {
        buffer.putBytes(position, source, offset, length);
        position += length;
        return this;
    }

    /** int count then the ints. */
    public BufferWriter putIntList(final List<Integer> values)
    {
        putInt(values.size());
        for (final int value : values)
        {
            putInt(value);
        }
        return this;
    }

    /** int count then key/value strings, in the map's iteration order (callers pass sorted maps). */
    public BufferWriter putStringMap(final Map<String, String> values)
    {
        putInt(values.size());
        for (final Map.Entry<String, String> e : values.entrySet())
        {
            putString(e.getKey()).putString(e.getValue());
        }
        return this;
    }

    /** int count then the strings, in the set's iteration order (callers pass sorted sets). */
    public BufferWriter putStringSet(final Set<String> values)
    {
        putInt(values.size());
        for (final String value : values)
        {
            putString(value);
        }
        return this;
    }
}
