package io.ringlog.perf.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Creates the run's topics with the AdminClient, one partition and one replica each, in one JVM (one
 * {@code kafka-topics} per topic would cost a JVM start each). Run by {@link SideBySide} with Kafka 4.3.1's
 * classpath. Prints {@code create-topics: created=a,b,...}; exit code 1 if any creation fails.
 */
public final class CreateTopics
{
    private CreateTopics()
    {
    }

    /**
     * @param args {@code BOOTSTRAP TOPIC...}.
     * @throws Exception if a topic cannot be created in 60 s.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length < 2)
        {
            throw new IllegalArgumentException("usage: CreateTopics BOOTSTRAP TOPIC...");
        }
        final Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        final List<NewTopic> topics = new ArrayList<>();
        for (int i = 1; i < args.length; i++)
        {
            topics.add(new NewTopic(args[i], 1, (short)1));
        }
        try (Admin admin = Admin.create(props))
        {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        }
        System.out.println("create-topics: created=" + String.join(",", List.of(args).subList(1, args.length)));
    }
}
