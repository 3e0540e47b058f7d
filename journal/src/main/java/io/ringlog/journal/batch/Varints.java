package io.ringlog.journal.batch;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Kafka's record-level integers: zig-zag encoded, base-128, least significant group first (the same encoding as
 * protobuf's {@code sint32} / {@code sint64}). Every length and delta inside a RecordBatch v2 record uses it.
 * <p>
 * Stateless and thread-safe. Readers report malformed input through {@link Cursor#malformed} instead of throwing,
 * so a corrupt batch costs a code, not an exception, on the append and poll paths. One implementation for the
 * journal's validation ({@link RecordCursor}) and the native client's builder and reader.
 */
public final class Varints
{
    private Varints()
    {
    }

    /** Bytes {@link #putVarint} writes for {@code value}. */
    public static int sizeOfVarint(final int value)
    {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xFFFF_FF80) != 0)
        {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    /** Bytes {@link #putVarlong} writes for {@code value}. */
    public static int sizeOfVarlong(final long value)
    {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xFFFF_FFFF_FFFF_FF80L) != 0)
        {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    /**
     * Write {@code value} zig-zag encoded at {@code index}.
     *
     * @return the index after the last byte written.
     */
    public static int putVarint(final MutableDirectBuffer buffer, final int index, final int value)
    {
        int v = (value << 1) ^ (value >> 31);
        int i = index;
        while ((v & 0xFFFF_FF80) != 0)
        {
            buffer.putByte(i++, (byte)((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buffer.putByte(i++, (byte)v);
        return i;
    }

    /**
     * Write {@code value} zig-zag encoded at {@code index}.
     *
     * @return the index after the last byte written.
     */
    public static int putVarlong(final MutableDirectBuffer buffer, final int index, final long value)
    {
        long v = (value << 1) ^ (value >> 63);
        int i = index;
        while ((v & 0xFFFF_FFFF_FFFF_FF80L) != 0)
        {
            buffer.putByte(i++, (byte)((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buffer.putByte(i++, (byte)v);
        return i;
    }

    /**
     * A read position over a bounded window of a buffer. Reads past {@link #limit} or over-long encodings set
     * {@link #malformed} and return 0. Not thread-safe; reused, never allocated per record.
     */
    public static final class Cursor
    {
        public DirectBuffer buffer;
        public int position;
        public int limit;
        public boolean malformed;

        public Cursor wrap(final DirectBuffer buffer, final int position, final int limit)
        {
            this.buffer = buffer;
            this.position = position;
            this.limit = limit;
            this.malformed = false;
            return this;
        }

        public int readVarint()
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

        public long readVarlong()
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

        /**
         * Step over {@code length} bytes of a nullable field (-1 is null, and skips nothing).
         *
         * @return the field's start, or -1 when null.
         */
        public int skipField(final int length)
        {
            if (length < 0)
            {
                if (length != -1)
                {
                    malformed = true;
                }
                return -1;
            }
            if (length > limit - position)
            {
                malformed = true;
                return -1;
            }
            final int start = position;
            position += length;
            return start;
        }
    }
}
