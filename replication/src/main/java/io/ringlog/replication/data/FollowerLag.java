package io.ringlog.replication.data;

import java.util.UUID;

/**
 * One follower of one partition led by this broker, as the metrics scrape reads it: a copy made on the scrape's
 * thread from the values the leader's shard thread publishes (see {@code FollowerProgress}).
 *
 * @param topicId        the partition's topic.
 * @param partition      the partition's number.
 * @param followerId     the follower's broker id.
 * @param lagOffsets     the leader's log end offset minus the follower's as last acknowledged (the whole log while
 *                       the follower has not said where its log ends), at least 0.
 * @param lastCaughtUpMs when the follower last caught up with the leader's log end (Kafka's lastCaughtUpTimeMs,
 *                       epoch milliseconds); the leader takes it out of the ISR once this is older than
 *                       {@code replica.lag.time.max.ms}.
 */
public record FollowerLag(UUID topicId, int partition, int followerId, long lagOffsets, long lastCaughtUpMs)
{
}
