package io.ringlog.client.producer;

/**
 * The producer's batch buffers: at most {@code buffer.memory / batch.size} of them (at least one), created on first
 * need and then recycled, never freed. An empty pool answers null and the send answers
 * {@link SendResult#BACK_PRESSURED}: memory is bounded by configuration, never by the rate of sends.
 * <p>
 * Owned by the client's thread.
 */
final class BatchPool
{
    private final int batchSize;
    private final BatchBuffer[] all;
    private final BatchBuffer[] free;
    private int created;
    private int freeCount;

    BatchPool(final int batchSize, final long bufferMemory)
    {
        this.batchSize = batchSize;
        final int max = (int)Math.max(1, Math.min(Integer.MAX_VALUE - 8, bufferMemory / batchSize));
        this.all = new BatchBuffer[max];
        this.free = new BatchBuffer[max];
    }

    /** @return a free buffer, or null when all {@link #capacity()} are in use. */
    BatchBuffer acquire()
    {
        if (freeCount > 0)
        {
            final BatchBuffer b = free[--freeCount];
            free[freeCount] = null;
            return b;
        }
        if (created < all.length)
        {
            final BatchBuffer b = new BatchBuffer(created, batchSize);
            all[created++] = b;
            return b;
        }
        return null;
    }

    void release(final BatchBuffer buffer)
    {
        buffer.free();
        free[freeCount++] = buffer;
    }

    int capacity()
    {
        return all.length;
    }

    /** Buffers holding an open, sealed or in-flight batch. */
    int inUse()
    {
        return created - freeCount;
    }

    int created()
    {
        return created;
    }
}
