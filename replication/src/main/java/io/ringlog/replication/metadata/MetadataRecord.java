package io.ringlog.replication.metadata;

import java.util.List;
import java.util.UUID;

/**
 * The controller's records, after KRaft's: the metadata log is a sequence of these, and an image is what replaying
 * them gives. Each kind has a fixed type id ({@link RecordCodec}); a new kind gets a new id, a record grows only by
 * appending fields.
 */
public sealed interface MetadataRecord
{
    /** Used in {@link PartitionChangeRecord#leader()} when the leader stays. */
    int NO_CHANGE = -2;

    /** A broker registers (or re-registers with a new incarnation): a new broker epoch. */
    record RegisterBrokerRecord(
        int brokerId, UUID incarnationId, long brokerEpoch, List<Endpoint> endpoints, String rack, boolean fenced)
        implements MetadataRecord
    {
        public RegisterBrokerRecord
        {
            endpoints = List.copyOf(endpoints);
        }
    }

    /** A broker is fenced or unfenced. */
    record BrokerRegistrationChangeRecord(int brokerId, long brokerEpoch, boolean fenced) implements MetadataRecord
    {
    }

    /** A broker leaves the cluster. */
    record UnregisterBrokerRecord(int brokerId, long brokerEpoch) implements MetadataRecord
    {
    }

    /** A topic is created; its partitions and configs follow in their own records. */
    record TopicRecord(String name, UUID topicId) implements MetadataRecord
    {
    }

    /** A partition in full: created, or written whole in a snapshot. */
    record PartitionRecord(
        UUID topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
        int partitionEpoch) implements MetadataRecord
    {
        public PartitionRecord
        {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /**
     * A change to a partition. {@code leader} is {@link #NO_CHANGE} when it stays, else the new leader (or -1):
     * the leader epoch then grows by one. {@code isr} is null when it stays. The partition epoch grows by one either
     * way.
     */
    record PartitionChangeRecord(UUID topicId, int partition, int leader, List<Integer> isr) implements MetadataRecord
    {
        public PartitionChangeRecord
        {
            isr = null == isr ? null : List.copyOf(isr);
        }
    }

    /** A topic config is set, or removed when {@code value} is null. */
    record ConfigRecord(byte resourceType, String resourceName, String name, String value) implements MetadataRecord
    {
        /** Kafka's ConfigResource.Type.TOPIC. */
        public static final byte TOPIC = 2;
    }

    /** A topic is deleted with its partitions and configs. */
    record RemoveTopicRecord(UUID topicId) implements MetadataRecord
    {
    }

    /** The cluster's id, committed once, by the first registration that brought one; never changed after. */
    record ClusterIdRecord(String clusterId) implements MetadataRecord
    {
    }

    /** A producer-id block was handed out: the next block starts at {@code nextProducerId}. */
    record ProducerIdsRecord(int brokerId, long brokerEpoch, long nextProducerId) implements MetadataRecord
    {
    }
}
