package io.ringlog.tools;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code --native}: produce, consume, tail and perf over the native Aeron protocol, each a child JVM, against a real
 * broker with the native path on and its media driver in this test's temp dir. What one protocol writes the other
 * reads, so the two paths are checked against each other.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NativeCommandTest
{
    Path dir;
    TestBroker broker;

    @BeforeAll
    void startBroker(@TempDir final Path tempDir) throws Exception
    {
        dir = tempDir;
        broker = TestBroker.withNative(dir.resolve("data"), dir.resolve("aeron"));
    }

    @AfterAll
    void stopBroker()
    {
        if (broker != null)
        {
            broker.close();
        }
    }

    @Test
    void nativeProduceIsReadOverKafkaWithKeysHeadersAndPartition() throws Exception
    {
        broker.createTopic("native-in", 2);
        final Cli.Result produced = broker.nativeCliWithInput("k1:v1\nk2:v:2\n", "produce", "native-in", "--keys",
            "--partition", "1", "--header", "source=native", "--acks", "1");
        assertEquals(0, produced.exitCode(), produced::toString);
        assertEquals("produced 2 record(s) to native-in\n", produced.stdout());

        final Cli.Result json = broker.cli("consume", "native-in", "--partition", "1", "--from-beginning", "-n", "2",
            "--format", "json");
        assertEquals(0, json.exitCode(), json::toString);
        final List<String> lines = json.stdoutLines();
        assertEquals(2, lines.size(), json::toString);
        assertTrue(lines.get(0).matches("\\{\"topic\":\"native-in\",\"partition\":1,\"offset\":0,\"timestamp\":" +
            "\\d+,\"timestampType\":\"CreateTime\",\"key\":\"k1\",\"value\":\"v1\"," +
            "\"headers\":\\{\"source\":\"native\"}}"), json::toString);
        assertTrue(lines.get(1).contains("\"offset\":1,") && lines.get(1).contains("\"key\":\"k2\",\"value\":\"v:2\""),
            json::toString);

        // The same records read back natively print the same JSON: one formatter for both paths.
        final Cli.Result nativeJson = broker.nativeCli("consume", "native-in", "-p", "1", "--from-beginning", "-n",
            "2", "--format", "json");
        assertEquals(0, nativeJson.exitCode(), nativeJson::toString);
        assertEquals(json.stdout(), nativeJson.stdout());
    }

    @Test
    void kafkaProduceIsReadNativelyFromTheBeginningAnOffsetAndAsAGroup() throws Exception
    {
        broker.createTopic("kafka-in", 1);
        final Cli.Result produced = broker.cliWithInput("first\nsecond\nthird ünïcödé\n", "produce", "kafka-in");
        assertEquals(0, produced.exitCode(), produced::toString);

        final List<Cli.Result> reads = Cli.runConcurrently(List.of(
            broker.withNative("consume", "kafka-in", "--from-beginning", "--max-messages", "3"),
            broker.withNative("consume", "kafka-in", "--offset", "1", "-n", "2"),
            broker.withNative("consume", "kafka-in", "--offset", "99", "--idle-timeout", "1s"),
            broker.withNative("consume", "kafka-in", "--group", "native-group", "--from-beginning", "-n", "2")));
        reads.forEach(r -> assertEquals(0, r.exitCode(), r::toString));
        assertEquals("first\nsecond\nthird ünïcödé\n", reads.get(0).stdout());
        assertEquals("second\nthird ünïcödé\n", reads.get(1).stdout());
        assertEquals("", reads.get(2).stdout(), () -> "an offset past the end starts at the end\n" + reads.get(2));
        assertEquals("first\nsecond\n", reads.get(3).stdout());

        // The group committed what it printed: a Kafka member of it goes on from there.
        final Cli.Result rest = broker.cli("consume", "kafka-in", "--group", "native-group", "-n", "1");
        assertEquals(0, rest.exitCode(), rest::toString);
        assertEquals("third ünïcödé\n", rest.stdout());
    }

    @Test
    void nativeTailFollowsNewRecordsWithoutAGroup() throws Exception
    {
        broker.createTopic("followed", 2);
        broker.send("followed", 0, "a", "b", "c");

        final Cli.Running tail = Cli.start(null, broker.withNative("tail", "followed", "--partition", "0",
            "--last", "2", "--max-messages", "4", "--idle-timeout", "60s"));
        awaitOutput(tail, "b\nc\n");
        broker.send("followed", 0, "d", "e");
        final Cli.Result r = tail.finish(Cli.DEFAULT_TIMEOUT);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("b\nc\nd\ne\n", r.stdout());

        final Cli.Result groups = broker.cli("groups", "list");
        assertEquals(0, groups.exitCode(), groups::toString);
        assertFalse(groups.stdout().contains("followed"), groups::toString);
        assertEquals(1, groups.stdoutLines().size() - countGroupsOtherTestsMade(groups),
            () -> "tail must not create a group:\n" + groups);
    }

    @Test
    void perfProduceAndLatencyRunNatively() throws Exception
    {
        broker.createTopic("native-load", 2);
        broker.createTopic("native-latency", 1);
        final Cli.Result produced = broker.nativeCli("perf", "produce", "native-load", "--records", "2000",
            "--record-size", "64", "--throughput", "2000", "--report-interval", "300ms");
        assertEquals(0, produced.exitCode(), produced::toString);
        assertTrue(produced.stdout().startsWith("perf produce: 2000 records of 64 bytes in "), produced::toString);
        assertTrue(produced.stdout().contains("(acks=all, native)"), produced::toString);
        assertTable(produced, "send-to-ack latency, from each record's scheduled send time:");
        assertTrue(produced.stderr().contains("perf produce: "), () -> "a progress line\n" + produced);

        final Cli.Result latency = broker.nativeCli("perf", "latency", "native-latency", "--rate", "500",
            "--duration", "1500ms", "--warmup", "500ms");
        assertEquals(0, latency.exitCode(), latency::toString);
        assertTrue(latency.stdout().startsWith("perf latency: 750 records of 100 bytes at 500/s for 1500ms " +
            "(first 500ms left out), acks=all, native: 750 received\n"), latency::toString);
        assertTable(latency, "from each record's scheduled send time (corrected for coordinated omission):");
        assertTable(latency, "from the actual send (uncorrected):");
        assertTrue(latency.stdout().contains("samples 500,"), () -> "records after the warm-up only\n" + latency);
    }

    @Test
    void aFailedNativeSendNamesTheError() throws Exception
    {
        broker.createTopic("small", 1, "max.message.bytes=200");
        final String big = "x".repeat(400) + "\n";
        // Started together (their JVMs start in parallel), finished in order.
        final Cli.Running refusedRun = Cli.start(big, broker.withNative("produce", "small"));
        final Cli.Running tooLargeRun = Cli.start(big, broker.withNative("produce", "small", "--batch-size", "256"));

        final Cli.Result refused = refusedRun.finish(Cli.DEFAULT_TIMEOUT);
        assertEquals(1, refused.exitCode(), refused::toString);
        assertEquals("ringlog: 1 of 1 record(s) failed: MESSAGE_TOO_LARGE (small-0)\n", refused.stderr());

        final Cli.Result tooLarge = tooLargeRun.finish(Cli.DEFAULT_TIMEOUT);
        assertEquals(1, tooLarge.exitCode(), tooLarge::toString);
        assertEquals(1, tooLarge.stderrLines().size(), tooLarge::toString);
        assertTrue(tooLarge.stderr().startsWith("ringlog: RECORD_TOO_LARGE: "), tooLarge::toString);
    }

    @Test
    void noMediaDriverIsOneLineAndExitCodeOne()
    {
        final String nowhere = dir.resolve("no-driver-here").toString();
        final String expected = "ringlog: no Ringlog media driver in " + nowhere +
            ": is the broker running with native.enabled=true? (--aeron-dir)\n";
        final List<Cli.Result> results = Cli.runConcurrently(List.of(
            new String[]{"produce", "t", "--native", "--aeron-dir", nowhere},
            new String[]{"consume", "t", "--from-beginning", "--native", "--aeron-dir", nowhere},
            new String[]{"tail", "t", "--native", "--aeron-dir", nowhere},
            new String[]{"perf", "latency", "t", "--native", "--aeron-dir", nowhere}));
        for (final Cli.Result r : results)
        {
            assertEquals(1, r.exitCode(), r::toString);
            assertEquals(expected, r.stderr(), r::toString);
            assertTrue(r.took().compareTo(Duration.ofSeconds(20)) < 0, r::toString);
        }
    }

    @Test
    void wrongNativeArgumentsAreUsageErrors()
    {
        final List<Cli.Result> results = Cli.runConcurrently(List.of(
            broker.withNative("consume", "t", "--from-timestamp", "0"),
            broker.withNative("produce", "t", "--compression", "gzip"),
            broker.withNative("consume", "t", "-X", "no.such.key=1"),
            broker.withNative("tail", "t", "--last", "-1"),
            broker.withNative("perf", "latency", "t", "--record-size", "8")));
        final String[] mentions = {"--from-timestamp needs the Kafka protocol", "the native producer never compresses",
            "no.such.key", "--last", "--record-size at least 24"};
        for (int i = 0; i < mentions.length; i++)
        {
            final Cli.Result r = results.get(i);
            final String mention = mentions[i];
            assertEquals(2, r.exitCode(), r::toString);
            assertEquals(1, r.stderrLines().size(), r::toString);
            assertTrue(r.stderr().startsWith("ringlog: ") && r.stderr().contains(mention), r::toString);
        }
    }

    /** Groups other tests of this class made (they run in any order): only "native-group". */
    private static int countGroupsOtherTestsMade(final Cli.Result groups)
    {
        return (int)groups.stdoutLines().stream().filter(l -> l.contains("native-group")).count();
    }

    private static void awaitOutput(final Cli.Running running, final String expected)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!running.stdoutSoFar().equals(expected))
        {
            if (System.nanoTime() > deadline || !running.process.isAlive())
            {
                fail("expected output '" + expected + "', got:\n" + running.finish(Duration.ofSeconds(1)));
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private static void assertTable(final Cli.Result r, final String title)
    {
        final String out = r.stdout();
        final int at = out.indexOf(title);
        assertTrue(at >= 0, () -> "no '" + title + "' in\n" + r);
        final String table = out.substring(at);
        for (final String row : new String[]{"percentile   latency (ms)", "  50%", "  99%", "99.9%", "99.99%",
            "max", "samples "})
        {
            assertTrue(table.contains(row), () -> "no '" + row + "' in\n" + r);
        }
    }
}
