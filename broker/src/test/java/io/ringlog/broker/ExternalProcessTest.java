package io.ringlog.broker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker started as a user starts it, {@code bin/ringlog server --override ...}, in a process of its own:
 * kafka-clients write and read through it, SIGTERM stops it cleanly, and a restart on the same port and data
 * directory finds every record. A bad config value, a port in use or a data directory another broker owns stops the
 * start with one line on stderr; an unknown key only warns. The data directories stay behind when a test fails.
 */
@Timeout(90)
class ExternalProcessTest
{
    private static final int RECORDS = 5_000;
    private static final int PARTITIONS = 3;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final String STOPPED_LINE = "Ringlog broker 1 stopped";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private BrokerProcess broker;
    private BrokerProcess second;

    @BeforeAll
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    static void build() throws Exception
    {
        BrokerProcess.ensureBuilt();
    }

    @AfterEach
    void killBroker() throws Exception
    {
        if (broker != null)
        {
            broker.close();
        }
        if (second != null)
        {
            second.close();
        }
    }

    @Test
    void everyRecordSurvivesSigtermAndARestartOnTheSamePortAndData() throws Exception
    {
        final int port = BrokerProcess.freePort();
        final Path data = dir.resolve("data");
        broker = BrokerProcess.start(dir.resolve("first"), BrokerProcess.listenerAndData(port, data));
        assertEquals(port, broker.port(), "the start line names the configured port");
        final String topic = "external";
        Clients.createTopic(broker.bootstrap(), topic, PARTITIONS, Map.of());
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap(),
            "acks", "all", "enable.idempotence", true))
        {
            final List<Future<RecordMetadata>> sent = Clients.sendNumbered(producer, topic, PARTITIONS, 0, RECORDS);
            producer.flush();
            Clients.assertAcknowledgedInPlace(sent, PARTITIONS, 0);
        }
        assertEveryRecordInOrder(topic);

        broker.terminate(STOP_TIMEOUT); // the exit status has a test of its own
        assertTrue(broker.stderr().contains(STOPPED_LINE), "a clean stop logs '" + STOPPED_LINE + "':\n" +
            broker.stderr());

        broker = BrokerProcess.start(dir.resolve("second"), BrokerProcess.listenerAndData(port, data));
        assertEquals(port, broker.port(), "restarted on the same port");
        assertEveryRecordInOrder(topic);
    }

    /**
     * Kafka's operators (and systemd, which counts 143 as a failure unless told otherwise) expect a broker stopped
     * with SIGTERM to exit 0 once it has shut down cleanly.
     */
    @Test
    void sigtermExitsWithStatusZeroAfterACleanStop() throws Exception
    {
        broker = BrokerProcess.start(dir.resolve("run"),
            BrokerProcess.listenerAndData(BrokerProcess.freePort(), dir.resolve("data")));
        Clients.createTopic(broker.bootstrap(), "before-stop", 1, Map.of());

        final int exit = broker.terminate(STOP_TIMEOUT);
        final String stderr = broker.stderr();
        assertTrue(stderr.contains(STOPPED_LINE), "a clean stop logs '" + STOPPED_LINE + "':\n" + stderr);
        assertEquals(0, exit, "exit status after SIGTERM and a clean stop; stderr:\n" + stderr);
    }

    @Test
    void aBadConfigValueExitsNonZeroWithOneLineNamingTheKey() throws Exception
    {
        broker = BrokerProcess.launch(dir.resolve("run"), BrokerProcess.listenerAndData(BrokerProcess.freePort(),
            dir.resolve("data"), "num.partitions=zero"));

        final int exit = broker.awaitExit(Duration.ofSeconds(30));
        final List<String> lines = broker.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertNotEquals(0, exit, "exit status of a start with a bad value");
        assertEquals(1, lines.size(), "one line on stderr, no stack trace: " + lines);
        assertTrue(lines.get(0).contains("num.partitions"), "the line names the key: " + lines.get(0));
        assertTrue(lines.get(0).contains("zero"), "the line quotes the value: " + lines.get(0));
        assertFalse(broker.stdout().stream().anyMatch(l -> l.contains("started")), "no start: " + broker.stdout());
    }

    @Test
    void anUnknownKeyOnlyWarns() throws Exception
    {
        broker = BrokerProcess.start(dir.resolve("run"), BrokerProcess.listenerAndData(BrokerProcess.freePort(),
            dir.resolve("data"), "no.such.setting=42"));

        Clients.createTopic(broker.bootstrap(), "still-serving", 1, Map.of());
        final String warning = broker.stderr().lines().filter(l -> l.contains("no.such.setting")).findFirst()
            .orElse("");
        assertTrue(warning.contains("WARN"), "a warning names the unknown key:\n" + broker.stderr());
    }

    /**
     * Two brokers writing the same segments through their own mappings would destroy each other's records (and one
     * trimming a file the other has mapped kills the other with SIGBUS). Kafka takes a lock on each log dir and
     * refuses to start on a locked one; so must Ringlog.
     */
    @Test
    void aSecondBrokerOnTheSameDataDirectoryIsRefused() throws Exception
    {
        final Path data = dir.resolve("data");
        broker = BrokerProcess.start(dir.resolve("first"),
            BrokerProcess.listenerAndData(BrokerProcess.freePort(), data));
        final String topic = "owned";
        Clients.createTopic(broker.bootstrap(), topic, PARTITIONS, Map.of());
        final int records = 300;
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap(), "acks", "all"))
        {
            Clients.assertAcknowledgedInPlace(Clients.sendNumbered(producer, topic, PARTITIONS, 0, records),
                PARTITIONS, 0);
        }

        second = BrokerProcess.launch(dir.resolve("second"),
            BrokerProcess.listenerAndData(BrokerProcess.freePort(), data));
        final boolean started = second.startsWithin(Duration.ofSeconds(30));
        assertFalse(started, "a second broker started on " + data + ", which a running broker owns:\n" +
            second.stderr());
        final int exit = second.awaitExit(Duration.ofSeconds(10));
        final List<String> lines = second.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertNotEquals(0, exit, "exit status of the refused start");
        assertEquals(1, lines.size(), "one line on stderr: " + lines);
        assertTrue(lines.get(0).contains(data.toString()), "the line names the directory: " + lines.get(0));

        assertArrayEquals(Clients.numberedCounts(records, PARTITIONS), Clients.assertNumberedInOrder(
            Clients.readAll(broker.bootstrap(), topic, PARTITIONS, Duration.ofSeconds(30)), PARTITIONS),
            "the first broker's records");
    }

    @Test
    void aPortInUseExitsNonZeroWithOneLine() throws Exception
    {
        broker = BrokerProcess.start(dir.resolve("first"),
            BrokerProcess.listenerAndData(BrokerProcess.freePort(), dir.resolve("data")));
        second = BrokerProcess.launch(dir.resolve("second"),
            BrokerProcess.listenerAndData(broker.port(), dir.resolve("other-data")));

        assertFalse(second.startsWithin(Duration.ofSeconds(30)), "started on a port in use");
        final int exit = second.awaitExit(Duration.ofSeconds(10));
        final List<String> lines = second.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertNotEquals(0, exit, "exit status of a start on a port in use");
        assertEquals(1, lines.size(), "one line on stderr: " + lines);
        assertTrue(lines.get(0).contains(Integer.toString(broker.port())), "the line names the port: " + lines);
    }

    private void assertEveryRecordInOrder(final String topic)
    {
        final Map<Integer, List<ConsumerRecord<String, String>>> read =
            Clients.readAll(broker.bootstrap(), topic, PARTITIONS, Duration.ofSeconds(30));
        assertArrayEquals(Clients.numberedCounts(RECORDS, PARTITIONS), Clients.assertNumberedInOrder(read, PARTITIONS),
            "records per partition");
    }
}
