package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Three brokers in this JVM with a replicated {@code __consumer_offsets}: a group's committed offsets survive the
 * loss of its coordinator broker (the new leader of the offsets partition loads them from its replica of the log),
 * and a controlled shutdown of that broker, with a producer writing acks=all throughout, fails no send.
 */
@Timeout(180)
class GroupFailoverTest
{
    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private ThreeBrokers cluster;

    @AfterEach
    void close()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void committedOffsetsSurviveTheCoordinatorAndAControlledShutdownFailsNoSend() throws Exception
    {
        cluster = new ThreeBrokers(dir, id -> new String[]{"offsets.topic.num.partitions=1"});
        try (Admin admin = TestBroker.adminFor(bootstrap()))
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short)3)
                .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        }
        final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++)
        {
            committed.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(10 + p, "at " + (10 + p)));
        }
        try (KafkaConsumer<String, String> consumer = TestBroker.consumerFor(bootstrap(),
            ConsumerConfig.GROUP_ID_CONFIG, "billing"))
        {
            consumer.assign(committed.keySet());
            consumer.commitSync(committed, Duration.ofSeconds(30));
        }
        final int coordinator;
        try (Admin admin = TestBroker.adminFor(bootstrap()))
        {
            coordinator = admin.describeConsumerGroups(List.of("billing")).all().get(30, TimeUnit.SECONDS)
                .get("billing").coordinator().id();
        }

        // The coordinator's broker shuts down (controlled) while a producer writes at acks=all.
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger sent = new AtomicInteger();
        final AtomicReference<Map<MetricName, ? extends Metric>> metrics = new AtomicReference<>();
        final CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> produce(sent, failed, metrics));
        Conditions.await("the producer under way", Duration.ofSeconds(30), () -> sent.get() > 200);
        cluster.stop(coordinator);
        final int before = sent.get();
        Conditions.await("the producer carries on", Duration.ofSeconds(30), () -> sent.get() > before + 500);
        stopWriting = true;
        writing.get(60, TimeUnit.SECONDS);
        assertEquals(0, failed.get(), "sends failed across a controlled shutdown");
        System.out.println("group failover: " + sent.get() + " sends across the controlled shutdown of broker " +
            coordinator + ", none failed, " + retries(metrics.get()) + " retried");

        // A new member of the group, at the new coordinator, starts where the group committed.
        try (KafkaConsumer<String, String> consumer = TestBroker.consumerFor(bootstrap(),
            ConsumerConfig.GROUP_ID_CONFIG, "billing"))
        {
            final Map<TopicPartition, OffsetAndMetadata> found = consumer.committed(committed.keySet(),
                Duration.ofSeconds(30));
            assertEquals(committed, found, "committed offsets after the coordinator's broker left");
        }
        try (Admin admin = TestBroker.adminFor(bootstrap()))
        {
            final int now = admin.describeConsumerGroups(List.of("billing")).all().get(30, TimeUnit.SECONDS)
                .get("billing").coordinator().id();
            assertNotEquals(coordinator, now, "the group has a new coordinator");
        }
    }

    private volatile boolean stopWriting;

    private void produce(final AtomicInteger sent, final AtomicInteger failed,
        final AtomicReference<Map<MetricName, ? extends Metric>> metrics)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 20);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p))
        {
            metrics.set(producer.metrics());
            for (int i = 0; !stopWriting; i++)
            {
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "r" + i), (m, ex) ->
                {
                    if (ex == null)
                    {
                        sent.incrementAndGet();
                    }
                    else
                    {
                        failed.incrementAndGet();
                    }
                }).get(60, TimeUnit.SECONDS);
            }
        }
        catch (final Exception ex)
        {
            failed.incrementAndGet();
        }
    }

    private static double retries(final Map<MetricName, ? extends Metric> metrics)
    {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals("record-retry-total") &&
            e.getKey().group().equals("producer-metrics")).mapToDouble(e -> (double)e.getValue().metricValue())
            .sum();
    }

    private String bootstrap()
    {
        return cluster.bootstrap();
    }
}
