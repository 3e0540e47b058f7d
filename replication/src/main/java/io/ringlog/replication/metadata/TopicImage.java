package io.ringlog.replication.metadata;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A topic: its id (chosen by whoever asked for it), name, own configs and partitions by index. Immutable.
 */
public record TopicImage(UUID id, String name, Map<String, String> configs, List<PartitionRegistration> partitions)
{
    public TopicImage
    {
        configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        partitions = List.copyOf(partitions);
    }

    public PartitionRegistration partition(final int index)
    {
        return index >= 0 && index < partitions.size() ? partitions.get(index) : null;
    }

    public int replicationFactor()
    {
        return partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
    }
}
