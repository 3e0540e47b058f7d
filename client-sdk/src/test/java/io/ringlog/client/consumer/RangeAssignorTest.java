package io.ringlog.client.consumer;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The leader's range assignment equals kafka-clients' {@code RangeAssignor} for random groups. */
@Timeout(60)
class RangeAssignorTest
{
    @Test
    void assignsAsKafkasRangeAssignor()
    {
        final Random random = new Random(5);
        final org.apache.kafka.clients.consumer.RangeAssignor kafka = new org.apache.kafka.clients.consumer.RangeAssignor();
        for (int round = 0; round < 500; round++)
        {
            final Map<String, Integer> partitionsPerTopic = new HashMap<>();
            for (int t = 1 + random.nextInt(4); t > 0; t--)
            {
                partitionsPerTopic.put("topic-" + t, 1 + random.nextInt(12));
            }
            final List<String> topicNames = new ArrayList<>(partitionsPerTopic.keySet());
            final Map<String, ConsumerProtocol.Subscription> ours = new TreeMap<>();
            final Map<String, ConsumerPartitionAssignor.Subscription> theirs = new HashMap<>();
            for (int m = 1 + random.nextInt(6); m > 0; m--)
            {
                final String member = "consumer-" + random.nextInt(1000) + "-" + m;
                final List<String> topics = new ArrayList<>();
                for (final String t : topicNames)
                {
                    if (random.nextInt(3) > 0)
                    {
                        topics.add(t);
                    }
                }
                ours.put(member, new ConsumerProtocol.Subscription(topics));
                theirs.put(member, new ConsumerPartitionAssignor.Subscription(topics));
            }
            final Map<String, List<TopicPartition>> expected = kafka.assign(partitionsPerTopic, theirs);
            final Map<String, ConsumerProtocol.Assignment> actual =
                RangeAssignor.assign(ours, t -> partitionsPerTopic.getOrDefault(t, 0));
            assertEquals(expected.keySet(), actual.keySet());
            for (final String member : expected.keySet())
            {
                final Map<String, List<Integer>> byTopic = new TreeMap<>();
                for (final TopicPartition tp : expected.get(member))
                {
                    byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
                }
                byTopic.values().forEach(l -> l.sort(Integer::compare));
                assertEquals(byTopic, new TreeMap<>(actual.get(member).partitions()), member + " in round " + round);
            }
        }
    }
}
