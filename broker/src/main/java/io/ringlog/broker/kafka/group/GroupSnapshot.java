package io.ringlog.broker.kafka.group;

import java.util.List;

/**
 * A copy of one group as the coordinator held it at one duty cycle, for metrics (consumer-group lag): made on the
 * coordinator thread by {@link GroupCoordinator#snapshot()}, immutable after, read on any thread.
 *
 * @param groupId the group.
 * @param state   its state, by Kafka's name (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead).
 * @param members members of the current generation (those waiting for a member id not counted).
 * @param offsets its committed offsets, by topic then partition.
 */
public record GroupSnapshot(String groupId, String state, int members, List<Committed> offsets)
{
    /**
     * One committed offset.
     *
     * @param topic     the topic.
     * @param partition the partition.
     * @param offset    the next offset the group will read.
     */
    public record Committed(String topic, int partition, long offset)
    {
    }
}
