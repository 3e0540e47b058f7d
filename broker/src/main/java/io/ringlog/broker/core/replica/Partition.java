package io.ringlog.broker.core.replica;

import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.PartitionSequencer;

import java.util.UUID;

/**
 * A partition this broker holds a replica of, as leader or as follower: its journal, its sequencer (the only way to
 * write it), the shard that owns it, and its role. The references are fixed; the role changes with the metadata
 * image ({@link ReplicaManager}) and is read by the edges on every produce, so it is one volatile field packing
 * "leader?" with the leader epoch: one plain load on x86, no lock. The journal's offsets are published by the shard,
 * the high watermark by the sequencer. Any thread may read.
 */
public final class Partition
{
    /** {@link #leadership()} of a follower: no epoch at which this broker leads. */
    public static final long NOT_LEADER = -1L;

    private final String topic;
    private final UUID topicId;
    private final int index;
    private final PartitionLog log;
    private final PartitionSequencer sequencer;
    private final int shardIndex;
    /** The leader epoch when this broker leads, else {@link #NOT_LEADER}. Written by the replica manager's thread. */
    private volatile long leadership;
    /** The leader's node id as the image says (this broker's when it leads). Replica manager's thread writes. */
    private volatile int leaderId;

    /**
     * A partition this broker leads at its sequencer's epoch.
     *
     * @param topic      the topic's name.
     * @param topicId    the topic's id.
     * @param index      the partition number.
     * @param log        its journal.
     * @param sequencer  its single-writer pipeline; null in tests that need no appends.
     * @param shardIndex the shard whose thread writes it.
     */
    public Partition(final String topic, final UUID topicId, final int index, final PartitionLog log,
        final PartitionSequencer sequencer, final int shardIndex)
    {
        this.topic = topic;
        this.topicId = topicId;
        this.index = index;
        this.log = log;
        this.sequencer = sequencer;
        this.shardIndex = shardIndex;
        this.leadership = sequencer == null ? 0 : sequencer.leaderEpoch();
        this.leaderId = -1;
    }

    public String topic()
    {
        return topic;
    }

    public UUID topicId()
    {
        return topicId;
    }

    public int index()
    {
        return index;
    }

    public PartitionLog log()
    {
        return log;
    }

    public PartitionSequencer sequencer()
    {
        return sequencer;
    }

    public int shardIndex()
    {
        return shardIndex;
    }

    /** Records below this offset are visible to consumers. */
    public long highWatermark()
    {
        return sequencer.highWatermark();
    }

    /** The epoch stamped into batches appended here. */
    public int leaderEpoch()
    {
        return sequencer.leaderEpoch();
    }

    /**
     * Whether this broker leads the partition, and at which epoch, in one read: the epoch, or {@link #NOT_LEADER}.
     * What an edge checks before it offers a produce (NOT_LEADER_OR_FOLLOWER otherwise). Any thread.
     */
    public long leadership()
    {
        return leadership;
    }

    public boolean isLeader()
    {
        return leadership != NOT_LEADER;
    }

    /** The leader's node id as the latest image says; -1 before the first image. Any thread. */
    public int leaderId()
    {
        return leaderId;
    }

    void becomeLeader(final int nodeId, final int epoch)
    {
        leaderId = nodeId;
        leadership = epoch;
    }

    void becomeFollower(final int leaderId)
    {
        this.leaderId = leaderId;
        leadership = NOT_LEADER;
    }

    @Override
    public String toString()
    {
        return topic + "-" + index;
    }
}
