package io.ringlog.broker.metrics;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replication's series on the Prometheus endpoints of three real brokers in this JVM (each with its own port): bytes
 * out on leaders and in on followers after producing, followers not lagging once caught up; then with one broker
 * closed, the others' under-replicated and under-min-ISR partitions are those they lead, their ISR shrinks are
 * counted, the closed broker's leadership is a leader election they both see, and a follower that is gone lags by
 * the records appended since.
 */
@Timeout(180)
class ReplicationMetricsTest
{
    private static final String TOPIC = "watched";
    private static final int PARTITIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<RingBroker> brokers = new ArrayList<>();
    private String voters;

    @AfterEach
    void close()
    {
        brokers.parallelStream().forEach(b ->
        {
            if (b != null)
            {
                b.close();
            }
        });
    }

    @Test
    void underReplicationShrinksBytesLagAndElectionsAreScraped() throws Exception
    {
        startCluster();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(1))))
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short)3)
                .configs(Map.of("min.insync.replicas", "3")))).all().get(30, TimeUnit.SECONDS);
        }
        awaitImage("every replica in sync", image -> topicIsr(image, 3));
        produce(0, 30, "all");

        // Followers caught up: every broker leads one partition (three partitions, three brokers) and follows two.
        final MetadataImage before = brokers.get(0).controller().image();
        for (int node = 1; node <= 3; node++)
        {
            final String body = awaitScrape(node, s -> value(s, "ringlog_replication_received_bytes_total") > 0 &&
                value(s, "ringlog_replication_sent_bytes_total") > 0);
            assertEquals(0, value(body, "ringlog_under_replicated_partitions"), body);
            assertEquals(0, value(body, "ringlog_under_min_isr_partitions"), body);
            assertEquals(0, value(body, "ringlog_replication_truncations_total"), body);
            for (int p = 0; p < PARTITIONS; p++)
            {
                if (before.partition(TOPIC, p).leader() == node)
                {
                    final int partition = p;
                    awaitScrape(node, s -> value(s, "ringlog_partition_follower_max_lag" +
                        labels(partition)) == 0);
                }
            }
            assertTrue(body.contains("# TYPE ringlog_partition_follower_lag_seconds gauge"), body);
            assertTrue(body.contains("# TYPE ringlog_leader_elections_total counter"), body);
        }

        // The leader of partition 0 stops: the others take it over, and lose it from the ISR of what they lead.
        final int gone = before.partition(TOPIC, 0).leader();
        brokers.get(gone - 1).close();
        brokers.set(gone - 1, null);
        awaitImage("broker " + gone + " out of every ISR and partition 0 led again", image ->
            image.partition(TOPIC, 0).leader() > 0 && topicIsr(image, 2));
        final MetadataImage after = live().get(0).controller().image();
        produce(100, 9, "1"); // min.insync.replicas=3: acks=all is refused now

        for (int node = 1; node <= 3; node++)
        {
            if (node == gone)
            {
                continue;
            }
            final int led = ledBy(after, node);
            final int self = node;
            final String body = awaitScrape(node, s ->
                value(s, "ringlog_under_replicated_partitions") == led &&
                value(s, "ringlog_leader_elections_total") >= 1);
            assertTrue(led >= 1, "broker " + node + " leads a partition of " + TOPIC + " at least");
            // min.insync.replicas=3 on the topic, 1 (the default) on __consumer_offsets
            assertEquals(ledOfTopic(after, node), value(body, "ringlog_under_min_isr_partitions"), body);
            // It led one partition before, with the closed broker in its ISR: one committed shrink at least.
            assertTrue(value(body, "ringlog_isr_shrinks_total") >= 1, body);
            // The partition it led before: the closed follower lags by what was produced since (3 records).
            final int kept = before.topic(TOPIC).partitions().stream().filter(p -> p.leader() == self)
                .findFirst().orElseThrow().partition();
            final String lagging = awaitScrape(node, s ->
                value(s, "ringlog_partition_follower_max_lag" + labels(kept)) == 3 &&
                value(s, "ringlog_partition_follower_lag_seconds{follower=\"" + gone + "\",partition=\"" + kept +
                    "\",topic=\"" + TOPIC + "\"}") > 0);
            assertTrue(value(lagging, "ringlog_partition_follower_lag_seconds{follower=\"" + gone +
                "\",partition=\"" + kept + "\",topic=\"" + TOPIC + "\"}") < 60, lagging);
        }
    }

    /** Partitions of {@link #TOPIC} whose ISR has {@code size} replicas each, all with a leader. */
    private static boolean topicIsr(final MetadataImage image, final int size)
    {
        final MetadataImage.TopicImage t = image.topic(TOPIC);
        return t != null && t.partitions().size() == PARTITIONS &&
            t.partitions().stream().allMatch(p -> p.leader() > 0 && p.isr().size() == size);
    }

    /** Partitions of any topic this broker leads with fewer in-sync replicas than replicas. */
    private static int ledBy(final MetadataImage image, final int node)
    {
        int led = 0;
        for (final MetadataImage.TopicImage t : image.topics().values())
        {
            for (final PartitionImage p : t.partitions())
            {
                if (p.leader() == node && p.isr().size() < p.replicas().size())
                {
                    led++;
                }
            }
        }
        return led;
    }

    /** Partitions of {@link #TOPIC} this broker leads. */
    private static long ledOfTopic(final MetadataImage image, final int node)
    {
        return image.topic(TOPIC).partitions().stream().filter(p -> p.leader() == node).count();
    }

    private static String labels(final int partition)
    {
        return "{partition=\"" + partition + "\",topic=\"" + TOPIC + "\"}";
    }

    private List<RingBroker> live()
    {
        return brokers.stream().filter(b -> b != null).toList();
    }

    private String bootstrap(final int node)
    {
        return "127.0.0.1:" + brokers.get(node - 1).port();
    }

    private void produce(final int from, final int count, final String acks) throws Exception
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, live().stream().map(b -> "127.0.0.1:" + b.port())
            .collect(Collectors.joining(",")));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p))
        {
            final List<Future<?>> sent = new ArrayList<>();
            for (int i = from; i < from + count; i++)
            {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "v" + i)));
            }
            for (final Future<?> f : sent)
            {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private void awaitImage(final String what, final Predicate<MetadataImage> ready)
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!live().stream().allMatch(b -> ready.test(b.controller().image())))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + WAIT + " waiting for: " + what);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    /** Scrape broker {@code node} until {@code ready} holds (shards and images move a moment after the fact). */
    private String awaitScrape(final int node, final Predicate<String> ready) throws Exception
    {
        final int port = brokers.get(node - 1).metricsPort();
        final long deadline = System.nanoTime() + WAIT.toNanos();
        String body = scrape(port);
        while (!ready.test(body))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("broker " + node + "'s scrape never showed what was expected:\n" + body);
            }
            LockSupport.parkNanos(20_000_000);
            body = scrape(port);
        }
        return body;
    }

    private static String scrape(final int port) throws Exception
    {
        return HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of the series {@code name} (with its labels, if any), or NaN when the scrape does not have it. */
    private static double value(final String body, final String name)
    {
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        return Double.NaN;
    }

    private void startCluster() throws Exception
    {
        voters = FreeUdpPorts.voters(3);
        final List<CompletableFuture<RingBroker>> starting = new ArrayList<>();
        for (int node = 1; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return RingBroker.start(config(id));
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        for (final CompletableFuture<RingBroker> f : starting)
        {
            brokers.add(f.get(90, TimeUnit.SECONDS));
        }
    }

    private BrokerConfig config(final int node)
    {
        final Map<String, String> config = new HashMap<>();
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", dir.resolve("node-" + node).toString());
        config.put("native.enabled", "false");
        config.put("metrics.port", "0");
        config.put("node.id", Integer.toString(node));
        config.put("process.roles", "broker,controller");
        config.put("controller.quorum.voters", voters);
        config.put("offsets.topic.num.partitions", "1");
        config.put("broker.session.timeout.ms", "2000");
        config.put("replica.lag.time.max.ms", "5000");
        config.put("message.max.bytes", "262144");
        config.put("replication.term.length", "4194304"); // small terms: three brokers' drivers in one JVM
        return BrokerConfig.from(config);
    }
}
