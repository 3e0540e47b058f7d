package io.ringlog.sequencer.ring;

import io.ringlog.sequencer.ProduceCompletion;
import org.agrona.DirectBuffer;

/**
 * One produce request for one partition, as it sits in the partition's Disruptor ring: pre-allocated with the ring
 * and reused, so publishing one allocates nothing. It refers to the caller's bytes, it does not copy them: the caller
 * keeps them alive and unchanged until the completion is called.
 * <p>
 * Threads: the offering thread writes it between claiming and publishing its sequence; the shard thread reads and
 * clears it after the Disruptor's publication barrier. An event with no completion is <em>dead</em>: its offer was
 * refused after the claim (the partition was closing) and the shard skips it.
 */
public final class ProduceEvent
{
    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int acks;
    private long timeoutMs;
    private long correlation;
    private int slot;
    private ProduceCompletion completion;

    /** Fill the event; offering thread, between claim and publish. */
    public void set(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int acks,
        final long timeoutMs,
        final long correlation,
        final int slot,
        final ProduceCompletion completion)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.acks = acks;
        this.timeoutMs = timeoutMs;
        this.correlation = correlation;
        this.slot = slot;
        this.completion = completion;
    }

    /** Drop the references (so a drained slot pins no caller memory) and make the event dead. */
    public void clear()
    {
        buffer = null;
        completion = null;
        offset = 0;
        length = 0;
    }

    /** The caller's buffer holding the partition's record batches. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public int length()
    {
        return length;
    }

    /** 0, 1 or -1 (all). */
    public int acks()
    {
        return acks;
    }

    /** How long an acks=all request may wait for the high watermark. */
    public long timeoutMs()
    {
        return timeoutMs;
    }

    public long correlation()
    {
        return correlation;
    }

    public int slot()
    {
        return slot;
    }

    /** The callback, or null for a dead event. */
    public ProduceCompletion completion()
    {
        return completion;
    }
}
