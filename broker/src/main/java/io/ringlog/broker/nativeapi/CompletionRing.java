package io.ringlog.broker.nativeapi;

import io.ringlog.sequencer.ProduceCompletion;
import org.agrona.BitUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way answers reach the gateway thread: the shards' produce completions (written here on the shard thread,
 * in the middle of its duty cycle) and the cold-path answers (admin thread, group coordinator thread). An Agrona
 * {@link ManyToOneRingBuffer} of small fixed records, drained by the gateway with a cap per duty cycle.
 * <p>
 * <b>It cannot fill up</b>, by construction: every record stands for one produce slot or one cold call in flight,
 * and a slot or call is reused only after the gateway has read its record, so the ring is sized for all of them at
 * once (plus the padding of a wrap). A shard therefore never waits or drops here; a failed claim would be a bug, and
 * is counted and logged rather than blocking the shard.
 * <p>
 * Thread-safe: any number of writers, one reader (the gateway thread).
 */
final class CompletionRing implements ProduceCompletion
{
    /** A produce completion: slot int32, status int32, base offset int64, log start offset int64. */
    static final int PRODUCE_DONE = 1;
    static final int PRODUCE_DONE_LENGTH = 24;
    /** A cold call answered: call index int32; the answer itself is in the call. */
    static final int COLD_DONE = 2;
    static final int COLD_DONE_LENGTH = 4;

    private final ManyToOneRingBuffer ring;
    private final AtomicLong lost = new AtomicLong();

    CompletionRing(final int produceSlots, final int coldCalls)
    {
        final int record = 8; // the ring's record header
        final long needed = (long)produceSlots * BitUtil.align(record + PRODUCE_DONE_LENGTH, record) +
            (long)coldCalls * BitUtil.align(record + COLD_DONE_LENGTH, record);
        // Twice what all of them at once need: room for the padding record of a wrap, whatever the mix.
        final int capacity = BitUtil.findNextPositivePowerOfTwo((int)Math.min(needed * 2, 1 << 30));
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** The shard's answer to an offer: one record, no allocation. Shard thread. */
    @Override
    public void onComplete(final long correlation, final int slot, final int status, final long baseOffset,
        final long logAppendTime, final long logStartOffset)
    {
        final int index = ring.tryClaim(PRODUCE_DONE, PRODUCE_DONE_LENGTH);
        if (index < 0)
        {
            lost.incrementAndGet();
            return;
        }
        final UnsafeBuffer buffer = (UnsafeBuffer)ring.buffer();
        buffer.putInt(index, slot);
        buffer.putInt(index + 4, status);
        buffer.putLong(index + 8, baseOffset);
        buffer.putLong(index + 16, logStartOffset);
        ring.commit(index);
    }

    /** A cold call's answer is in the call: tell the gateway. Any thread. */
    void coldDone(final int callIndex)
    {
        final int index = ring.tryClaim(COLD_DONE, COLD_DONE_LENGTH);
        if (index < 0)
        {
            lost.incrementAndGet();
            return;
        }
        ring.buffer().putInt(index, callIndex);
        ring.commit(index);
    }

    /** Gateway thread. */
    int drain(final MessageHandler handler, final int limit)
    {
        return ring.read(handler, limit);
    }

    /** Records that could not be written: always 0 unless the sizing above is wrong. */
    long lost()
    {
        return lost.get();
    }
}
