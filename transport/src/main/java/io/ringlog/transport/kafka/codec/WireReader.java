package io.ringlog.transport.kafka.codec;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * A bounds-checked cursor over Kafka's primitive wire types in a {@link DirectBuffer}: big-endian
 * integers, unsigned varints, length-prefixed and compact strings, tagged-field sections.
 * <p>
 * Reading past the limit or meeting an impossible length does not throw: it sets
 * {@link #isMalformed()} and every later read returns 0, so a decoder checks once at the end of
 * a structure. Exceptions would be flow control on the hot path, and a malformed frame from a
 * client is an expected event, not a bug.
 * <p>
 * <b>Thread:</b> a flyweight; used by one thread at a time, like the decoder that owns it.
 */
final class WireReader
{
    static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private static final int MAX_VARINT_BYTES = 5;

    private DirectBuffer buffer;
    private int position;
    private int limit;
    private boolean malformed;

    void wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.position = offset;
        this.limit = offset + length;
        this.malformed = offset < 0 || length < 0 || offset + length > buffer.capacity() || offset + length < 0;
    }

    DirectBuffer buffer()
    {
        return buffer;
    }

    int position()
    {
        return position;
    }

    void position(final int position)
    {
        this.position = position;
    }

    int limit()
    {
        return limit;
    }

    boolean isMalformed()
    {
        return malformed;
    }

    void markMalformed()
    {
        malformed = true;
    }

    short readInt16()
    {
        if (!require(2))
        {
            return 0;
        }
        final short value = buffer.getShort(position, ORDER);
        position += 2;
        return value;
    }

    int readInt32()
    {
        if (!require(4))
        {
            return 0;
        }
        final int value = buffer.getInt(position, ORDER);
        position += 4;
        return value;
    }

    long readInt64()
    {
        if (!require(8))
        {
            return 0;
        }
        final long value = buffer.getLong(position, ORDER);
        position += 8;
        return value;
    }

    /**
     * Kafka's unsigned varint: 7 bits a byte, least significant group first, at most 5 bytes.
     *
     * @return the value, which may be negative if the sender encoded a 32-bit value with the top bit set.
     */
    int readUnsignedVarint()
    {
        int value = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++)
        {
            if (!require(1))
            {
                return 0;
            }
            final int b = buffer.getByte(position++);
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        malformed = true;
        return 0;
    }

    /**
     * Length of a (possibly nullable) string or byte field, either int16-prefixed or compact
     * (unsigned varint of length + 1), with the bytes checked to lie within the limit.
     *
     * @param compact  whether the field uses the compact encoding of flexible versions.
     * @param nullable whether null (-1) is allowed.
     * @return the length, or -1 for null.
     */
    int readStringLength(final boolean compact, final boolean nullable)
    {
        final int length = compact ? readUnsignedVarint() - 1 : readInt16();
        return checkLength(length, nullable);
    }

    /**
     * Length of a (possibly nullable) records or bytes field: int32-prefixed or compact.
     *
     * @param compact  whether the field uses the compact encoding of flexible versions.
     * @param nullable whether null (-1) is allowed.
     * @return the length, or -1 for null.
     */
    int readBytesLength(final boolean compact, final boolean nullable)
    {
        final int length = compact ? readUnsignedVarint() - 1 : readInt32();
        return checkLength(length, nullable);
    }

    /**
     * Element count of an array: int32 or compact (unsigned varint of count + 1). Each element
     * takes at least one byte, so a count above the bytes left is malformed: this keeps a hostile
     * count from driving a long loop.
     *
     * @param compact  whether the field uses the compact encoding of flexible versions.
     * @param nullable whether null (-1) is allowed.
     * @return the count, or -1 for null.
     */
    int readArrayLength(final boolean compact, final boolean nullable)
    {
        final int count = compact ? readUnsignedVarint() - 1 : readInt32();
        if (malformed)
        {
            return 0;
        }
        if (count < 0)
        {
            if (count == -1 && nullable)
            {
                return -1;
            }
            malformed = true;
            return 0;
        }
        if (count > limit - position)
        {
            malformed = true;
            return 0;
        }
        return count;
    }

    /**
     * Skip a tagged-fields section: a count, then for each field its tag, size and bytes.
     * Unknown tags are allowed by the protocol and are ignored here, as the generated classes keep
     * them aside without interpreting them.
     */
    void skipTaggedFields()
    {
        final int count = readUnsignedVarint();
        if (count < 0 || count > limit - position)
        {
            malformed = true;
            return;
        }
        for (int i = 0; i < count && !malformed; i++)
        {
            readUnsignedVarint();
            final int size = readUnsignedVarint();
            skip(size);
        }
    }

    void skip(final int length)
    {
        if (length < 0)
        {
            malformed = true;
        }
        else if (require(length))
        {
            position += length;
        }
    }

    private int checkLength(final int length, final boolean nullable)
    {
        if (malformed)
        {
            return 0;
        }
        if (length < 0)
        {
            if (length == -1 && nullable)
            {
                return -1;
            }
            malformed = true;
            return 0;
        }
        if (length > limit - position)
        {
            malformed = true;
            return 0;
        }
        return length;
    }

    private boolean require(final int bytes)
    {
        if (malformed || bytes > limit - position)
        {
            malformed = true;
            return false;
        }
        return true;
    }
}
