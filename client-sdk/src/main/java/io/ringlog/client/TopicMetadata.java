package io.ringlog.client;

import java.util.UUID;

/**
 * A topic as the broker described it: its 16-byte id (the native protocol addresses topics by id, as Kafka's Produce
 * v13 does) and its partitions, indexed by partition number. Immutable and safe to share; a refresh builds a new one.
 */
public final class TopicMetadata
{
    private final String name;
    private final long topicIdMsb;
    private final long topicIdLsb;
    private final PartitionMetadata[] partitions;

    public TopicMetadata(final String name, final long topicIdMsb, final long topicIdLsb, final PartitionMetadata[] partitions)
    {
        this.name = name;
        this.topicIdMsb = topicIdMsb;
        this.topicIdLsb = topicIdLsb;
        this.partitions = partitions.clone();
        for (int i = 0; i < this.partitions.length; i++)
        {
            if (null == this.partitions[i] || this.partitions[i].partition() != i)
            {
                throw new IllegalArgumentException("partitions of " + name + " must be 0.." + (partitions.length - 1));
            }
        }
    }

    public String name()
    {
        return name;
    }

    public long topicIdMsb()
    {
        return topicIdMsb;
    }

    public long topicIdLsb()
    {
        return topicIdLsb;
    }

    /** The topic id as a UUID (allocates). */
    public UUID topicId()
    {
        return new UUID(topicIdMsb, topicIdLsb);
    }

    public int partitionCount()
    {
        return partitions.length;
    }

    /** @throws IndexOutOfBoundsException for a partition the topic does not have. */
    public PartitionMetadata partition(final int partition)
    {
        return partitions[partition];
    }

    /** A copy whose {@code partition} has another leader and epoch (a not-leader answer named them). */
    public TopicMetadata withLeader(final int partition, final int leaderId, final int leaderEpoch)
    {
        final PartitionMetadata[] copy = partitions.clone();
        final PartitionMetadata p = copy[partition];
        copy[partition] = new PartitionMetadata(p.partition(), leaderId, leaderEpoch, -1, -1, "");
        return new TopicMetadata(name, topicIdMsb, topicIdLsb, copy);
    }

    @Override
    public String toString()
    {
        return "TopicMetadata{" + name + ", id=" + topicId() + ", partitions=" + partitions.length + '}';
    }
}
