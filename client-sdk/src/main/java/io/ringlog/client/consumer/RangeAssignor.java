package io.ringlog.client.consumer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * Kafka's range assignor, as the group leader runs it: per topic, the members subscribed to it in member-id order,
 * the partitions in number order; each member gets {@code partitions / members} consecutive partitions and the
 * first {@code partitions % members} members one more. (Kafka's rack-aware variant applies only when members send
 * racks, which native members do not.) Cold path; stateless.
 */
public final class RangeAssignor
{
    private RangeAssignor()
    {
    }

    /**
     * @param subscriptions   each member's subscription, by member id.
     * @param partitionCount  a topic's partition count; a topic the leader cannot resolve gives 0 and is skipped.
     * @return each member's assignment (every member present, possibly empty), by member id.
     */
    public static Map<String, ConsumerProtocol.Assignment> assign(
        final Map<String, ConsumerProtocol.Subscription> subscriptions, final ToIntFunction<String> partitionCount)
    {
        final Map<String, List<String>> membersByTopic = new TreeMap<>();
        final Map<String, Map<String, List<Integer>>> byMember = new TreeMap<>();
        for (final Map.Entry<String, ConsumerProtocol.Subscription> e : subscriptions.entrySet())
        {
            byMember.put(e.getKey(), new LinkedHashMap<>());
            for (final String topic : e.getValue().topics())
            {
                final List<String> members = membersByTopic.computeIfAbsent(topic, t -> new ArrayList<>());
                if (!members.contains(e.getKey()))
                {
                    members.add(e.getKey());
                }
            }
        }
        for (final Map.Entry<String, List<String>> e : membersByTopic.entrySet())
        {
            final String topic = e.getKey();
            final List<String> members = e.getValue();
            members.sort(String::compareTo);
            final int partitions = partitionCount.applyAsInt(topic);
            if (partitions <= 0)
            {
                continue;
            }
            final int perMember = partitions / members.size();
            final int extra = partitions % members.size();
            for (int i = 0; i < members.size(); i++)
            {
                final int start = perMember * i + Math.min(i, extra);
                final int length = perMember + (i + 1 > extra ? 0 : 1);
                if (length == 0)
                {
                    continue;
                }
                final List<Integer> assigned = new ArrayList<>(length);
                for (int p = start; p < start + length; p++)
                {
                    assigned.add(p);
                }
                byMember.get(members.get(i)).put(topic, assigned);
            }
        }
        final Map<String, ConsumerProtocol.Assignment> result = new LinkedHashMap<>();
        byMember.forEach((member, partitions) -> result.put(member, new ConsumerProtocol.Assignment(partitions)));
        return result;
    }
}
