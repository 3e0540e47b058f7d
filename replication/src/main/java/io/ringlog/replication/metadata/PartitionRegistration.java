package io.ringlog.replication.metadata;

import java.util.List;
import java.util.UUID;

/**
 * One partition's replica set and leadership, as KRaft keeps it. Immutable.
 *
 * @param topicId        the topic.
 * @param partition      index within the topic.
 * @param replicas       assigned replicas; the first is the preferred leader.
 * @param isr            in-sync replicas; never empty (the last member stays when it goes away).
 * @param leader         the leader, or {@link #NO_LEADER} when offline.
 * @param leaderEpoch    grows with every leader change (offline included); never goes back.
 * @param partitionEpoch grows with every change to this partition; AlterPartition is checked against it.
 */
public record PartitionRegistration(
    UUID topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
    int partitionEpoch)
{
    public static final int NO_LEADER = -1;

    public PartitionRegistration
    {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean isOffline()
    {
        return NO_LEADER == leader;
    }

    public boolean hasReplica(final int brokerId)
    {
        return replicas.contains(brokerId);
    }

    public boolean inIsr(final int brokerId)
    {
        return isr.contains(brokerId);
    }

    /** The first replica, the one preferred election moves leadership back to. */
    public int preferredLeader()
    {
        return replicas.get(0);
    }
}
