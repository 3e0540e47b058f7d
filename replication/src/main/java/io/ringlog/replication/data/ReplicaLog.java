package io.ringlog.replication.data;

import io.ringlog.journal.PartitionLog;
import org.agrona.DirectBuffer;

/**
 * What replication needs of one partition's replica on this broker: its journal to read, and the writes that must
 * go through the partition's single writer. The broker implements it over the partition's sequencer, whose shard
 * thread is the thread that runs the {@link ShardReplicator} holding it; every method is called on that thread.
 */
public interface ReplicaLog
{
    /** The journal, for its read methods and leader epochs (writes go through the methods below). */
    PartitionLog log();

    /** Records below it are committed. */
    long highWatermark();

    /**
     * Raise the high watermark to {@code offset} (never lowered, at most the log end offset) and answer the acks=all
     * requests it reaches.
     */
    void advanceHighWatermark(long offset);

    /**
     * Append batches copied from the leader, keeping their offsets and epochs, and record them in the idempotent-
     * producer state (so a new leader knows the producers' sequences).
     *
     * @return a journal status code, {@code 0} (OK) on success.
     */
    int appendAsFollower(DirectBuffer buffer, int offset, int length);

    /** Remove the batches from the one holding {@code offset} on (a diverged log); a journal status code. */
    int truncateTo(long offset);

    /** Drop the whole log and start it empty at {@code offset} (below the leader's log start); a journal code. */
    int restartAt(long offset);

    /** How many replicas are in sync, this one included, as the controller committed it (min.insync.replicas). */
    void inSyncReplicas(int count);
}
