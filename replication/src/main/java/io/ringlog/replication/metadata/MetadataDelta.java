package io.ringlog.replication.metadata;

import io.ringlog.replication.metadata.MetadataRecord.BrokerRegistrationChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.ClusterIdRecord;
import io.ringlog.replication.metadata.MetadataRecord.ConfigRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionRecord;
import io.ringlog.replication.metadata.MetadataRecord.ProducerIdsRecord;
import io.ringlog.replication.metadata.MetadataRecord.RegisterBrokerRecord;
import io.ringlog.replication.metadata.MetadataRecord.RemoveTopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.TopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.UnregisterBrokerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Records replayed on top of an image, giving the next image. A record that does not fit the image (an unknown
 * topic, a broker epoch that does not match) is a broken log and throws {@link IllegalStateException}: the
 * controller only writes records it checked against the same image.
 * <p>
 * Not thread-safe: built and applied by one thread.
 */
public final class MetadataDelta
{
    private final TreeMap<Integer, BrokerRegistration> brokers;
    private final TreeMap<UUID, TopicImage> topics;
    private final TreeMap<String, UUID> names;
    private final TreeMap<UUID, TopicBuilder> touched = new TreeMap<>();
    private long nextProducerId;
    private long highestBrokerEpoch;
    private String clusterId;

    public MetadataDelta(final MetadataImage base)
    {
        brokers = new TreeMap<>(base.brokers());
        topics = new TreeMap<>(base.topicsById());
        names = new TreeMap<>(base.topicIdsByName());
        nextProducerId = base.nextProducerId();
        highestBrokerEpoch = base.highestBrokerEpoch();
        clusterId = base.clusterId();
    }

    public MetadataDelta replay(final List<MetadataRecord> records)
    {
        for (final MetadataRecord record : records)
        {
            replay(record);
        }
        return this;
    }

    public MetadataDelta replay(final MetadataRecord record)
    {
        if (record instanceof RegisterBrokerRecord r)
        {
            brokers.put(r.brokerId(), new BrokerRegistration(
                r.brokerId(), r.incarnationId(), r.brokerEpoch(), r.endpoints(), r.rack(), r.fenced()));
            highestBrokerEpoch = Math.max(highestBrokerEpoch, r.brokerEpoch());
        }
        else if (record instanceof BrokerRegistrationChangeRecord r)
        {
            brokers.put(r.brokerId(), broker(r.brokerId(), r.brokerEpoch()).withFenced(r.fenced()));
        }
        else if (record instanceof UnregisterBrokerRecord r)
        {
            broker(r.brokerId(), r.brokerEpoch());
            brokers.remove(r.brokerId());
        }
        else if (record instanceof TopicRecord r)
        {
            if (names.containsKey(r.name()) || topics.containsKey(r.topicId()))
            {
                throw new IllegalStateException("topic exists: " + r);
            }
            names.put(r.name(), r.topicId());
            topics.put(r.topicId(), new TopicImage(r.topicId(), r.name(), Map.of(), List.of()));
        }
        else if (record instanceof PartitionRecord r)
        {
            final TopicBuilder t = topic(r.topicId());
            final PartitionRegistration p = new PartitionRegistration(
                r.topicId(), r.partition(), r.replicas(), r.isr(), r.leader(), r.leaderEpoch(), r.partitionEpoch());
            if (r.partition() == t.partitions.size())
            {
                t.partitions.add(p);
            }
            else if (r.partition() >= 0 && r.partition() < t.partitions.size())
            {
                t.partitions.set(r.partition(), p);
            }
            else
            {
                throw new IllegalStateException("partition out of order: " + r);
            }
        }
        else if (record instanceof PartitionChangeRecord r)
        {
            final TopicBuilder t = topic(r.topicId());
            if (r.partition() < 0 || r.partition() >= t.partitions.size())
            {
                throw new IllegalStateException("unknown partition: " + r);
            }
            final PartitionRegistration p = t.partitions.get(r.partition());
            final boolean leaderChange = MetadataRecord.NO_CHANGE != r.leader();
            t.partitions.set(r.partition(), new PartitionRegistration(
                p.topicId(), p.partition(), p.replicas(), null == r.isr() ? p.isr() : r.isr(),
                leaderChange ? r.leader() : p.leader(),
                leaderChange ? p.leaderEpoch() + 1 : p.leaderEpoch(),
                p.partitionEpoch() + 1));
        }
        else if (record instanceof ConfigRecord r)
        {
            if (ConfigRecord.TOPIC == r.resourceType())
            {
                final UUID id = names.get(r.resourceName());
                if (null == id)
                {
                    throw new IllegalStateException("config for unknown topic: " + r);
                }
                final TopicBuilder t = topic(id);
                if (null == r.value())
                {
                    t.configs.remove(r.name());
                }
                else
                {
                    t.configs.put(r.name(), r.value());
                }
            }
        }
        else if (record instanceof RemoveTopicRecord r)
        {
            final TopicImage t = topics.remove(r.topicId());
            if (null == t)
            {
                throw new IllegalStateException("unknown topic: " + r);
            }
            touched.remove(r.topicId());
            names.remove(t.name());
        }
        else if (record instanceof ProducerIdsRecord r)
        {
            nextProducerId = r.nextProducerId();
        }
        else if (record instanceof ClusterIdRecord r)
        {
            if (null != clusterId && !clusterId.equals(r.clusterId()))
            {
                throw new IllegalStateException("the cluster id is " + clusterId + " already: " + r);
            }
            clusterId = r.clusterId();
        }
        return this;
    }

    /** Used when loading a snapshot, whose header carries the counters that no live record restates. */
    MetadataDelta counters(final long nextProducerId, final long highestBrokerEpoch)
    {
        this.nextProducerId = nextProducerId;
        this.highestBrokerEpoch = highestBrokerEpoch;
        return this;
    }

    /** The image with every replayed record, stamped with the position and epoch of the change. */
    public MetadataImage apply(final long position, final long controllerEpoch)
    {
        final TreeMap<UUID, TopicImage> newTopics = new TreeMap<>(topics);
        for (final Map.Entry<UUID, TopicBuilder> e : touched.entrySet())
        {
            final TopicBuilder t = e.getValue();
            newTopics.put(e.getKey(), new TopicImage(t.id, t.name, t.configs, t.partitions));
        }
        return new MetadataImage(position, controllerEpoch, new TreeMap<>(brokers), newTopics, new TreeMap<>(names),
            nextProducerId, highestBrokerEpoch, clusterId);
    }

    private BrokerRegistration broker(final int brokerId, final long brokerEpoch)
    {
        final BrokerRegistration b = brokers.get(brokerId);
        if (null == b || b.brokerEpoch() != brokerEpoch)
        {
            throw new IllegalStateException("no broker " + brokerId + " at epoch " + brokerEpoch + ": " + b);
        }
        return b;
    }

    private TopicBuilder topic(final UUID id)
    {
        TopicBuilder t = touched.get(id);
        if (null == t)
        {
            final TopicImage image = topics.get(id);
            if (null == image)
            {
                throw new IllegalStateException("unknown topic id " + id);
            }
            t = new TopicBuilder(image);
            touched.put(id, t);
        }
        return t;
    }

    private static final class TopicBuilder
    {
        final UUID id;
        final String name;
        final TreeMap<String, String> configs;
        final ArrayList<PartitionRegistration> partitions;

        TopicBuilder(final TopicImage image)
        {
            id = image.id();
            name = image.name();
            configs = new TreeMap<>(image.configs());
            partitions = new ArrayList<>(image.partitions());
        }
    }
}
