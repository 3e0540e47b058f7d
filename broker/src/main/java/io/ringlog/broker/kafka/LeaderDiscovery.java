package io.ringlog.broker.kafka;

import io.ringlog.broker.core.metadata.MetadataImage;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * Who leads a partition this broker does not lead, from the current metadata image, for the answers that send a
 * client elsewhere:
 * <ul>
 *   <li>KIP-951: a NOT_LEADER_OR_FOLLOWER answer to Produce (v10+) and Fetch (the leader from v12, its endpoint from
 *   v16; FENCED_LEADER_EPOCH too) names the current leader, its epoch and its endpoint, so the client goes straight
 *   to it instead of asking for metadata first;</li>
 *   <li>a partition of a known topic that has no replica here is held by other brokers: NOT_LEADER_OR_FOLLOWER (the
 *   client refreshes its metadata and goes to the leader), not UNKNOWN_TOPIC_OR_PARTITION.</li>
 * </ul>
 * The image is the one the replica manager follows, so the leader named is the one whose transition this broker has
 * applied or is applying (this broker itself for a moment, while its replica is still becoming leader: the client
 * retries).
 * <p>
 * Any thread; each call reads the image once. Only refusal paths call it, which are cold: look-ups allocate.
 */
public final class LeaderDiscovery
{
    private final Supplier<MetadataImage> metadata;

    /**
     * @param metadata the current metadata image, any thread.
     */
    public LeaderDiscovery(final Supplier<MetadataImage> metadata)
    {
        this.metadata = metadata;
    }

    /** The current image. */
    public MetadataImage image()
    {
        return metadata.get();
    }

    /**
     * The partition as the image has it.
     *
     * @param topicId the topic's id, or null to look it up by {@code topic}.
     * @return the partition, or null when the topic or the partition is unknown.
     */
    public static MetadataImage.PartitionImage partition(final MetadataImage image, final String topic,
        final UUID topicId, final int partition)
    {
        final MetadataImage.TopicImage t = topicId != null ? image.topic(topicId) : topic == null ? null :
            image.topic(topic);
        return t == null || partition < 0 || partition >= t.partitions().size() ? null : t.partitions().get(partition);
    }

    /**
     * Whether the image knows the partition: a request for one with no replica here is answered NOT_LEADER_OR_FOLLOWER.
     *
     * @param topicId the topic's id, or null to look it up by {@code topic}.
     */
    public boolean knows(final String topic, final UUID topicId, final int partition)
    {
        return partition(metadata.get(), topic, topicId, partition) != null;
    }

    /** The leader's registration, to name its endpoint; null when there is no leader or it is not registered. */
    public static MetadataImage.BrokerRegistration leader(final MetadataImage image, final int leaderId)
    {
        return leaderId < 0 ? null : image.brokers().get(leaderId);
    }

    /**
     * ListOffsets, OffsetForLeaderEpoch or DeleteRecords, with UNKNOWN_TOPIC_OR_PARTITION turned into
     * NOT_LEADER_OR_FOLLOWER for each partition the image knows: the handlers answer from the replicas held here, and
     * a partition of a known topic that has none here is another broker's. Their answers carry no KIP-951 fields.
     */
    public ColdPathApi heldElsewhere(final ColdPathApi api)
    {
        return request ->
        {
            final ApiMessage response = api.handle(request);
            final MetadataImage image = metadata.get();
            if (response instanceof ListOffsetsResponseData offsets)
            {
                offsets.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(
                    heldElsewhere(image, t.name(), p.partitionIndex(), p.errorCode()))));
            }
            else if (response instanceof OffsetForLeaderEpochResponseData epochs)
            {
                epochs.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(
                    heldElsewhere(image, t.topic(), p.partition(), p.errorCode()))));
            }
            else if (response instanceof DeleteRecordsResponseData deletes)
            {
                deletes.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(
                    heldElsewhere(image, t.name(), p.partitionIndex(), p.errorCode()))));
            }
            return response;
        };
    }

    private static short heldElsewhere(final MetadataImage image, final String topic, final int partition,
        final short error)
    {
        return error == Errors.UNKNOWN_TOPIC_OR_PARTITION.code() && partition(image, topic, null, partition) != null ?
            Errors.NOT_LEADER_OR_FOLLOWER.code() : error;
    }
}
