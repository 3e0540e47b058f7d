package io.ringlog.broker;

import io.ringlog.broker.core.quorum.FreeUdpPorts;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogSlice;
import io.ringlog.journal.PartitionLog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three broker processes, a topic with three replicas and {@code min.insync.replicas=2}, an idempotent acks=all
 * kafka-clients producer writing a numbered sequence without pause, and the partition's leader killed with
 * {@code kill -9} again and again (then restarted on its data): every acknowledged record is read back exactly
 * once and in order, nothing is read twice, and once the cluster is still every replica's log holds the same bytes
 * at the same offsets. The time from each kill to the next acknowledged write is printed for the record.
 */
@Timeout(300)
class ReplicationFaultProcessTest
{
    private static final String TOPIC = "ledger";
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    private final List<BrokerProcess> nodes = new ArrayList<>();
    private final List<String[]> overrides = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException
    {
        for (final BrokerProcess node : nodes)
        {
            if (node != null)
            {
                node.close();
            }
        }
    }

    @Test
    void everyAcknowledgedRecordSurvivesRepeatedLeaderKills() throws Exception
    {
        BrokerProcess.ensureBuilt();
        final String voters = FreeUdpPorts.voters(3);
        for (int id = 1; id <= 3; id++)
        {
            overrides.add(BrokerProcess.listenerAndData(BrokerProcess.freePort(), dir.resolve("data-" + id),
                "node.id=" + id, "controller.quorum.voters=" + voters, "default.replication.factor=3",
                "broker.session.timeout.ms=2000", "offsets.topic.num.partitions=1", "replica.lag.time.max.ms=5000",
                "message.max.bytes=262144", "replication.term.length=4194304"));
        }
        for (int id = 1; id <= 3; id++)
        {
            nodes.add(BrokerProcess.launch(dir.resolve("run-" + id), overrides.get(id - 1)));
        }
        nodes.forEach(BrokerProcess::port);
        try (Admin admin = admin())
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short)3).configs(Map.of("min.insync.replicas", "2"))))
                .all().get(30, TimeUnit.SECONDS);
        }

        final NavigableSet<Long> acked = new ConcurrentSkipListSet<>();
        final AtomicLong lastAckNs = new AtomicLong();
        final AtomicReference<Exception> failed = new AtomicReference<>();
        final Semaphore inFlight = new Semaphore(200);
        final Thread writer = new Thread(() -> produce(acked, lastAckNs, failed, inFlight), "ledger-writer");
        writer.start();
        try
        {
            Conditions.await("first writes acknowledged", Duration.ofSeconds(30), () -> acked.size() >= 500);
            for (int round = 1; round <= ROUNDS; round++)
            {
                final int leader = leader();
                final int before = acked.size();
                final long killedNs = System.nanoTime();
                nodes.get(leader - 1).kill();
                Conditions.await("writes acknowledged again after killing leader " + leader, Duration.ofSeconds(60),
                    () -> acked.size() > before + 200 && lastAckNs.get() > killedNs);
                System.out.println("replication: round " + round + ": leader " + leader + " killed -> new leader " +
                    leaderQuietly() + ", writes acknowledged again within " +
                    TimeUnit.NANOSECONDS.toMillis(firstAckAfter(killedNs, lastAckNs)) + " ms (" + acked.size() +
                    " acknowledged so far)");
                nodes.set(leader - 1, BrokerProcess.launch(dir.resolve("run-" + leader + "-" + round),
                    overrides.get(leader - 1)));
                nodes.get(leader - 1).port();
                Conditions.await("broker " + leader + " back in the ISR", Duration.ofSeconds(60),
                    () -> isr().equals(Set.of(1, 2, 3)));
                assertEquals(null, failed.get(), "the producer gave up");
            }
        }
        finally
        {
            writer.interrupt();
            writer.join(60_000);
        }
        assertEquals(null, failed.get(), "the producer gave up");

        // Read everything back from the leader: each acknowledged value once, in the order written, nothing twice.
        final List<Long> read = readAll();
        final Set<Long> seen = new HashSet<>();
        long previous = -1;
        for (final long v : read)
        {
            assertTrue(seen.add(v), "value " + v + " read twice");
            assertTrue(v > previous, "value " + v + " after " + previous + ": out of order");
            previous = v;
        }
        final List<Long> missing = acked.stream().filter(v -> !seen.contains(v)).limit(10).toList();
        assertEquals(List.of(), missing, "acknowledged values lost (of " + acked.size() + ")");
        System.out.println("replication: " + acked.size() + " acknowledged, " + read.size() + " read back, none lost");

        // Still, every replica holds the same bytes at the same offsets up to the shortest log.
        Conditions.await("every replica in the ISR", Duration.ofSeconds(30), () -> isr().equals(Set.of(1, 2, 3)));
        Thread.sleep(2_000); // nothing is written now: the followers' last acks settle
        for (final BrokerProcess node : nodes)
        {
            node.terminate(Duration.ofSeconds(30));
        }
        final byte[] first = logBytes(1);
        for (int id = 2; id <= 3; id++)
        {
            final byte[] other = logBytes(id);
            assertEquals(first.length, other.length, "bytes in the replica on broker " + id + " and on broker 1");
            assertTrue(java.util.Arrays.equals(first, other), "replica on broker " + id + " differs from 1");
        }
    }

    private void produce(final NavigableSet<Long> acked, final AtomicLong lastAckNs,
        final AtomicReference<Exception> failed, final Semaphore inFlight)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringSerializer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        p.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p))
        {
            for (long i = 0; !Thread.currentThread().isInterrupted(); i++)
            {
                inFlight.acquire();
                if ((i & 3) == 0)
                {
                    Thread.sleep(1); // about 2,000 records a second: a steady stream, and catching up stays short
                }
                final long value = i;
                producer.send(new ProducerRecord<>(TOPIC, 0, null, Long.toString(value)), (metadata, ex) ->
                {
                    inFlight.release();
                    if (ex == null)
                    {
                        acked.add(value);
                        lastAckNs.set(System.nanoTime());
                    }
                    else
                    {
                        failed.compareAndSet(null, ex);
                    }
                });
            }
        }
        catch (final InterruptedException ex)
        {
            // stopped: close() below waits for what is in flight
        }
    }

    private static long firstAckAfter(final long killedNs, final AtomicLong lastAckNs)
    {
        return Math.max(0, lastAckNs.get() - killedNs);
    }

    private List<Long> readAll() throws Exception
    {
        final List<Long> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = TestBroker.consumerFor(bootstrap()))
        {
            final TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp) < end && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
                {
                    values.add(Long.parseLong(r.value()));
                }
            }
            assertEquals(end, consumer.position(tp), "read up to the high watermark");
        }
        return values;
    }

    /** The journal of the partition on broker {@code id}, read with the journal itself once the broker stopped. */
    private byte[] logBytes(final int id) throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir.resolve("data-" + id), TOPIC, 0,
            LogConfig.defaults()))
        {
            final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            final LogSlice slice = new LogSlice();
            long offset = log.logStartOffset();
            while (offset < log.logEndOffset())
            {
                log.slice(offset, 1 << 20, log.logEndOffset(), slice);
                final byte[] bytes = new byte[slice.length()];
                slice.buffer().getBytes(0, bytes);
                out.write(bytes);
                offset = slice.nextOffset();
            }
            return out.toByteArray();
        }
    }

    private int leader() throws Exception
    {
        try (Admin admin = admin())
        {
            final TopicPartitionInfo p = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(TOPIC).partitions().get(0);
            return p.leader().id();
        }
    }

    private String leaderQuietly()
    {
        try
        {
            return Integer.toString(leader());
        }
        catch (final Exception ex)
        {
            return "?";
        }
    }

    private Set<Integer> isr()
    {
        try (Admin admin = admin())
        {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(5, TimeUnit.SECONDS).get(TOPIC)
                .partitions().get(0).isr().stream().map(Node::id).collect(Collectors.toSet());
        }
        catch (final Exception ex)
        {
            return Set.of();
        }
    }

    private String bootstrap()
    {
        final List<String> live = new ArrayList<>();
        for (int i = 0; i < overrides.size(); i++)
        {
            live.add(overrides.get(i)[0].substring("listeners=PLAINTEXT://".length()));
        }
        return String.join(",", live);
    }

    private Admin admin()
    {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 6_000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200));
    }
}
