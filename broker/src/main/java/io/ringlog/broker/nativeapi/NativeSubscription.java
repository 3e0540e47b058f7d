package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.journal.LogTailer;

/**
 * One stream of a partition's batches to a session: the journal tailer that reads it, and what must be said before
 * and after the records (SubscribeResponse first, SubscriptionEnded last). Gateway thread only.
 */
final class NativeSubscription
{
    enum State
    {
        /** SubscribeResponse is due; nothing streams before it. */
        RESPONDING,
        /** Records follow the high watermark. */
        STREAMING,
        /** SubscriptionEnded is due; the log is not read any more. */
        ENDING,
        /** Gone: SubscriptionEnded sent, or its session closed. */
        ENDED
    }

    final NativeSession session;
    final long subscriptionId;
    final Partition partition;
    final LogTailer tailer;
    final int maxBytesPerMessage;
    final long startOffset;
    State state = State.RESPONDING;
    short endCode;
    /** With NOT_LEADER_OR_FOLLOWER: the new leader and its epoch, said in SubscriptionEnded; else -1. */
    int endLeaderId = -1;
    int endLeaderEpoch = -1;

    NativeSubscription(final NativeSession session, final long subscriptionId, final Partition partition,
        final long startOffset, final int maxBytesPerMessage)
    {
        this.session = session;
        this.subscriptionId = subscriptionId;
        this.partition = partition;
        this.startOffset = startOffset;
        this.tailer = new LogTailer(partition.log(), startOffset);
        this.maxBytesPerMessage = maxBytesPerMessage;
    }

    /** Stop reading the log; SubscriptionEnded with {@code code} goes out next. */
    void end(final short code)
    {
        if (state == State.RESPONDING || state == State.STREAMING)
        {
            state = State.ENDING;
            endCode = code;
        }
    }

    boolean isLive()
    {
        return state != State.ENDED;
    }

    @Override
    public String toString()
    {
        return "subscription " + subscriptionId + " of " + session + " on " + partition + " at " + tailer.position();
    }
}
