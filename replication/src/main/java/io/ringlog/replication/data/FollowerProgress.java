package io.ringlog.replication.data;

import io.ringlog.journal.LogTailer;

/**
 * What a leader knows of one follower of one partition: where its log ends, when it last caught up, and the tailer
 * that streams the leader's journal to it. Owned by the leader's shard thread.
 */
final class FollowerProgress
{
    final int brokerId;
    final LogTailer tailer;
    /** The follower's key for the conversation and the stream it receives on; valid while {@link #streaming}. */
    int followerKey;
    int replyStreamId;
    boolean streaming;
    /** Its log end offset as last acknowledged; -1 until it has said. */
    long logEndOffset = -1;
    /** Kafka's lastCaughtUpTimeMs: the last time its log reached the leader's log end as it was then. */
    long lastCaughtUpMs;
    long lastAckMs;
    /** The leader's log end offset when the previous Ack arrived. */
    long leaderEndAtLastAck;
    long lastSentMs;
    long sentHighWatermark = -1;

    FollowerProgress(final int brokerId, final LogTailer tailer)
    {
        this.brokerId = brokerId;
        this.tailer = tailer;
    }

    /** Kafka's rule: caught up if it has what the leader had at the previous ack, or has the leader's end now. */
    void onAck(final long followerEnd, final long leaderEnd, final long nowMs)
    {
        if (followerEnd >= leaderEnd)
        {
            lastCaughtUpMs = nowMs;
        }
        else if (followerEnd >= leaderEndAtLastAck && lastAckMs > lastCaughtUpMs)
        {
            lastCaughtUpMs = lastAckMs;
        }
        leaderEndAtLastAck = leaderEnd;
        lastAckMs = nowMs;
        logEndOffset = followerEnd;
    }
}
