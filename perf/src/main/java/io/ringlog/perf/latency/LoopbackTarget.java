package io.ringlog.perf.latency;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The harness's own floor: {@code send} copies the message into a slot of an off-heap ring of
 * {@value #SLOTS} slots on the harness thread, {@code poll} hands slots back in order. No other thread, no system
 * call, no shared memory: what is left is the pacing loop, two copies, the clock reads and the histogram. A full ring
 * refuses the send (back-pressure). Subclasses may override {@link #send} to add behaviour around it (the tests add
 * a stall).
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
public class LoopbackTarget implements LatencyTarget
{
    /** Ring capacity, messages. */
    static final int SLOTS = 1024;

    private UnsafeBuffer ring;
    private final UnsafeBuffer slot = new UnsafeBuffer(0, 0);
    private int slotLength;
    private long head;
    private long tail;

    @Override
    public String name()
    {
        return "loopback";
    }

    @Override
    public void start(final TargetSettings settings)
    {
        slotLength = settings.messageLength();
        ring = Payload.allocate(Math.multiplyExact(SLOTS, slotLength));
    }

    @Override
    public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
    {
        if (tail - head == SLOTS)
        {
            return false;
        }
        ring.putBytes((int)(tail % SLOTS) * slotLength, payload, 0, length);
        tail++;
        return true;
    }

    @Override
    public int poll(final MessageReceiver receiver, final int limit)
    {
        int count = 0;
        while (head < tail && count < limit)
        {
            slot.wrap(ring, (int)(head % SLOTS) * slotLength, slotLength);
            head++;
            receiver.onMessage(slot, 0, slotLength);
            count++;
        }
        return count;
    }

    @Override
    public void close()
    {
        ring = null;
    }
}
