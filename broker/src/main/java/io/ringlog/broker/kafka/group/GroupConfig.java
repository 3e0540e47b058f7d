package io.ringlog.broker.kafka.group;

import io.ringlog.broker.core.config.BrokerConfig;

/**
 * The group coordinator's settings, read once from the {@link BrokerConfig} (tests build them directly, with short
 * intervals). Immutable; any thread.
 *
 * @param offsetsTopicPartitions  partitions of {@code __consumer_offsets} when the coordinator creates it
 *                                ({@code offsets.topic.num.partitions}); an existing topic keeps its own count.
 * @param offsetsRetentionMs      {@code offsets.retention.minutes} in milliseconds.
 * @param retentionCheckIntervalMs how often expired offsets are looked for (Kafka's
 *                                {@code offsets.retention.check.interval.ms} default, 10 minutes, is not a key here).
 * @param initialRebalanceDelayMs {@code group.initial.rebalance.delay.ms}: how long the first rebalance of an empty
 *                                group waits for more members.
 * @param minSessionTimeoutMs     {@code group.min.session.timeout.ms}.
 * @param maxSessionTimeoutMs     {@code group.max.session.timeout.ms}.
 * @param maxGroupSize            {@code group.max.size}: members, joined or waiting for their id, per group.
 */
public record GroupConfig(
    int offsetsTopicPartitions,
    long offsetsRetentionMs,
    long retentionCheckIntervalMs,
    int initialRebalanceDelayMs,
    int minSessionTimeoutMs,
    int maxSessionTimeoutMs,
    int maxGroupSize)
{
    /** Kafka's {@code offsets.retention.check.interval.ms} default. */
    public static final long RETENTION_CHECK_INTERVAL_MS = 600_000L;

    public GroupConfig
    {
        if (offsetsTopicPartitions < 1 || offsetsRetentionMs < 1 || retentionCheckIntervalMs < 1 ||
            initialRebalanceDelayMs < 0 || minSessionTimeoutMs < 0 || maxSessionTimeoutMs < minSessionTimeoutMs ||
            maxGroupSize < 1)
        {
            throw new IllegalArgumentException("invalid group coordinator settings: " + offsetsTopicPartitions + ", " +
                offsetsRetentionMs + ", " + retentionCheckIntervalMs + ", " + initialRebalanceDelayMs + ", " +
                minSessionTimeoutMs + ", " + maxSessionTimeoutMs + ", " + maxGroupSize);
        }
    }

    public static GroupConfig from(final BrokerConfig config)
    {
        final int minSession = config.get(BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS);
        final int maxSession = config.get(BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS);
        if (maxSession < minSession)
        {
            throw new IllegalArgumentException("invalid value '" + maxSession + "' for config " +
                BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS.name() + ": below " + BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS.name());
        }
        return new GroupConfig(
            config.get(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS),
            config.get(BrokerConfig.OFFSETS_RETENTION_MINUTES) * 60_000L,
            RETENTION_CHECK_INTERVAL_MS,
            config.get(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS),
            minSession,
            maxSession,
            config.get(BrokerConfig.GROUP_MAX_SIZE));
    }
}
