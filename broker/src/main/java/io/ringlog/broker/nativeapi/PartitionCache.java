package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.UUID;

/**
 * Finds a partition by the topic id's two longs and the partition number without building a {@link UUID} (the
 * replica manager's look-up by id needs one: an allocation per request). Entries are refreshed from the replica manager on a miss:
 * a topic seen for the first time, partitions added since, or a partition whose sequencer has closed (its topic was
 * deleted; a re-created topic has a new id). The cache is cleared when it grows past {@link #MAX_TOPICS}, so a
 * client asking for random ids cannot grow it without bound.
 * <p>
 * Gateway thread only.
 */
final class PartitionCache
{
    static final int MAX_TOPICS = 4096;

    private final ReplicaManager registry;
    private final Long2ObjectHashMap<Entry> byHash = new Long2ObjectHashMap<>();
    private boolean lastTopicUnknown;

    private static final class Entry
    {
        final long msb;
        final long lsb;
        final Partition[] partitions;

        Entry(final long msb, final long lsb, final Partition[] partitions)
        {
            this.msb = msb;
            this.lsb = lsb;
            this.partitions = partitions;
        }
    }

    PartitionCache(final ReplicaManager registry)
    {
        this.registry = registry;
    }

    /**
     * @return the partition this broker leads, or null; then {@link #lastTopicUnknown()} says whether the topic id
     * itself is unknown (UNKNOWN_TOPIC_ID) or only the partition (UNKNOWN_TOPIC_OR_PARTITION).
     */
    Partition lookup(final long msb, final long lsb, final int partition)
    {
        final long key = msb * 31 + lsb;
        final Entry entry = byHash.get(key);
        if (entry != null && entry.msb == msb && entry.lsb == lsb && partition >= 0 &&
            partition < entry.partitions.length)
        {
            final Partition p = entry.partitions[partition];
            if (p != null && !p.sequencer().isClosed())
            {
                return p;
            }
        }
        return refresh(key, msb, lsb, partition);
    }

    private Partition refresh(final long key, final long msb, final long lsb, final int partition)
    {
        final UUID id = new UUID(msb, lsb);
        final int count = registry.topicPartitionCount(id);
        lastTopicUnknown = count < 0;
        if (count < 0)
        {
            byHash.remove(key);
            return null;
        }
        final Partition[] partitions = new Partition[count];
        for (int i = 0; i < count; i++)
        {
            partitions[i] = registry.partition(id, i);
        }
        if (byHash.size() >= MAX_TOPICS)
        {
            byHash.clear();
        }
        byHash.put(key, new Entry(msb, lsb, partitions));
        final Partition p = partition >= 0 && partition < count ? partitions[partition] : null;
        return p == null || p.sequencer().isClosed() ? null : p;
    }

    boolean lastTopicUnknown()
    {
        return lastTopicUnknown;
    }

    /** Forget everything; after a partition closes. */
    void clear()
    {
        byHash.clear();
    }
}
