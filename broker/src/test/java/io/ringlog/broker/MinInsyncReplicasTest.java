package io.ringlog.broker;

import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code min.insync.replicas} across brokers (three in this JVM, as in {@link ReplicationTest}): a topic with two
 * replicas and {@code min.insync.replicas=2} takes acks=all while both are in sync; once its follower's broker has
 * stopped and the ISR has shrunk to the leader alone, acks=all is refused NOT_ENOUGH_REPLICAS (nothing appended)
 * while acks=1 is still taken, and acks=all is taken again once the follower is back in the ISR.
 */
@Timeout(180)
class MinInsyncReplicasTest
{
    private static final String TOPIC = "guarded";

    @TempDir
    Path dir;

    private final List<TestBroker> brokers = new ArrayList<>();
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
    void acksAllIsRefusedBelowMinInsyncReplicasAndAcksOneIsNot() throws Exception
    {
        startCluster();
        try (Admin admin = brokers.get(0).admin())
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short)2)
                .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        }
        Conditions.await("both replicas in sync", Duration.ofSeconds(30), () ->
        {
            final PartitionImage p = image();
            return p != null && p.leader() >= 0 && p.isr().size() == 2;
        });
        final PartitionImage before = image();
        final int leader = before.leader();
        final int follower = before.replicas().stream().filter(r -> r != leader).findFirst().orElseThrow();
        final TestBroker leading = brokers.get(leader - 1);

        try (KafkaProducer<String, String> all = producer(leading, "all"))
        {
            all.send(new ProducerRecord<>(TOPIC, 0, null, "in sync")).get(30, TimeUnit.SECONDS);
        }

        // The follower's broker stops (one voter of three: the quorum keeps its majority); it leaves the ISR.
        brokers.get(follower - 1).close();
        brokers.set(follower - 1, null);
        Conditions.await("the ISR shrunk to the leader", Duration.ofSeconds(30), () ->
        {
            final PartitionImage p = leading.broker.controller().image().partition(TOPIC, 0);
            return p.leader() == leader && p.isr().equals(List.of(leader));
        });
        final long endBefore = leading.broker.partitions().partition(TOPIC, 0).log().logEndOffset();

        try (KafkaProducer<String, String> all = producer(leading, "all"))
        {
            final ExecutionException refused = assertThrows(ExecutionException.class,
                () -> all.send(new ProducerRecord<>(TOPIC, 0, null, "refused")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(NotEnoughReplicasException.class, refused.getCause(), refused::toString);
        }
        assertEquals(endBefore, leading.broker.partitions().partition(TOPIC, 0).log().logEndOffset(),
            "NOT_ENOUGH_REPLICAS is answered before the append");

        try (KafkaProducer<String, String> one = producer(leading, "1"))
        {
            final RecordMetadata taken = one.send(new ProducerRecord<>(TOPIC, 0, null, "acks=1")).get(30,
                TimeUnit.SECONDS);
            assertEquals(endBefore, taken.offset());
        }

        // The follower comes back, catches up and rejoins the ISR: acks=all is taken again.
        brokers.set(follower - 1, new TestBroker(dir.resolve("node-" + follower), overrides(follower)));
        Conditions.await("the follower back in the ISR", Duration.ofSeconds(60), () ->
            leading.broker.controller().image().partition(TOPIC, 0).isr().size() == 2);
        try (KafkaProducer<String, String> all = producer(leading, "all"))
        {
            assertNotEquals(-1, all.send(new ProducerRecord<>(TOPIC, 0, null, "in sync again"))
                .get(30, TimeUnit.SECONDS).offset());
        }
    }

    /** retries=0: a retriable refusal (NOT_ENOUGH_REPLICAS is one) reaches the caller as it is. */
    private static KafkaProducer<String, String> producer(final TestBroker broker, final String acks)
    {
        return broker.producer(ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.RETRIES_CONFIG, 0,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.LINGER_MS_CONFIG, 0);
    }

    private PartitionImage image()
    {
        return brokers.get(0).broker.controller().image().partition(TOPIC, 0);
    }

    private void startCluster() throws Exception
    {
        voters = FreeUdpPorts.voters(3);
        final List<CompletableFuture<TestBroker>> starting = new ArrayList<>();
        for (int node = 1; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new TestBroker(dir.resolve("node-" + id), overrides(id));
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        for (final CompletableFuture<TestBroker> f : starting)
        {
            brokers.add(f.get(90, TimeUnit.SECONDS));
        }
    }

    private String[] overrides(final int node)
    {
        return new String[]{
            "node.id=" + node,
            "process.roles=broker,controller",
            "controller.quorum.voters=" + voters,
            "offsets.topic.num.partitions=1",
            "broker.session.timeout.ms=2000",
            "replica.lag.time.max.ms=5000",
            "message.max.bytes=262144",
            "replication.term.length=4194304" // small terms: three brokers' drivers in one JVM
        };
    }
}
