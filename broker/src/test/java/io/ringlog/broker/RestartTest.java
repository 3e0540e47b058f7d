package io.ringlog.broker;

import io.ringlog.broker.RawKafkaClient.OffsetValue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a restart keeps. A clean close ({@link RingBroker#close}) keeps every record acknowledged at acks=1, in order,
 * and the offsets go on where they stopped. A kill -9 of a broker process keeps every record acknowledged at
 * acks=all. The idempotent producers' state is rebuilt from the log: after a restart a retried batch is still
 * answered with its original offset and not appended twice, and a producer that keeps sending through a restart
 * loses and repeats nothing. A start that fails leaves nothing running. Segments are small, so recovery crosses
 * segment boundaries; the data directories stay behind when a test fails.
 */
@Timeout(60)
class RestartTest
{
    private static final int PARTITIONS = 2;
    /** Segments of 16 KiB, so that the records span several and recovery crosses segment boundaries. */
    private static final int SMALL_SEGMENTS = 16 * 1024;
    /** Well under a segment: a batch larger than segment.bytes would be refused (RECORD_LIST_TOO_LARGE). */
    private static final int SMALL_BATCHES = 2 * 1024;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private TestBroker inProcess;
    private BrokerProcess process;

    @BeforeAll
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    static void build() throws Exception
    {
        BrokerProcess.ensureBuilt();
    }

    @AfterEach
    void stop() throws Exception
    {
        if (inProcess != null)
        {
            inProcess.close();
        }
        if (process != null)
        {
            process.close();
        }
    }

    @Test
    void aCleanCloseKeepsEveryAcks1RecordAndOffsetsContinue() throws Exception
    {
        final String topic = "clean";
        final int records = 3_000;
        final Path data = dir.resolve("data");
        inProcess = new TestBroker(data, "log.segment.bytes=" + SMALL_SEGMENTS);
        Clients.createTopic(inProcess.bootstrap(), topic, PARTITIONS, Map.of());
        try (KafkaProducer<String, String> producer = inProcess.producer("acks", "1", "enable.idempotence", false,
            "batch.size", SMALL_BATCHES))
        {
            final List<Future<RecordMetadata>> sent = Clients.sendNumbered(producer, topic, PARTITIONS, 0, records);
            producer.flush();
            Clients.assertAcknowledgedInPlace(sent, PARTITIONS, 0);
        }
        inProcess.close();

        inProcess = new TestBroker(data, "log.segment.bytes=" + SMALL_SEGMENTS);
        assertEquals(records, readNumbered(inProcess.bootstrap(), topic), "records after the restart");
        try (KafkaProducer<String, String> producer = inProcess.producer("acks", "1", "enable.idempotence", false,
            "batch.size", SMALL_BATCHES))
        {
            final List<Future<RecordMetadata>> next =
                Clients.sendNumbered(producer, topic, PARTITIONS, records, records + 2 * PARTITIONS);
            Clients.assertAcknowledgedInPlace(next, PARTITIONS, records);
        }
        assertEquals(records + 2 * PARTITIONS, readNumbered(inProcess.bootstrap(), topic), "records at the end");
    }

    @Test
    void killMinus9KeepsEveryRecordAcknowledgedAtAcksAll() throws Exception
    {
        final String topic = "killed";
        final int port = BrokerProcess.freePort();
        final String[] overrides = BrokerProcess.listenerAndData(port, dir.resolve("data"),
            "log.flush.interval.messages=1", "log.segment.bytes=" + SMALL_SEGMENTS);
        process = BrokerProcess.start(dir.resolve("first"), overrides);
        Clients.createTopic(process.bootstrap(), topic, PARTITIONS, Map.of());

        final int settled = 1_000;
        final NumberedStream stream;
        try (KafkaProducer<String, String> producer = Clients.producer(process.bootstrap(), "acks", "all",
            "enable.idempotence", true, "delivery.timeout.ms", 4_000, "request.timeout.ms", 2_000,
            "max.block.ms", 2_000, "retry.backoff.ms", 50, "batch.size", SMALL_BATCHES))
        {
            // Every one of these is acknowledged before the kill...
            final List<Future<RecordMetadata>> sent = Clients.sendNumbered(producer, topic, PARTITIONS, 0, settled);
            Clients.assertAcknowledgedInPlace(sent, PARTITIONS, 0);
            // ...and these are in flight when it comes.
            stream = new NumberedStream(producer, topic, settled);
            Conditions.await("500 streamed records acknowledged", Duration.ofSeconds(20),
                () -> stream.acknowledged.size() >= 500);
            process.kill();
            stream.stop();
            producer.close(Duration.ZERO);
        }
        final Set<Integer> acknowledged = new HashSet<>(stream.acknowledged);
        for (int i = 0; i < settled; i++)
        {
            acknowledged.add(i);
        }

        process = BrokerProcess.start(dir.resolve("second"), overrides);
        final int[] counts = Clients.assertNumberedInOrder(
            Clients.readAll(process.bootstrap(), topic, PARTITIONS, Duration.ofSeconds(30)), PARTITIONS);
        for (final int i : acknowledged)
        {
            assertTrue(i / PARTITIONS < counts[i % PARTITIONS], "acknowledged record " + i + " survived the kill; " +
                "partition " + i % PARTITIONS + " holds " + counts[i % PARTITIONS]);
        }
    }

    /**
     * A broker restarted (SIGTERM, then a start on the same port and data) under an idempotent producer that keeps
     * sending: requests caught by the shutdown are retried against the new broker, whose producer state is rebuilt
     * from the log, so every record ends up on the log exactly once, in order, and every send succeeds.
     */
    @Test
    void anIdempotentProducerCarriesOnAcrossARestartWithoutLossOrDuplicates() throws Exception
    {
        final String topic = "rolling";
        final String[] overrides = BrokerProcess.listenerAndData(BrokerProcess.freePort(), dir.resolve("data"),
            "log.segment.bytes=" + SMALL_SEGMENTS);
        process = BrokerProcess.start(dir.resolve("first"), overrides);
        Clients.createTopic(process.bootstrap(), topic, PARTITIONS, Map.of());

        final NumberedStream stream;
        try (KafkaProducer<String, String> producer = Clients.producer(process.bootstrap(), "acks", "all",
            "enable.idempotence", true, "delivery.timeout.ms", 60_000, "request.timeout.ms", 3_000,
            "retry.backoff.ms", 50, "reconnect.backoff.max.ms", 200, "batch.size", SMALL_BATCHES))
        {
            stream = new NumberedStream(producer, topic, 0);
            Conditions.await("1,000 records acknowledged", Duration.ofSeconds(20),
                () -> stream.acknowledged.size() >= 1_000);
            process.terminate(Duration.ofSeconds(20));
            final int beforeRestart = stream.acknowledged.size();
            process = BrokerProcess.start(dir.resolve("second"), overrides);
            Conditions.await("1,000 more records acknowledged after the restart", Duration.ofSeconds(30),
                () -> stream.acknowledged.size() >= beforeRestart + 1_000);
            stream.stop();
            producer.flush();
        }
        assertEquals(List.of(), List.copyOf(stream.failures), "sends that failed");
        assertEquals(stream.sent(), stream.acknowledged.size(), "every send acknowledged");
        assertEquals(stream.sent(), readNumbered(process.bootstrap(), topic), "records on the log");
    }

    /** A clean restart, in process: the raw protocol replays the producer's last batch after it. */
    @Test
    void aRetriedBatchIsStillADuplicateAfterACleanRestart() throws Exception
    {
        final Path data = dir.resolve("data");
        inProcess = new TestBroker(data);
        Clients.createTopic(inProcess.bootstrap(), "idem", 1, Map.of());
        final RawProducer producer;
        try (RawKafkaClient client = new RawKafkaClient(inProcess.broker.port()))
        {
            producer = RawProducer.init(client);
            assertEquals(0, producer.send(client, "idem", 5, 1).baseOffset());
            assertEquals(5, producer.send(client, "idem", 5, 1).baseOffset());
        }
        inProcess.close();

        inProcess = new TestBroker(data);
        assertDuplicatesAnsweredAndNotAppended(inProcess.broker.port(), producer);
    }

    /** The same after a kill -9 of a broker process: the state comes from the log, not from a clean shutdown. */
    @Test
    void aRetriedBatchIsStillADuplicateAfterKillMinus9() throws Exception
    {
        final String[] overrides = BrokerProcess.listenerAndData(BrokerProcess.freePort(), dir.resolve("data"));
        process = BrokerProcess.start(dir.resolve("first"), overrides);
        Clients.createTopic(process.bootstrap(), "idem", 1, Map.of());
        final RawProducer producer;
        try (RawKafkaClient client = new RawKafkaClient(process.port()))
        {
            producer = RawProducer.init(client);
            assertEquals(0, producer.send(client, "idem", 5, -1).baseOffset());
            assertEquals(5, producer.send(client, "idem", 5, -1).baseOffset());
        }
        process.kill();

        process = BrokerProcess.start(dir.resolve("second"), overrides);
        assertDuplicatesAnsweredAndNotAppended(process.port(), producer);
    }

    /**
     * After a restart, on a broker whose partition "idem" holds the producer's two batches of five (offsets 0 and 5):
     * both, sent again, are answered with their original offsets and not appended; the next batch in sequence is
     * appended at 10; a new producer gets a new id.
     */
    private static void assertDuplicatesAnsweredAndNotAppended(final int port, final RawProducer producer)
        throws Exception
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            for (final int acks : new int[]{ 1, -1 })
            {
                final PartitionProduceResponse last = client.produce("idem", 0, acks, producer.batches.get(1));
                assertEquals(Errors.NONE.code(), last.errorCode(), "duplicate of the last batch, acks=" + acks);
                assertEquals(5, last.baseOffset(), "the original offset of the last batch, acks=" + acks);
                final PartitionProduceResponse first = client.produce("idem", 0, acks, producer.batches.get(0));
                assertEquals(Errors.NONE.code(), first.errorCode(), "duplicate of the first batch, acks=" + acks);
                assertEquals(0, first.baseOffset(), "the original offset of the first batch, acks=" + acks);
            }
            final List<OffsetValue> before = client.readAll("idem", 0);
            assertEquals(10, before.size(), "the duplicates were not appended: " + before);

            assertEquals(10, producer.send(client, "idem", 3, -1).baseOffset(), "the next batch in sequence");
            final List<OffsetValue> after = client.readAll("idem", 0);
            assertEquals(13, after.size());
            for (int i = 0; i < after.size(); i++)
            {
                assertEquals(new OffsetValue(i, "p" + i), after.get(i), "record " + i);
            }
            final InitProducerIdResponseData another = client.initProducerId();
            assertNotEquals(producer.id, another.producerId(), "a producer id is never handed out twice");
        }
    }

    /**
     * A start that fails (here: the port is taken) must leave nothing running: the threads it had started would keep
     * an embedding JVM alive and poll for ever. Then a start on the same directory works.
     */
    @Test
    void aFailedStartLeavesNoThreadsBehindAndTheDirectoryUsable() throws Exception
    {
        final Path data = dir.resolve("data");
        final Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final Exception ex = assertThrows(Exception.class,
                () -> new TestBroker(data, "listeners=PLAINTEXT://127.0.0.1:" + taken.getLocalPort()).close());
            assertTrue(String.valueOf(ex.getMessage()).contains(Integer.toString(taken.getLocalPort())),
                "the failure names the port: " + ex);
        }
        final boolean none = Conditions.holdsWithin(Duration.ofSeconds(5), () -> startedSince(before).isEmpty());
        assertTrue(none, "threads left running by the failed start: " + startedSince(before));

        inProcess = new TestBroker(data);
        Clients.createTopic(inProcess.bootstrap(), "after-failed-start", 1, Map.of());
    }

    private static List<String> startedSince(final Set<Thread> before)
    {
        final List<String> names = new ArrayList<>();
        for (final Thread t : Thread.getAllStackTraces().keySet())
        {
            if (!before.contains(t) && t.isAlive())
            {
                names.add(t.getName() + (t.isDaemon() ? " (daemon)" : ""));
            }
        }
        return names;
    }

    private static int readNumbered(final String bootstrap, final String topic)
    {
        final Map<Integer, List<ConsumerRecord<String, String>>> read =
            Clients.readAll(bootstrap, topic, PARTITIONS, Duration.ofSeconds(30));
        final int[] counts = Clients.assertNumberedInOrder(read, PARTITIONS);
        int total = 0;
        for (final int c : counts)
        {
            total += c;
        }
        return total;
    }

    /**
     * The numbered records from {@code from} on, sent by a thread of its own until {@link #stop()}, at most 200
     * unacknowledged at a time; which were acknowledged and which failed.
     */
    private static final class NumberedStream
    {
        final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        private final Semaphore window = new Semaphore(200);
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger sent = new AtomicInteger();
        private final Thread thread;

        NumberedStream(final KafkaProducer<String, String> producer, final String topic, final int from)
        {
            thread = new Thread(() -> send(producer, topic, from), "restart-test-sender");
            thread.setDaemon(true);
            thread.start();
        }

        /** Records handed to the producer. */
        int sent()
        {
            return sent.get();
        }

        void stop() throws InterruptedException
        {
            stopped.set(true);
            thread.join(10_000);
        }

        private void send(final KafkaProducer<String, String> producer, final String topic, final int from)
        {
            try
            {
                for (int i = from; !stopped.get(); i++)
                {
                    while (!window.tryAcquire(10, TimeUnit.MILLISECONDS))
                    {
                        if (stopped.get())
                        {
                            return;
                        }
                    }
                    final int n = i;
                    producer.send(new ProducerRecord<>(topic, n % PARTITIONS, "k" + n, "v" + n), (metadata, error) ->
                    {
                        if (error == null)
                        {
                            acknowledged.add(n);
                        }
                        else
                        {
                            failures.add(n + ": " + error);
                        }
                        window.release();
                    });
                    sent.incrementAndGet();
                }
            }
            catch (final InterruptedException | RuntimeException ex)
            {
                failures.add("sender stopped: " + ex); // the producer closed under it
            }
        }
    }

    /** An idempotent producer by hand: its id and epoch, the batches it sent (values p0, p1, ...), in order. */
    private static final class RawProducer
    {
        final long id;
        final short epoch;
        final List<MemoryRecords> batches = new ArrayList<>();
        int nextSequence;

        private RawProducer(final long id, final short epoch)
        {
            this.id = id;
            this.epoch = epoch;
        }

        static RawProducer init(final RawKafkaClient client) throws Exception
        {
            final InitProducerIdResponseData response = client.initProducerId();
            return new RawProducer(response.producerId(), response.producerEpoch());
        }

        /** Send the next batch of {@code count} records and check it was taken. */
        PartitionProduceResponse send(final RawKafkaClient client, final String topic, final int count, final int acks)
            throws Exception
        {
            final String[] values = new String[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = "p" + (nextSequence + i);
            }
            final MemoryRecords batch = RawKafkaClient.idempotentBatch(id, epoch, nextSequence, values);
            final PartitionProduceResponse response = client.produce(topic, 0, acks, batch);
            assertEquals(Errors.NONE.code(), response.errorCode(), "batch at sequence " + nextSequence);
            assertNull(response.errorMessage(), "batch at sequence " + nextSequence);
            batches.add(batch);
            nextSequence += count;
            return response;
        }
    }
}
