package io.ringlog.broker.core.replica;

/**
 * Told when the {@link ReplicaManager} opens and closes a replica and when its role changes, for components that keep
 * something per partition beside it (the native gateway's Aeron counters, its subscriptions; replication next).
 * Called on the replica manager's thread (start-up, or the admin thread applying a metadata change), one call at a
 * time; an exception from a listener fails the open (the partition is closed again) and is logged otherwise.
 */
public interface PartitionListener
{
    /**
     * The partition's log is open and its sequencer built, but it has not joined its shard yet and look-ups do not
     * find it: what is set on the sequencer now is in place before its first append.
     */
    default void onOpening(final Partition partition)
    {
    }

    /**
     * This broker now leads the partition at {@code leaderEpoch} (a new replica whose image names this broker, or a
     * follower promoted): produce is taken from now on.
     */
    default void onBecomeLeader(final Partition partition, final int leaderEpoch)
    {
    }

    /**
     * Another broker ({@code leaderId}, -1 when none) leads the partition at {@code leaderEpoch}: the log stays open,
     * produce is refused NOT_LEADER_OR_FOLLOWER. Where replication will start fetching from the leader.
     */
    default void onBecomeFollower(final Partition partition, final int leaderId, final int leaderEpoch)
    {
    }

    /**
     * The partition is about to be closed (its topic deleted, or the broker stopping): stop reading its log before
     * returning, because the log is unmapped next. May block briefly.
     */
    default void onClosing(final Partition partition)
    {
    }

    /** The partition has left its shard and its log is closed: nothing writes it any more. */
    default void onClosed(final Partition partition)
    {
    }
}
