package io.ringlog.replication.data;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Where a leader sends the ISR changes it wants (Kafka's AlterPartition): to the controller quorum, which checks them
 * against the partition and leader epochs and commits them; the leader hears the outcome as a new metadata image.
 */
@FunctionalInterface
public interface IsrChanges
{
    /**
     * Propose {@code isr} for the partition; the future fails when the controller refuses or cannot be reached.
     * Called on the shard thread; must not block.
     */
    CompletableFuture<?> propose(UUID topicId, int partition, int leaderEpoch, int partitionEpoch, List<Integer> isr);
}
