package io.ringlog.client.producer;

import org.agrona.BitUtil;

/**
 * One partition's batches: the open one records are appended to, then the sealed ones in sequence order, each
 * waiting to be sent, in flight, or done but not yet popped (a batch done out of order waits for those before it).
 * A fixed ring of {@code 2 * max.in.flight} slots: when it is full the partition answers
 * {@link SendResult#BACK_PRESSURED}.
 * <p>
 * Owned by the client's thread.
 */
final class PartitionQueue
{
    final ProducerTopic topic;
    final int partition;
    private final BatchBuffer[] ring;
    private final int mask;
    private final int capacity;
    private int head;
    private int size;

    BatchBuffer open;
    int inFlight;
    int nextSequence;
    long retryAfterMs;
    boolean active;
    /** The leader's connection batches go to, and the client's routing version it was looked up at. */
    io.ringlog.client.BrokerConnection connection;
    int routingVersion = -1;

    PartitionQueue(final ProducerTopic topic, final int partition, final int ringCapacity)
    {
        this.topic = topic;
        this.partition = partition;
        this.capacity = ringCapacity;
        this.ring = new BatchBuffer[BitUtil.findNextPositivePowerOfTwo(ringCapacity)];
        this.mask = ring.length - 1;
    }

    int size()
    {
        return size;
    }

    boolean isFull()
    {
        return size >= capacity;
    }

    /** Nothing open, nothing waiting or in flight. */
    boolean isIdle()
    {
        return null == open && size == 0;
    }

    /** The i-th sealed batch from the oldest. */
    BatchBuffer get(final int i)
    {
        return ring[(head + i) & mask];
    }

    void add(final BatchBuffer batch)
    {
        ring[(head + size) & mask] = batch;
        size++;
    }

    /** The oldest batch if it is done, removed from the ring; else null. */
    BatchBuffer popDone()
    {
        if (size == 0)
        {
            return null;
        }
        final BatchBuffer b = ring[head];
        if (b.state != BatchBuffer.DONE)
        {
            return null;
        }
        ring[head] = null;
        head = (head + 1) & mask;
        size--;
        return b;
    }

    /** Position of {@code batch} in the ring, or -1. */
    int indexOf(final BatchBuffer batch)
    {
        for (int i = 0; i < size; i++)
        {
            if (ring[(head + i) & mask] == batch)
            {
                return i;
            }
        }
        return -1;
    }
}
