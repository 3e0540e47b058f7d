package io.ringlog.broker.nativeapi;

/**
 * One slot per native produce request in flight: who asked, where its bytes are, and, once the partition has
 * answered, the answer until it is written to the session's egress. Parallel primitive arrays and a stack of free
 * slots: nothing is allocated per request. The slot number is what the sequencer hands back to the completion.
 * <p>
 * Gateway thread only (the shard sees only the slot number).
 */
final class ProduceSlots
{
    private final long[] sessionId;
    private final long[] correlationId;
    private final int[] partition;
    private final byte[] acks;
    private final int[] memoryOffset;
    private final short[] answerCode;
    private final long[] baseOffset;
    private final long[] logStartOffset;
    private final int[] free;
    private int freeCount;

    ProduceSlots(final int capacity)
    {
        sessionId = new long[capacity];
        correlationId = new long[capacity];
        partition = new int[capacity];
        acks = new byte[capacity];
        memoryOffset = new int[capacity];
        answerCode = new short[capacity];
        baseOffset = new long[capacity];
        logStartOffset = new long[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
    }

    int capacity()
    {
        return free.length;
    }

    int inUse()
    {
        return free.length - freeCount;
    }

    /** @return a slot, or -1 when every slot is in flight. */
    int take(final long session, final long correlation, final int partitionIndex, final byte acksValue,
        final int offset)
    {
        if (freeCount == 0)
        {
            return -1;
        }
        final int slot = free[--freeCount];
        sessionId[slot] = session;
        correlationId[slot] = correlation;
        partition[slot] = partitionIndex;
        acks[slot] = acksValue;
        memoryOffset[slot] = offset;
        return slot;
    }

    void release(final int slot)
    {
        memoryOffset[slot] = -1;
        free[freeCount++] = slot;
    }

    void answer(final int slot, final short code, final long base, final long logStart)
    {
        answerCode[slot] = code;
        baseOffset[slot] = base;
        logStartOffset[slot] = logStart;
    }

    long sessionId(final int slot)
    {
        return sessionId[slot];
    }

    long correlationId(final int slot)
    {
        return correlationId[slot];
    }

    int partition(final int slot)
    {
        return partition[slot];
    }

    byte acks(final int slot)
    {
        return acks[slot];
    }

    /** Where the request's bytes are in the request memory, or -1 once they were given back. */
    int memoryOffset(final int slot)
    {
        return memoryOffset[slot];
    }

    void memoryFreed(final int slot)
    {
        memoryOffset[slot] = -1;
    }

    short answerCode(final int slot)
    {
        return answerCode[slot];
    }

    long baseOffset(final int slot)
    {
        return baseOffset[slot];
    }

    long logStartOffset(final int slot)
    {
        return logStartOffset[slot];
    }
}
