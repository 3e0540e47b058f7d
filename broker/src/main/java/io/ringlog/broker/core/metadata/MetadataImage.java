package io.ringlog.broker.core.metadata;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A consistent, immutable snapshot of the cluster's metadata: brokers, topics with their ids, partitions, leaders,
 * epochs, replicas, in-sync replicas and configs. The controller publishes a new image on every change and request
 * handlers read whichever image is current, without locks: a handler that reads one image sees one consistent
 * state, never half of a change.
 *
 * @param version   increases with every published image.
 * @param clusterId the cluster's id, as in {@code meta.properties}.
 * @param controllerId node id of the active controller.
 * @param brokers   registered brokers by node id.
 * @param topics    topics by name.
 */
public record MetadataImage(
    long version,
    String clusterId,
    int controllerId,
    Map<Integer, BrokerRegistration> brokers,
    Map<String, TopicImage> topics)
{
    public MetadataImage
    {
        brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        topics = Collections.unmodifiableMap(new TreeMap<>(topics));
    }

    public TopicImage topic(final String name)
    {
        return topics.get(name);
    }

    /** The topic with this id, or null. A linear scan: cold path, and topics are few per broker. */
    public TopicImage topic(final UUID id)
    {
        for (final TopicImage t : topics.values())
        {
            if (t.id().equals(id))
            {
                return t;
            }
        }
        return null;
    }

    public PartitionImage partition(final String topic, final int partition)
    {
        final TopicImage t = topics.get(topic);
        return t == null || partition < 0 || partition >= t.partitions().size() ? null : t.partitions().get(partition);
    }

    MetadataImage with(final Map<String, TopicImage> newTopics)
    {
        return new MetadataImage(version + 1, clusterId, controllerId, brokers, newTopics);
    }

    /**
     * A broker and the endpoint clients reach it at.
     *
     * @param nodeId the broker's id.
     * @param host   advertised host.
     * @param port   advertised port.
     * @param rack   rack, or null.
     */
    public record BrokerRegistration(int nodeId, String host, int port, String rack)
    {
    }

    /**
     * A topic.
     *
     * @param name       its name.
     * @param id         its id (Kafka's topic id), stable for the topic's life and new if it is re-created.
     * @param partitions its partitions, index = partition number.
     * @param configs    the configs set on the topic itself (not the broker defaults).
     */
    public record TopicImage(String name, UUID id, List<PartitionImage> partitions, Map<String, String> configs)
    {
        public TopicImage
        {
            partitions = List.copyOf(partitions);
            configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        }

        public boolean isInternal()
        {
            return name.startsWith("__");
        }

        public int replicationFactor()
        {
            return partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
        }
    }

    /**
     * A partition's assignment and leadership.
     *
     * @param topic       its topic.
     * @param partition   its number.
     * @param leader      node id of the leader, or -1.
     * @param leaderEpoch increases with every leader change.
     * @param replicas    assigned replicas, preferred leader first.
     * @param isr         the in-sync replicas.
     */
    public record PartitionImage(String topic, int partition, int leader, int leaderEpoch, List<Integer> replicas,
        List<Integer> isr)
    {
        public PartitionImage
        {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }
}
