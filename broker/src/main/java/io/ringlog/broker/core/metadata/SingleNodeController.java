package io.ringlog.broker.core.metadata;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.MetadataException.Reason;
import io.ringlog.broker.core.metadata.MetadataImage.BrokerRegistration;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The controller of a one-broker cluster: this broker leads every partition (epoch 0, ISR = itself), topics are
 * kept durably in a {@link TopicStore}. Changes are serialised by a lock (cold path: admin requests only) and
 * each is stored before its image is published, so a restarted broker sees every change it acknowledged.
 */
public final class SingleNodeController implements Controller
{
    /** Kafka's rule for topic names. */
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_NAME_LENGTH = 249;

    private final BrokerConfig config;
    private final TopicStore store;
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile MetadataImage image;

    public SingleNodeController(final BrokerConfig config, final String advertisedHost, final int advertisedPort)
        throws IOException
    {
        this.config = config;
        final String clusterId = TopicStore.clusterId(config.logDirs(), config.nodeId());
        this.store = new TopicStore(config.logDirs().get(0));
        final Map<String, TopicImage> topics = new TreeMap<>();
        for (final TopicStore.StoredTopic t : store.loadAll())
        {
            topics.put(t.name(), topicImage(t.name(), t.id(), t.partitions(), t.replicationFactor(), t.configs()));
        }
        final int node = config.nodeId();
        image = new MetadataImage(1, clusterId, node,
            Map.of(node, new BrokerRegistration(node, advertisedHost, advertisedPort, null)), topics);
    }

    @Override
    public MetadataImage image()
    {
        return image;
    }

    @Override
    public void subscribe(final Consumer<MetadataImage> listener)
    {
        synchronized (lock)
        {
            listeners.add(listener);
            listener.accept(image);
        }
    }

    @Override
    public TopicImage createTopic(
        final String name,
        final int partitions,
        final int replicationFactor,
        final Map<String, String> configs,
        final boolean validateOnly)
    {
        validateName(name);
        final int count = partitions == -1 ? config.get(BrokerConfig.NUM_PARTITIONS) : partitions;
        final int rf = replicationFactor == -1 ? config.get(BrokerConfig.DEFAULT_REPLICATION_FACTOR) : replicationFactor;
        if (count < 1)
        {
            throw new MetadataException(Reason.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
        }
        if (rf < 1)
        {
            throw new MetadataException(Reason.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
        }
        if (rf > image.brokers().size())
        {
            throw new MetadataException(Reason.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + rf +
                " time(s): The target replication factor of " + rf + " cannot be reached because only " +
                image.brokers().size() + " broker(s) are registered.");
        }
        validateConfigs(configs);

        synchronized (lock)
        {
            final MetadataImage current = image;
            if (current.topics().containsKey(name))
            {
                throw new MetadataException(Reason.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
            }
            final TopicImage topic = topicImage(name, UUID.randomUUID(), count, rf, configs);
            if (validateOnly)
            {
                return topic;
            }
            storeTopic(topic);
            final Map<String, TopicImage> topics = new TreeMap<>(current.topics());
            topics.put(name, topic);
            publishOrUndo(current, current.with(topics), () -> deleteStored(name));
            return topic;
        }
    }

    @Override
    public void deleteTopic(final String name)
    {
        if (!config.get(BrokerConfig.DELETE_TOPIC_ENABLE))
        {
            throw new MetadataException(Reason.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
        }
        synchronized (lock)
        {
            final MetadataImage current = image;
            if (!current.topics().containsKey(name))
            {
                throw new MetadataException(Reason.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic: " + name);
            }
            try
            {
                store.delete(name);
            }
            catch (final IOException ex)
            {
                throw new MetadataException(Reason.KAFKA_STORAGE_ERROR, "cannot delete topic " + name + ": " + ex, ex);
            }
            final Map<String, TopicImage> topics = new TreeMap<>(current.topics());
            topics.remove(name);
            publish(current.with(topics));
        }
    }

    @Override
    public void createPartitions(final String name, final int totalCount, final boolean validateOnly)
    {
        synchronized (lock)
        {
            final MetadataImage current = image;
            final TopicImage topic = current.topic(name);
            if (topic == null)
            {
                throw new MetadataException(Reason.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic: " + name);
            }
            if (totalCount <= topic.partitions().size())
            {
                throw new MetadataException(Reason.INVALID_PARTITIONS, "Topic currently has " +
                    topic.partitions().size() + " partitions, which is higher than the requested " + totalCount + ".");
            }
            if (validateOnly)
            {
                return;
            }
            final TopicImage grown = topicImage(name, topic.id(), totalCount, topic.replicationFactor(), topic.configs());
            storeTopic(grown);
            final Map<String, TopicImage> topics = new TreeMap<>(current.topics());
            topics.put(name, grown);
            publishOrUndo(current, current.with(topics), () -> storeTopic(topic));
        }
    }

    @Override
    public void alterTopicConfigs(
        final String name,
        final Map<String, String> set,
        final Set<String> delete,
        final boolean replaceAll,
        final boolean validateOnly)
    {
        synchronized (lock)
        {
            final MetadataImage current = image;
            final TopicImage topic = current.topic(name);
            if (topic == null)
            {
                throw new MetadataException(Reason.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic: " + name);
            }
            final Map<String, String> configs = replaceAll ? new TreeMap<>() : new TreeMap<>(topic.configs());
            configs.putAll(set);
            delete.forEach(configs::remove);
            validateConfigs(configs);
            if (validateOnly)
            {
                return;
            }
            final TopicImage changed = new TopicImage(name, topic.id(), topic.partitions(), configs);
            storeTopic(changed);
            final Map<String, TopicImage> topics = new TreeMap<>(current.topics());
            topics.put(name, changed);
            publish(current.with(topics));
        }
    }

    @Override
    public void close()
    {
        listeners.clear();
    }

    private void publish(final MetadataImage next)
    {
        image = next;
        for (final Consumer<MetadataImage> listener : listeners)
        {
            listener.accept(next);
        }
    }

    /**
     * Publish a change whose listeners may refuse it (a topic whose partitions cannot be opened): then the image and
     * the store go back to {@code previous} and the refusal is thrown as a {@link MetadataException}.
     */
    private void publishOrUndo(final MetadataImage previous, final MetadataImage next, final Runnable undoStore)
    {
        try
        {
            publish(next);
        }
        catch (final RuntimeException ex)
        {
            image = previous;
            undoStore.run();
            for (final Consumer<MetadataImage> listener : listeners)
            {
                listener.accept(previous);
            }
            throw ex instanceof MetadataException m ? m :
                new MetadataException(Reason.KAFKA_STORAGE_ERROR, String.valueOf(ex.getMessage()), ex);
        }
    }

    private void deleteStored(final String name)
    {
        try
        {
            store.delete(name);
        }
        catch (final IOException ex)
        {
            throw new MetadataException(Reason.KAFKA_STORAGE_ERROR, "cannot delete topic " + name + ": " + ex, ex);
        }
    }

    private void storeTopic(final TopicImage topic)
    {
        try
        {
            store.write(new TopicStore.StoredTopic(
                topic.name(), topic.id(), topic.partitions().size(), topic.replicationFactor(), topic.configs()));
        }
        catch (final IOException ex)
        {
            throw new MetadataException(Reason.KAFKA_STORAGE_ERROR, "cannot store topic " + topic.name() + ": " + ex, ex);
        }
    }

    private TopicImage topicImage(
        final String name, final UUID id, final int partitions, final int rf, final Map<String, String> configs)
    {
        final int node = config.nodeId();
        final List<PartitionImage> list = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++)
        {
            list.add(new PartitionImage(name, p, node, 0, List.of(node), List.of(node)));
        }
        return new TopicImage(name, id, list, configs);
    }

    private static void validateName(final String name)
    {
        if (name == null || name.isEmpty() || ".".equals(name) || "..".equals(name) ||
            name.length() > MAX_NAME_LENGTH || !LEGAL_NAME.matcher(name).matches())
        {
            throw new MetadataException(Reason.INVALID_TOPIC_EXCEPTION, "Topic name \"" + name + "\" is illegal, it " +
                "contains a character other than ASCII alphanumerics, '.', '_' and '-', or is empty, '.', '..' or " +
                "longer than " + MAX_NAME_LENGTH + " characters.");
        }
    }

    private static void validateConfigs(final Map<String, String> configs)
    {
        try
        {
            TopicConfig.validate(configs);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new MetadataException(Reason.INVALID_CONFIG, ex.getMessage(), ex);
        }
    }
}
