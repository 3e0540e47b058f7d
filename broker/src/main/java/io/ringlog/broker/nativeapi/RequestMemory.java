package io.ringlog.broker.nativeapi;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The bounded off-heap memory that holds native produce requests from the moment they leave the Aeron term (whose
 * bytes are not stable once the poll returns, and which {@code PartitionSequencer.offer} does not copy) until their
 * partition has answered. A circular arena: each block is an 8-byte header (length, state) and the bytes, allocated
 * at the tail and freed in any order; the head moves past freed blocks in allocation order, so an old request still
 * waiting (acks=all) holds back reuse of what follows it, which is the bound doing its job. A block that would not
 * fit before the end of the arena leaves the rest as padding and starts at 0. Allocation and free are O(1) but for
 * that walk of the head, and allocate nothing.
 * <p>
 * Gateway thread only. The shard reads the bytes of a block between offer and completion (the ring hand-off orders
 * the copy before it).
 */
final class RequestMemory
{
    private static final int HEADER = 8;
    private static final int IN_USE = 1;
    private static final int FREE = 0;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private long head;
    private long tail;

    RequestMemory(final int capacity)
    {
        this.capacity = BitUtil.align(capacity, HEADER);
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(this.capacity));
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    int capacity()
    {
        return capacity;
    }

    /** The largest request that can ever fit. */
    int maxRequestLength()
    {
        return capacity - HEADER;
    }

    /** Bytes held, headers and padding included. */
    long used()
    {
        return tail - head;
    }

    /**
     * @return the offset of {@code length} usable bytes in {@link #buffer()}, or -1 when they do not fit now.
     */
    int allocate(final int length)
    {
        final int need = BitUtil.align(HEADER + length, HEADER);
        if (need > capacity || length < 0)
        {
            return -1;
        }
        int index = (int)(tail % capacity);
        final int toEnd = capacity - index;
        if (need > toEnd)
        {
            if (tail - head + toEnd + need > capacity)
            {
                return -1;
            }
            buffer.putInt(index, toEnd);
            buffer.putInt(index + 4, FREE);
            tail += toEnd;
            index = 0;
        }
        else if (tail - head + need > capacity)
        {
            return -1;
        }
        buffer.putInt(index, need);
        buffer.putInt(index + 4, IN_USE);
        tail += need;
        return index + HEADER;
    }

    /** Give back the block whose usable bytes start at {@code offset}. */
    void free(final int offset)
    {
        buffer.putInt(offset - HEADER + 4, FREE);
        while (head < tail)
        {
            final int index = (int)(head % capacity);
            if (buffer.getInt(index + 4) != FREE)
            {
                break;
            }
            head += buffer.getInt(index);
        }
        if (head == tail)
        {
            head = 0; // empty: start again at the front, so large blocks find room
            tail = 0;
        }
    }
}
