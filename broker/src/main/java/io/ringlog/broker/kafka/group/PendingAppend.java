package io.ringlog.broker.kafka.group;

import io.ringlog.sequencer.ProduceCompletion;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One batch of group records on its way into {@code __consumer_offsets}: it keeps the batch's bytes alive until the
 * sequencer has appended them (the ring holds a reference, not a copy), takes the completion on the shard thread
 * with one release store, and is picked up by the coordinator thread, which polls its appends in flight every duty
 * cycle and runs {@link Callback} there. So nothing the coordinator owns is touched by a shard thread, and no queue
 * from the shards can fill: there is exactly one completion per append, held in the append itself.
 */
final class PendingAppend implements ProduceCompletion
{
    /** The status before the shard has answered. */
    static final int IN_FLIGHT = Integer.MIN_VALUE;

    /** What to do once the batch is appended or refused. Coordinator thread. */
    @FunctionalInterface
    interface Callback
    {
        /**
         * @param status a {@link io.ringlog.sequencer.ProduceStatus} or journal code: {@code >= 0} is success.
         */
        void onAppended(int status);
    }

    final UnsafeBuffer bytes;
    final Callback callback;
    private final Runnable wakeCoordinator;
    private final AtomicInteger status = new AtomicInteger(IN_FLIGHT);

    PendingAppend(final UnsafeBuffer bytes, final Callback callback, final Runnable wakeCoordinator)
    {
        this.bytes = bytes;
        this.callback = callback;
        this.wakeCoordinator = wakeCoordinator;
    }

    /** Shard thread: publish the answer; the coordinator sees it on its next duty cycle. */
    @Override
    public void onComplete(
        final long correlation,
        final int slot,
        final int status,
        final long baseOffset,
        final long logAppendTime,
        final long logStartOffset)
    {
        this.status.setRelease(status);
        wakeCoordinator.run();
    }

    /** The status, or {@link #IN_FLIGHT}. Coordinator thread, acquire. */
    int status()
    {
        return status.getAcquire();
    }
}
