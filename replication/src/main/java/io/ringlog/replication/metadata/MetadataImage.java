package io.ringlog.replication.metadata;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The cluster's metadata at one point of the metadata log: brokers, topics with their partitions and configs, the
 * next producer-id block. Immutable and so safe to read from any thread; a change makes a new image through
 * {@link MetadataDelta}. Every map is sorted, so iteration order is the same on every member and every run.
 * <p>
 * Stamped with the log position of the command whose records it ends with and with the controller epoch (the Raft
 * leadership term) in which that command was applied.
 */
public final class MetadataImage
{
    /** Position of an image no command has changed yet. */
    public static final long NULL_POSITION = -1;

    /** The image before the first record. */
    public static final MetadataImage EMPTY = new MetadataImage(
        NULL_POSITION, -1, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0, 0, null);

    private final long position;
    private final long controllerEpoch;
    private final NavigableMap<Integer, BrokerRegistration> brokers;
    private final NavigableMap<UUID, TopicImage> topicsById;
    private final NavigableMap<String, UUID> topicIdsByName;
    private final long nextProducerId;
    private final long highestBrokerEpoch;
    private final String clusterId;

    MetadataImage(
        final long position,
        final long controllerEpoch,
        final TreeMap<Integer, BrokerRegistration> brokers,
        final TreeMap<UUID, TopicImage> topicsById,
        final TreeMap<String, UUID> topicIdsByName,
        final long nextProducerId,
        final long highestBrokerEpoch,
        final String clusterId)
    {
        this.position = position;
        this.controllerEpoch = controllerEpoch;
        this.brokers = Collections.unmodifiableNavigableMap(brokers);
        this.topicsById = Collections.unmodifiableNavigableMap(topicsById);
        this.topicIdsByName = Collections.unmodifiableNavigableMap(topicIdsByName);
        this.nextProducerId = nextProducerId;
        this.highestBrokerEpoch = highestBrokerEpoch;
        this.clusterId = clusterId;
    }

    /** The cluster's id as the quorum committed it ({@code ClusterIdRecord}), null before any was. */
    public String clusterId()
    {
        return clusterId;
    }

    /** Log position of the last command that changed this image, {@link #NULL_POSITION} when none did. */
    public long position()
    {
        return position;
    }

    /** The controller epoch (leadership term id) the last change was made in; -1 when none. */
    public long controllerEpoch()
    {
        return controllerEpoch;
    }

    /** Every registered broker by id, fenced or not. */
    public NavigableMap<Integer, BrokerRegistration> brokers()
    {
        return brokers;
    }

    public BrokerRegistration broker(final int brokerId)
    {
        return brokers.get(brokerId);
    }

    /** Unfenced brokers, by id: the ones that may lead and be placed on. */
    public List<BrokerRegistration> liveBrokers()
    {
        final List<BrokerRegistration> live = new ArrayList<>();
        for (final BrokerRegistration b : brokers.values())
        {
            if (!b.fenced())
            {
                live.add(b);
            }
        }
        return live;
    }

    public boolean isLive(final int brokerId)
    {
        final BrokerRegistration b = brokers.get(brokerId);
        return null != b && !b.fenced();
    }

    /** Ids of registered brokers that are fenced, ascending. */
    public List<Integer> fencedBrokers()
    {
        final List<Integer> fenced = new ArrayList<>();
        for (final BrokerRegistration b : brokers.values())
        {
            if (b.fenced())
            {
                fenced.add(b.brokerId());
            }
        }
        return fenced;
    }

    /** Topics by id. */
    public NavigableMap<UUID, TopicImage> topicsById()
    {
        return topicsById;
    }

    /** Topic ids by name. */
    public NavigableMap<String, UUID> topicIdsByName()
    {
        return topicIdsByName;
    }

    /** Topics in name order. */
    public Collection<TopicImage> topics()
    {
        final List<TopicImage> topics = new ArrayList<>(topicIdsByName.size());
        for (final UUID id : topicIdsByName.values())
        {
            topics.add(topicsById.get(id));
        }
        return topics;
    }

    public TopicImage topic(final String name)
    {
        if (null == name)
        {
            return null;
        }
        final UUID id = topicIdsByName.get(name);
        return null == id ? null : topicsById.get(id);
    }

    public TopicImage topic(final UUID id)
    {
        return null == id ? null : topicsById.get(id);
    }

    public PartitionRegistration partition(final String topic, final int partition)
    {
        final TopicImage t = topic(topic);
        return null == t ? null : t.partition(partition);
    }

    public PartitionRegistration partition(final UUID topicId, final int partition)
    {
        final TopicImage t = topicsById.get(topicId);
        return null == t ? null : t.partition(partition);
    }

    /** Partitions with no leader (leader -1), in topic-name then partition order. */
    public List<PartitionRegistration> offlinePartitions()
    {
        final List<PartitionRegistration> offline = new ArrayList<>();
        for (final TopicImage t : topics())
        {
            for (final PartitionRegistration p : t.partitions())
            {
                if (p.isOffline())
                {
                    offline.add(p);
                }
            }
        }
        return offline;
    }

    /** First producer id of the next block to hand out. */
    public long nextProducerId()
    {
        return nextProducerId;
    }

    /** The largest broker epoch ever given; the next registration gets a larger one. */
    public long highestBrokerEpoch()
    {
        return highestBrokerEpoch;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof MetadataImage that))
        {
            return false;
        }
        return position == that.position && controllerEpoch == that.controllerEpoch &&
            nextProducerId == that.nextProducerId && highestBrokerEpoch == that.highestBrokerEpoch &&
            Objects.equals(clusterId, that.clusterId) &&
            brokers.equals(that.brokers) && topicsById.equals(that.topicsById) &&
            topicIdsByName.equals(that.topicIdsByName);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(position, controllerEpoch, brokers, topicsById, nextProducerId, highestBrokerEpoch, clusterId);
    }

    @Override
    public String toString()
    {
        return "MetadataImage{position=" + position + ", controllerEpoch=" + controllerEpoch + ", clusterId=" + clusterId +
            ", brokers=" + brokers.values() + ", topics=" + topics() + ", nextProducerId=" + nextProducerId +
            ", highestBrokerEpoch=" + highestBrokerEpoch + '}';
    }
}
