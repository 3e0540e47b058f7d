package io.ringlog.replication.data;

import io.ringlog.journal.LogSlice;

import java.util.UUID;

/**
 * The replication messages a shard sends, addressed by broker id and stream. {@link AeronOutbox} puts them on Aeron
 * publications; a test can put them anywhere. Each method answers false when the message could not be sent now
 * (back-pressure, peer not connected or unknown): the caller tries again on a later duty cycle. Shard thread.
 */
public interface Outbox
{
    boolean fetchStart(int leaderId, int followerKey, int replyStreamId, UUID topicId, int partition, int leaderEpoch,
        long fetchOffset, int lastFetchedEpoch);

    boolean streamStart(int followerId, int replyStreamId, int followerKey, int leaderKey, int leaderEpoch,
        int divergingEpoch, long divergingEndOffset, long logStartOffset, long highWatermark, long startOffset);

    /**
     * @param batches whole batches from the leader's journal, sent without a copy; null for a keep-alive.
     */
    boolean records(int followerId, int replyStreamId, int followerKey, int leaderEpoch, long baseOffset,
        long highWatermark, long logStartOffset, LogSlice batches);

    boolean ack(int leaderId, int ackStreamId, int leaderKey, int leaderEpoch, long logEndOffset);

    /** The stream this shard receives Records, StreamStart and Ack on. */
    int dataStreamId();
}
