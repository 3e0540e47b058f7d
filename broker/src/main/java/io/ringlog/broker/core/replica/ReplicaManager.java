package io.ringlog.broker.core.replica;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogFlusher;
import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.PartitionSequencer;
import io.ringlog.sequencer.SequencerConfig;
import io.ringlog.sequencer.SequencerShard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The replicas this broker holds, kept in step with the controller's {@link MetadataImage}. From each image it works
 * out which partitions this broker leads ({@code leader == node.id}) and which it follows (its node is among the
 * partition's replicas, another leads): a new one gets its journal opened (recovered), a sequencer and a shard, as
 * leader or follower alike; then each partition whose role or leader epoch changed goes through an explicit
 * transition, {@link #becomeLeader} or {@link #becomeFollower}, that sets {@link Partition#leadership()} (what the
 * edges read before a produce) and tells the {@link PartitionListener}s. A follower's log is open but takes no
 * produce; replication will plug into {@link PartitionListener#onBecomeFollower}. On a single node every partition
 * is led here, as before.
 * <p>
 * A topic's config change reaches its logs and sequencers at once; a deleted topic's partitions are closed and their
 * directories removed. A partition whose replicas do not include this broker is not opened here.
 * <p>
 * Threads: {@link #accept} runs on whichever thread published the image (the admin thread, or start-up), one at a
 * time. Look-ups ({@link #partition}) run on any thread against immutable maps swapped on change, without locks.
 */
public final class ReplicaManager implements java.util.function.Consumer<MetadataImage>, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaManager.class);

    private final BrokerConfig config;
    private final int nodeId;
    private final SequencerShard[] shards;
    private final int[] shardLoad;
    private final SequencerConfig sequencerConfig;
    private final LogFlusher flusher;
    private final Map<String, TopicPartitions> topics = new HashMap<>();
    private final java.util.List<PartitionListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, Partition[]> byName = Map.of();
    private volatile Map<UUID, Partition[]> byId = Map.of();

    private record TopicPartitions(UUID id, Map<String, String> configs, Partition[] partitions)
    {
    }

    public ReplicaManager(
        final BrokerConfig config,
        final SequencerShard[] shards,
        final SequencerConfig sequencerConfig,
        final LogFlusher flusher)
    {
        this.config = config;
        this.nodeId = config.get(BrokerConfig.NODE_ID);
        this.shards = shards.clone();
        this.shardLoad = new int[shards.length];
        this.sequencerConfig = sequencerConfig;
        this.flusher = flusher;
    }

    /**
     * Tell {@code listener} of every partition opened and closed from now on (add it before the first image to hear
     * of every partition). Any thread.
     */
    public void addListener(final PartitionListener listener)
    {
        listeners.add(listener);
    }

    public void removeListener(final PartitionListener listener)
    {
        listeners.remove(listener);
    }

    /**
     * The partition, or null when this broker holds no replica of it. Any thread. Whether this broker leads it is
     * {@link Partition#leadership()}.
     */
    public Partition partition(final String topic, final int partition)
    {
        final Partition[] p = topic == null ? null : byName.get(topic);
        return p == null || partition < 0 || partition >= p.length ? null : p[partition];
    }

    /** The partition of the topic with this id, or null. Any thread. */
    public Partition partition(final UUID topicId, final int partition)
    {
        final Partition[] p = topicId == null ? null : byId.get(topicId);
        return p == null || partition < 0 || partition >= p.length ? null : p[partition];
    }

    /** Partitions of the topic with this id, or -1 when the id is unknown. Any thread. */
    public int topicPartitionCount(final UUID topicId)
    {
        final Partition[] p = topicId == null ? null : byId.get(topicId);
        return p == null ? -1 : p.length;
    }

    /** Every partition, for metrics and shutdown. Any thread. */
    public Stream<Partition> all()
    {
        return byName.values().stream().flatMap(Stream::of).filter(java.util.Objects::nonNull);
    }

    @Override
    public synchronized void accept(final MetadataImage image)
    {
        for (final String name : topics.keySet().toArray(new String[0]))
        {
            final TopicImage now = image.topic(name);
            if (now == null || !now.id().equals(topics.get(name).id()))
            {
                closeTopic(name, true);
            }
        }
        for (final TopicImage topic : image.topics().values())
        {
            final TopicPartitions current = topics.get(topic.name());
            final Map<String, String> effective = TopicConfig.effective(config.defaultTopicConfig(), topic.configs());
            if (current == null || current.partitions().length < topic.partitions().size())
            {
                openPartitions(topic, effective, current == null ? new Partition[0] : current.partitions());
            }
            else if (!current.configs().equals(topic.configs()))
            {
                applyConfigs(topic, effective, current.partitions());
            }
            applyLeadership(topic, topics.get(topic.name()).partitions());
        }
        publish();
    }

    /** Role changes this image brings, before look-ups see them: new replicas included. */
    private void applyLeadership(final TopicImage topic, final Partition[] partitions)
    {
        for (int p = 0; p < partitions.length; p++)
        {
            final Partition partition = partitions[p];
            if (partition == null)
            {
                continue;
            }
            final MetadataImage.PartitionImage image = topic.partitions().get(p);
            if (image.leader() == nodeId)
            {
                if (partition.leadership() != image.leaderEpoch() || partition.leaderId() != nodeId)
                {
                    becomeLeader(partition, image.leaderEpoch(), image.isr().size());
                }
            }
            else if (partition.isLeader() || partition.leaderId() != image.leader())
            {
                becomeFollower(partition, image.leader(), image.leaderEpoch());
            }
        }
    }

    /**
     * This broker leads {@code partition} from {@code epoch} on: batches are stamped with it, produce is taken. The
     * in-sync replica count is in place first, so that no acks=all write is answered before its followers have it
     * (with one in-sync replica the sequencer commits at the log end by itself).
     */
    private void becomeLeader(final Partition partition, final int epoch, final int inSyncReplicas)
    {
        if (partition.sequencer().leaderEpoch() != epoch)
        {
            partition.sequencer().setLeaderEpoch(epoch).join();
        }
        partition.sequencer().setInSyncReplicas(Math.max(1, inSyncReplicas)).join();
        partition.becomeLeader(nodeId, epoch);
        LOG.info("partition {} led here at epoch {}", partition, epoch);
        listeners.forEach(l -> l.onBecomeLeader(partition, epoch));
    }

    /** Another broker leads {@code partition}: its log stays open, produce is refused from now on. */
    private void becomeFollower(final Partition partition, final int leaderId, final int epoch)
    {
        partition.becomeFollower(leaderId);
        LOG.info("partition {} followed here: leader {} at epoch {}", partition, leaderId, epoch);
        listeners.forEach(l -> l.onBecomeFollower(partition, leaderId, epoch));
    }

    /** Whether this broker holds a replica of the partition: it leads it or is among its replicas. */
    private boolean isLocal(final MetadataImage.PartitionImage image)
    {
        return image.leader() == nodeId || image.replicas().contains(nodeId);
    }

    private void openPartitions(final TopicImage topic, final Map<String, String> effective, final Partition[] existing)
    {
        final LogConfig logConfig = TopicConfig.logConfig(effective);
        final int minInsync = TopicConfig.minInsyncReplicas(effective);
        final Partition[] partitions = java.util.Arrays.copyOf(existing, topic.partitions().size());
        for (int p = existing.length; p < partitions.length; p++)
        {
            if (!isLocal(topic.partitions().get(p)))
            {
                continue;
            }
            try
            {
                partitions[p] = openPartition(topic, p, logConfig, minInsync);
            }
            catch (final IOException | RuntimeException ex)
            {
                // All of this change or none of it: close and remove what this call opened, so a topic that does
                // not fit the disk leaves nothing behind, and the controller can take the change back.
                for (int q = existing.length; q < p; q++)
                {
                    if (partitions[q] != null)
                    {
                        closePartition(partitions[q], true);
                    }
                }
                deleteRecursively(logDirFor(topic.name(), p).resolve(topic.name() + "-" + p));
                throw new MetadataException(MetadataException.Reason.KAFKA_STORAGE_ERROR,
                    "cannot open " + topic.name() + "-" + p + ": " + ex.getMessage(), ex);
            }
        }
        topics.put(topic.name(), new TopicPartitions(topic.id(), topic.configs(), partitions));
    }

    private Partition openPartition(
        final TopicImage topic, final int p, final LogConfig logConfig, final int minInsync) throws IOException
    {
        final MetadataImage.PartitionImage image = topic.partitions().get(p);
        final Path dir = logDirFor(topic.name(), p);
        final PartitionLog log = PartitionLog.open(dir, topic.name(), p, logConfig);
        try
        {
            flusher.register(log);
            final PartitionSequencer sequencer =
                new PartitionSequencer(log, image.leaderEpoch(), minInsync, sequencerConfig);
            final int shard = leastLoadedShard();
            final Partition partition = new Partition(topic.name(), topic.id(), p, log, sequencer, shard);
            try
            {
                listeners.forEach(l -> l.onOpening(partition));
                shards[shard].addPartition(sequencer).join();
            }
            catch (final RuntimeException ex)
            {
                listeners.forEach(l -> l.onClosed(partition));
                throw ex;
            }
            shardLoad[shard]++;
            LOG.info("partition {}-{} open in {}: offsets {}..{}, {} producer batches replayed", topic.name(), p, dir,
                log.logStartOffset(), log.logEndOffset(), sequencer.rebuiltBatches());
            return partition;
        }
        catch (final RuntimeException ex)
        {
            flusher.unregister(log);
            log.close();
            throw ex;
        }
    }

    private void applyConfigs(final TopicImage topic, final Map<String, String> effective, final Partition[] partitions)
    {
        final LogConfig logConfig = TopicConfig.logConfig(effective);
        final int minInsync = TopicConfig.minInsyncReplicas(effective);
        for (final Partition partition : partitions)
        {
            if (partition == null)
            {
                continue;
            }
            partition.log().updateConfig(logConfig);
            partition.sequencer().setMinInsyncReplicas(minInsync).join();
        }
        topics.put(topic.name(), new TopicPartitions(topic.id(), topic.configs(), partitions));
        LOG.info("topic {} configs now {}", topic.name(), topic.configs());
    }

    private void closeTopic(final String name, final boolean deleteData)
    {
        final TopicPartitions removed = topics.remove(name);
        for (final Partition partition : removed.partitions())
        {
            if (partition != null)
            {
                closePartition(partition, deleteData);
            }
        }
        LOG.info("topic {} {}", name, deleteData ? "deleted" : "closed");
    }

    private void closePartition(final Partition partition, final boolean deleteData)
    {
        for (final PartitionListener l : listeners)
        {
            try
            {
                l.onClosing(partition);
            }
            catch (final RuntimeException ex)
            {
                LOG.error("partition listener failed closing {}", partition, ex);
            }
        }
        flusher.unregister(partition.log());
        shards[partition.shardIndex()].removePartition(partition.sequencer()).join(); // closes the log
        shardLoad[partition.shardIndex()]--;
        for (final PartitionListener l : listeners)
        {
            try
            {
                l.onClosed(partition);
            }
            catch (final RuntimeException ex)
            {
                LOG.error("partition listener failed after closing {}", partition, ex);
            }
        }
        if (deleteData)
        {
            deleteRecursively(partition.log().dir());
        }
    }

    /** Close every partition (flushing and trimming their logs); the data stays. */
    @Override
    public synchronized void close()
    {
        for (final String name : topics.keySet().toArray(new String[0]))
        {
            closeTopic(name, false);
        }
        publish();
    }

    private void publish()
    {
        final Map<String, Partition[]> names = new HashMap<>();
        final Map<UUID, Partition[]> ids = new HashMap<>();
        topics.forEach((name, t) ->
        {
            names.put(name, t.partitions());
            ids.put(t.id(), t.partitions());
        });
        byName = Map.copyOf(names);
        byId = Map.copyOf(ids);
    }

    private int leastLoadedShard()
    {
        int best = 0;
        for (int i = 1; i < shardLoad.length; i++)
        {
            if (shardLoad[i] < shardLoad[best])
            {
                best = i;
            }
        }
        return best;
    }

    /** The log dir already holding this partition, else the one holding the fewest partitions (Kafka's rule). */
    private Path logDirFor(final String topic, final int partition)
    {
        Path best = null;
        long bestCount = Long.MAX_VALUE;
        for (final Path dir : config.logDirs())
        {
            if (Files.isDirectory(dir.resolve(topic + "-" + partition)))
            {
                return dir;
            }
            final long count;
            try (Stream<Path> children = Files.list(dir))
            {
                count = children.filter(Files::isDirectory).count();
            }
            catch (final IOException ex)
            {
                continue;
            }
            if (count < bestCount)
            {
                best = dir;
                bestCount = count;
            }
        }
        if (best == null)
        {
            throw new UncheckedIOException(new IOException("no usable log dir among " + config.logDirs()));
        }
        return best;
    }

    private static void deleteRecursively(final Path dir)
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(f ->
            {
                try
                {
                    Files.deleteIfExists(f);
                }
                catch (final IOException ex)
                {
                    LOG.warn("cannot delete {}: {}", f, ex.toString());
                }
            });
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot delete {}: {}", dir, ex.toString());
        }
    }
}
