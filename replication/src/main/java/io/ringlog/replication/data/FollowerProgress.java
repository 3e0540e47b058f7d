package io.ringlog.replication.data;

import io.ringlog.journal.LogTailer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a leader knows of one follower of one partition: where its log ends, when it last caught up, and the tailer
 * that streams the leader's journal to it. Owned by the leader's shard thread.
 * <p>
 * Two values are also published for the metrics scrape: the log end offset and the last caught-up time, copied by
 * {@link #publish()} with release stores (two stores per ack, nothing allocated) and read with acquire loads by
 * {@link #publishedLogEndOffset()} and {@link #publishedLastCaughtUpMs()} on any thread. The shard thread itself
 * keeps reading the plain fields.
 */
final class FollowerProgress
{
    private static final VarHandle PUBLISHED_LOG_END;
    private static final VarHandle PUBLISHED_CAUGHT_UP;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            PUBLISHED_LOG_END = lookup.findVarHandle(FollowerProgress.class, "publishedLogEnd", long.class);
            PUBLISHED_CAUGHT_UP = lookup.findVarHandle(FollowerProgress.class, "publishedCaughtUpMs", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

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
    /**
     * Acks at or before this time do not show the follower alive: its last ack when it left the ISR, or when its
     * addition was refused (a fenced broker's is). It is proposed for the ISR again only after a later ack.
     */
    long staleAckMs = Long.MIN_VALUE;
    /** The leader's log end offset when the previous Ack arrived. */
    long leaderEndAtLastAck;
    long lastSentMs;
    long sentHighWatermark = -1;
    /** Written only through {@link #publish()} (release), read only with acquire loads. */
    @SuppressWarnings("unused")
    private long publishedLogEnd = -1;
    @SuppressWarnings("unused")
    private long publishedCaughtUpMs;

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
        publish();
    }

    /** Publish {@link #logEndOffset} and {@link #lastCaughtUpMs} for other threads. Shard thread, after a change. */
    void publish()
    {
        PUBLISHED_LOG_END.setRelease(this, logEndOffset);
        PUBLISHED_CAUGHT_UP.setRelease(this, lastCaughtUpMs);
    }

    /** The log end offset as last published, -1 before the follower said. Any thread. */
    long publishedLogEndOffset()
    {
        return (long)PUBLISHED_LOG_END.getAcquire(this);
    }

    /** When it last caught up (epoch ms), as last published. Any thread. */
    long publishedLastCaughtUpMs()
    {
        return (long)PUBLISHED_CAUGHT_UP.getAcquire(this);
    }
}
