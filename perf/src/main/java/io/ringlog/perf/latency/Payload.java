package io.ringlog.perf.latency;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The layout of every message the harness sends: the intended send time (a {@link System#nanoTime()} value, the
 * time the message was due, not the time it went out) at offset 0, a sequence number from 0 at offset 8, and filler
 * up to the message size. Stateless.
 */
public final class Payload
{
    /** Offset of the intended send time, a long in native byte order, {@link System#nanoTime()} scale. */
    public static final int INTENDED_TIME_OFFSET = 0;
    /** Offset of the sequence number, a long in native byte order, 0 for the first message of a run. */
    public static final int SEQUENCE_OFFSET = 8;
    /** The smallest message the harness can send. */
    public static final int MIN_LENGTH = 16;

    private static final int ALIGNMENT = 64;

    private Payload()
    {
    }

    /**
     * @param length message size in bytes, at least {@link #MIN_LENGTH}.
     * @return an off-heap, 64-byte-aligned buffer of {@code length} bytes, the filler set to a pattern.
     */
    public static UnsafeBuffer allocate(final int length)
    {
        if (length < MIN_LENGTH)
        {
            throw new IllegalArgumentException("message size must be at least " + MIN_LENGTH + " bytes: " + length);
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(length, ALIGNMENT));
        for (int i = MIN_LENGTH; i < length; i++)
        {
            buffer.putByte(i, (byte)('a' + i % 26));
        }
        return buffer;
    }

    /**
     * @param buffer         the payload.
     * @param intendedTimeNs the time the message is due.
     * @param sequence       the message's sequence number.
     */
    public static void stamp(final MutableDirectBuffer buffer, final long intendedTimeNs, final long sequence)
    {
        buffer.putLong(INTENDED_TIME_OFFSET, intendedTimeNs);
        buffer.putLong(SEQUENCE_OFFSET, sequence);
    }

    /**
     * @param buffer holding a message.
     * @param offset of the message.
     * @return its intended send time.
     */
    public static long intendedTime(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + INTENDED_TIME_OFFSET);
    }

    /**
     * @param buffer holding a message.
     * @param offset of the message.
     * @return its sequence number.
     */
    public static long sequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET);
    }
}
