package io.ringlog.replication.controller;

import io.ringlog.replication.metadata.BrokerRegistration;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Kafka's replica assignment (AdminUtils.assignReplicasToBrokers): partition {@code p}'s first replica is broker
 * {@code (p + start) % n}, the others follow at a shift that grows every {@code n} partitions; rack-aware when every
 * live broker has a rack, over a list that alternates racks. Kafka draws {@code start} and the shift at random; here
 * both come from the topic id the requester chose, so placement is spread and still the same on every member.
 * <p>
 * Stateless and thread-safe.
 */
final class ReplicaPlacer
{
    private ReplicaPlacer()
    {
    }

    /**
     * @param live              unfenced brokers, ascending by id; at least {@code replicationFactor} of them.
     * @param topicId           the source of the start index and shift.
     * @param firstPartition    index of the first partition to place (the current count when growing a topic).
     * @param count             partitions to place.
     * @param replicationFactor replicas each.
     * @return replica lists, the first element the preferred leader.
     */
    static List<List<Integer>> place(
        final List<BrokerRegistration> live,
        final UUID topicId,
        final int firstPartition,
        final int count,
        final int replicationFactor)
    {
        final boolean rackAware = !live.isEmpty() && live.stream().allMatch(b -> null != b.rack());
        final List<Integer> brokers = rackAware ? rackAlternated(live) : ids(live);
        final int n = brokers.size();
        final int start = Math.floorMod(topicId.getMostSignificantBits(), n);
        int shift = Math.floorMod(topicId.getLeastSignificantBits(), n);
        final TreeMap<Integer, String> racks = new TreeMap<>();
        for (final BrokerRegistration b : live)
        {
            racks.put(b.brokerId(), b.rack());
        }
        final int rackCount = rackAware ? new HashSet<>(racks.values()).size() : 1;

        final List<List<Integer>> assignment = new ArrayList<>(count);
        for (int partition = firstPartition; partition < firstPartition + count; partition++)
        {
            if (partition > 0 && partition % n == 0)
            {
                shift++;
            }
            final int first = (partition + start) % n;
            final List<Integer> replicas = new ArrayList<>(replicationFactor);
            replicas.add(brokers.get(first));
            if (rackAware)
            {
                final Set<String> usedRacks = new HashSet<>();
                usedRacks.add(racks.get(brokers.get(first)));
                int k = 0;
                while (replicas.size() < replicationFactor)
                {
                    final int broker = brokers.get(replicaIndex(first, shift * rackCount, k++, n));
                    final String rack = racks.get(broker);
                    if ((!usedRacks.contains(rack) || usedRacks.size() == rackCount) && !replicas.contains(broker))
                    {
                        replicas.add(broker);
                        usedRacks.add(rack);
                    }
                }
            }
            else
            {
                for (int j = 0; j < replicationFactor - 1; j++)
                {
                    replicas.add(brokers.get(replicaIndex(first, shift, j, n)));
                }
            }
            assignment.add(replicas);
        }
        return assignment;
    }

    private static int replicaIndex(final int first, final int shift, final int j, final int n)
    {
        final int offset = 1 + (shift + j) % (n - 1);
        return (first + offset) % n;
    }

    private static List<Integer> ids(final List<BrokerRegistration> live)
    {
        final List<Integer> ids = new ArrayList<>(live.size());
        for (final BrokerRegistration b : live)
        {
            ids.add(b.brokerId());
        }
        return ids;
    }

    /** Kafka's getRackAlternatedBrokerList: racks in name order, taking the next broker of each in turn. */
    private static List<Integer> rackAlternated(final List<BrokerRegistration> live)
    {
        final TreeMap<String, List<Integer>> byRack = new TreeMap<>();
        for (final BrokerRegistration b : live)
        {
            byRack.computeIfAbsent(b.rack(), r -> new ArrayList<>()).add(b.brokerId());
        }
        final List<Integer> result = new ArrayList<>(live.size());
        for (int i = 0; result.size() < live.size(); i++)
        {
            for (final List<Integer> rack : byRack.values())
            {
                if (i < rack.size())
                {
                    result.add(rack.get(i));
                }
            }
        }
        return result;
    }
}
