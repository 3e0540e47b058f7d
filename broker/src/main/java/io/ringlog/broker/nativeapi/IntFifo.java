package io.ringlog.broker.nativeapi;

/** A bounded FIFO of ints over an array: answers waiting for egress room. Single-threaded; allocation-free. */
final class IntFifo
{
    private final int[] values;
    private int head;
    private int size;

    IntFifo(final int capacity)
    {
        values = new int[capacity];
    }

    int size()
    {
        return size;
    }

    /** @return false when full (never, where the capacity is the number of things that can be queued). */
    boolean add(final int value)
    {
        if (size == values.length)
        {
            return false;
        }
        values[(head + size) % values.length] = value;
        size++;
        return true;
    }

    /** The oldest value; the caller checks {@link #size()} first. */
    int poll()
    {
        final int value = values[head];
        head = (head + 1) % values.length;
        size--;
        return value;
    }
}
