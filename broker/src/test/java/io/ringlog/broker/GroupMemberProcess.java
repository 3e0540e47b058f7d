package io.ringlog.broker;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * A group member in a JVM of its own, so that a test can kill it with SIGKILL: no LeaveGroup, no more heartbeats,
 * exactly what a crashed consumer looks like to the coordinator. It prints {@code ASSIGNED n} each time its
 * assignment changes. Arguments: bootstrap, topic, group, session timeout in ms.
 */
final class GroupMemberProcess
{
    private GroupMemberProcess()
    {
    }

    public static void main(final String[] args)
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.parseInt(args[3]));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 100);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        final Set<TopicPartition> held = new HashSet<>();
        try (KafkaConsumer<String, String> consumer =
            new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer()))
        {
            consumer.subscribe(List.of(args[1]), new ConsumerRebalanceListener()
            {
                @Override
                public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
                {
                    held.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
                {
                    held.addAll(partitions);
                    System.out.println("ASSIGNED " + held.size());
                    System.out.flush();
                }
            });
            while (true)
            {
                consumer.poll(Duration.ofMillis(100));
            }
        }
    }

    /** Start one, on the test's own class path; its output other than stdout is discarded. */
    static Process start(final String bootstrap, final String topic, final String group, final int sessionTimeoutMs)
        throws IOException
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            GroupMemberProcess.class.getName(), bootstrap, topic, group, Integer.toString(sessionTimeoutMs))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    }
}
