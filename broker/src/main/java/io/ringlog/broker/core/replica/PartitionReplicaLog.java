package io.ringlog.broker.core.replica;

import io.ringlog.journal.PartitionLog;
import io.ringlog.replication.data.ReplicaLog;
import io.ringlog.sequencer.PartitionSequencer;
import org.agrona.DirectBuffer;

/**
 * A partition as replication writes it: every write goes through the partition's sequencer on its shard thread (the
 * journal's single writer), which is the thread that runs the partition's {@code ShardReplicator}.
 */
final class PartitionReplicaLog implements ReplicaLog
{
    private final Partition partition;
    private final PartitionSequencer sequencer;

    PartitionReplicaLog(final Partition partition)
    {
        this.partition = partition;
        this.sequencer = partition.sequencer();
    }

    Partition partition()
    {
        return partition;
    }

    @Override
    public PartitionLog log()
    {
        return partition.log();
    }

    @Override
    public long highWatermark()
    {
        return sequencer.highWatermark();
    }

    @Override
    public void advanceHighWatermark(final long offset)
    {
        sequencer.advanceHighWatermark(offset);
    }

    @Override
    public int appendAsFollower(final DirectBuffer buffer, final int offset, final int length)
    {
        return sequencer.appendAsFollower(buffer, offset, length);
    }

    @Override
    public int truncateTo(final long offset)
    {
        return sequencer.truncateOnShard(offset);
    }

    @Override
    public int restartAt(final long offset)
    {
        return sequencer.restartAt(offset);
    }

    @Override
    public void inSyncReplicas(final int count)
    {
        sequencer.inSyncReplicasOnShard(count);
    }

    @Override
    public String toString()
    {
        return partition.toString();
    }
}
