package io.ringlog.broker.core.metadata;

import java.util.ArrayList;
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
 * @param controllerId node id of the active controller, or -1 when none is known.
 * @param controllerEpoch the active controller's epoch (the quorum's leadership term); only grows.
 * @param brokers   registered brokers by node id, fenced ones too.
 * @param topics    topics by name.
 */
public record MetadataImage(
    long version,
    String clusterId,
    int controllerId,
    long controllerEpoch,
    Map<Integer, BrokerRegistration> brokers,
    Map<String, TopicImage> topics)
{
    public MetadataImage
    {
        brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        topics = Collections.unmodifiableMap(new TreeMap<>(topics));
    }

    /** An image without a controller epoch (the tests' hand-built images). */
    public MetadataImage(final long version, final String clusterId, final int controllerId,
        final Map<Integer, BrokerRegistration> brokers, final Map<String, TopicImage> topics)
    {
        this(version, clusterId, controllerId, 0, brokers, topics);
    }

    /** Brokers that hold a lease: registered and not fenced, by node id. */
    public Map<Integer, BrokerRegistration> liveBrokers()
    {
        final Map<Integer, BrokerRegistration> live = new TreeMap<>();
        brokers.forEach((id, b) ->
        {
            if (!b.fenced())
            {
                live.put(id, b);
            }
        });
        return live;
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
        return new MetadataImage(version + 1, clusterId, controllerId, controllerEpoch, brokers, newTopics);
    }

    /**
     * A broker and the endpoint clients reach it at.
     *
     * @param nodeId the broker's id.
     * @param host   advertised host.
     * @param port   advertised port.
     * @param rack   rack, or null.
     * @param fenced   true when its lease lapsed: it leads nothing and clients are not sent to it.
     * @param endpoints every endpoint it registered, by listener name: the Kafka listener's (the same as
     *                  {@code host}/{@code port}), and others such as the native UDP ingress ({@code NATIVE}). Kafka
     *                  answers use {@code host} and {@code port} only.
     */
    public record BrokerRegistration(int nodeId, String host, int port, String rack, boolean fenced,
        Map<String, Address> endpoints)
    {
        public BrokerRegistration
        {
            endpoints = endpoints == null ? Map.of() : Map.copyOf(endpoints);
        }

        public BrokerRegistration(final int nodeId, final String host, final int port, final String rack,
            final boolean fenced)
        {
            this(nodeId, host, port, rack, fenced, Map.of());
        }

        public BrokerRegistration(final int nodeId, final String host, final int port, final String rack)
        {
            this(nodeId, host, port, rack, false);
        }

        /** The endpoint registered under that listener name, or null. */
        public Address endpoint(final String listenerName)
        {
            return endpoints.get(listenerName);
        }
    }

    /** A host and port a broker registered under one listener name. */
    public record Address(String host, int port)
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
     * @param partitionEpoch increases with every change of the partition (leader or ISR).
     */
    public record PartitionImage(String topic, int partition, int leader, int leaderEpoch, List<Integer> replicas,
        List<Integer> isr, int partitionEpoch)
    {
        public PartitionImage
        {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }

        public PartitionImage(final String topic, final int partition, final int leader, final int leaderEpoch,
            final List<Integer> replicas, final List<Integer> isr)
        {
            this(topic, partition, leader, leaderEpoch, replicas, isr, 0);
        }

        /** Replicas on brokers that are not live (fenced or unknown), as Metadata's offline replicas. */
        public List<Integer> offlineReplicas(final Map<Integer, BrokerRegistration> brokers)
        {
            final List<Integer> offline = new ArrayList<>();
            for (final Integer r : replicas)
            {
                final BrokerRegistration b = brokers.get(r);
                if (b == null || b.fenced())
                {
                    offline.add(r);
                }
            }
            return offline;
        }
    }
}
