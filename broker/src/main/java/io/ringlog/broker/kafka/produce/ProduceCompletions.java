package io.ringlog.broker.kafka.produce;

import io.ringlog.sequencer.ProduceCompletion;
import org.agrona.BitUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the shards answer Kafka produces: each appended (or refused) partition is one small fixed record in an Agrona
 * {@link ManyToOneRingBuffer}, written on the shard thread in the middle of its duty cycle, drained by the selector
 * thread, which encodes the answer. The shard, the journal's single writer, so never builds a response, allocates
 * or waits for the listener: it writes {@value #RECORD_LENGTH} bytes and, when the selector is blocked in
 * {@code select}, wakes it.
 * <p>
 * Record: request id int32 (the pooled {@link PendingProduce}'s index, passed to the sequencer as the offer's
 * correlation), partition slot int32, status int32, padding, base offset int64, log append time int64, log start
 * offset int64.
 * <p>
 * <b>It cannot fill up</b>, by construction: the selector {@link #tryReserve reserves} a record before it offers a
 * partition to its sequencer and gives it back when it has read the record, and the ring is sized for
 * {@link #CAPACITY} records at once plus the padding of a wrap. When every record is reserved the selector holds
 * the request back (its connection reads nothing more) until completions free some: that is the push-back, not an
 * error answer. A failed claim would be a bug; it is counted and logged rather than blocking the shard.
 * <p>
 * Thread-safe: any number of writers (shards), one reader (the selector thread), which also owns the reservations.
 */
final class ProduceCompletions implements ProduceCompletion
{
    /** Partition appends in flight at once, over every Kafka produce; 1.5 MiB of ring. */
    static final int CAPACITY = 16 * 1024;
    static final int TYPE = 1;
    static final int RECORD_LENGTH = 40;
    static final int REQUEST_OFFSET = 0;
    static final int SLOT_OFFSET = 4;
    static final int STATUS_OFFSET = 8;
    static final int BASE_OFFSET_OFFSET = 16;
    static final int LOG_APPEND_TIME_OFFSET = 24;
    static final int LOG_START_OFFSET_OFFSET = 32;

    private static final Logger LOG = LoggerFactory.getLogger(ProduceCompletions.class);

    private final ManyToOneRingBuffer ring;
    private final UnsafeBuffer buffer;
    private final Runnable wakeSelector;
    private final int capacity;
    private final AtomicLong lost = new AtomicLong();
    private int reserved;

    /**
     * @param capacity     records in flight at once.
     * @param wakeSelector wakes the selector if it is blocked in {@code select}; any thread, cheap when it is not.
     */
    ProduceCompletions(final int capacity, final Runnable wakeSelector)
    {
        final int record = BitUtil.align(RecordDescriptor.HEADER_LENGTH + RECORD_LENGTH, RecordDescriptor.ALIGNMENT);
        // Twice what all of them at once need: room for the padding record of a wrap.
        final int size = BitUtil.findNextPositivePowerOfTwo(capacity * record * 2);
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(size + RingBufferDescriptor.TRAILER_LENGTH));
        this.ring = new ManyToOneRingBuffer(buffer);
        this.capacity = capacity;
        this.wakeSelector = wakeSelector;
    }

    /** The shard's answer to an offer: one record, no allocation. Shard thread. */
    @Override
    public void onComplete(final long correlation, final int slot, final int status, final long baseOffset,
        final long logAppendTime, final long logStartOffset)
    {
        final int index = ring.tryClaim(TYPE, RECORD_LENGTH);
        if (index < 0)
        {
            if (lost.getAndIncrement() == 0)
            {
                LOG.error("a produce completion did not fit its ring: a sizing bug; the request will not be answered");
            }
            return;
        }
        buffer.putInt(index + REQUEST_OFFSET, (int)correlation);
        buffer.putInt(index + SLOT_OFFSET, slot);
        buffer.putInt(index + STATUS_OFFSET, status);
        buffer.putLong(index + BASE_OFFSET_OFFSET, baseOffset);
        buffer.putLong(index + LOG_APPEND_TIME_OFFSET, logAppendTime);
        buffer.putLong(index + LOG_START_OFFSET_OFFSET, logStartOffset);
        ring.commit(index);
        wakeSelector.run();
    }

    /** Room for one more record, taken; false when every record is spoken for. Selector thread. */
    boolean tryReserve()
    {
        if (reserved == capacity)
        {
            return false;
        }
        reserved++;
        return true;
    }

    /** A reserved record that will not be written (the offer was refused), or one that has been read. Selector. */
    void unreserve()
    {
        reserved--;
    }

    /** Whether records are waiting (or being written): a volatile read of the ring's positions. Selector thread. */
    boolean hasRecords()
    {
        return ring.producerPosition() != ring.consumerPosition();
    }

    /** Selector thread. */
    int drain(final MessageHandler handler, final int limit)
    {
        return ring.read(handler, limit);
    }
}
