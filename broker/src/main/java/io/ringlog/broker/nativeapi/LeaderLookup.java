package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.policy.TopicAutoCreation;

import java.util.UUID;

/**
 * Who leads a partition this broker does not lead, from the current metadata image: what NOT_LEADER_OR_FOLLOWER
 * answers carry (the leader's id and epoch, Kafka's KIP-951 current leader), so a client goes straight to it. Only
 * on the refusal path, which is cold: it builds a {@link UUID} and scans the image's topics.
 * <p>
 * Gateway thread only (the result is held in fields).
 */
final class LeaderLookup
{
    private final TopicAutoCreation topics;
    private int leaderId = -1;
    private int leaderEpoch = -1;

    LeaderLookup(final TopicAutoCreation topics)
    {
        this.topics = topics;
    }

    /**
     * @return true when the image has the partition: then {@link #leaderId()} and {@link #leaderEpoch()} say who leads
     * it (-1 when no one; this broker itself while its replica is still becoming leader, a moment the client retries
     * through); false when the topic or partition is unknown.
     */
    boolean find(final long topicIdMsb, final long topicIdLsb, final int partition)
    {
        leaderId = -1;
        leaderEpoch = -1;
        if (topics == null)
        {
            return false;
        }
        final MetadataImage image = topics.image();
        final MetadataImage.TopicImage topic = image == null ? null : image.topic(new UUID(topicIdMsb, topicIdLsb));
        if (topic == null || partition < 0 || partition >= topic.partitions().size())
        {
            return false;
        }
        final MetadataImage.PartitionImage p = topic.partitions().get(partition);
        leaderId = p.leader();
        leaderEpoch = p.leaderEpoch();
        return true;
    }

    int leaderId()
    {
        return leaderId;
    }

    int leaderEpoch()
    {
        return leaderEpoch;
    }
}
