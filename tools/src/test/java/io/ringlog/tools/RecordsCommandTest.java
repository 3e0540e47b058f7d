package io.ringlog.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code ringlog produce}, {@code consume} and {@code tail} against a real broker, each a child JVM. */
@Timeout(180)
class RecordsCommandTest extends BrokerTestBase
{
    @Test
    void produceLinesThenConsumeThemFromTheBeginning() throws Exception
    {
        broker.createTopic("lines", 1);
        final Cli.Result produced = broker.cliWithInput("first\nsecond\nthird ünïcödé\n", "produce", "lines");
        assertEquals(0, produced.exitCode(), produced::toString);
        assertEquals("produced 3 record(s) to lines\n", produced.stdout());

        final Cli.Result all = broker.cli("consume", "lines", "--from-beginning", "--max-messages", "3");
        assertEquals(0, all.exitCode(), all::toString);
        assertEquals("first\nsecond\nthird ünïcödé\n", all.stdout());

        final Cli.Result fromOffset = broker.cli("consume", "lines", "--offset", "1", "-n", "2");
        assertEquals("second\nthird ünïcödé\n", fromOffset.stdout(), fromOffset::toString);

        final Cli.Result idle = broker.cli("consume", "lines", "--offset", "2", "--idle-timeout", "1s");
        assertEquals(0, idle.exitCode(), idle::toString);
        assertEquals("third ünïcödé\n", idle.stdout());
    }

    @Test
    void produceKeysHeadersAndAPartitionFromAFileThenConsumeAsJson() throws Exception
    {
        broker.createTopic("keyed", 2);
        final Path file = Files.writeString(dir.resolve("input.txt"), "k1:v1\nk2:v:2\n", StandardCharsets.UTF_8);
        final Cli.Result produced = broker.cli("produce", "keyed", "--file", file.toString(), "--keys",
            "--partition", "1", "--header", "source=test", "--acks", "1");
        assertEquals(0, produced.exitCode(), produced::toString);

        final Cli.Result json = broker.cli("consume", "keyed", "--partition", "1", "--from-beginning", "-n", "2",
            "--format", "json");
        assertEquals(0, json.exitCode(), json::toString);
        final List<String> lines = json.stdoutLines();
        assertEquals(2, lines.size(), json::toString);
        assertTrue(lines.get(0).matches("\\{\"topic\":\"keyed\",\"partition\":1,\"offset\":0,\"timestamp\":\\d+," +
            "\"timestampType\":\"CreateTime\",\"key\":\"k1\",\"value\":\"v1\",\"headers\":\\{\"source\":\"test\"}}"),
            json::toString);
        assertTrue(lines.get(1).contains("\"offset\":1,") && lines.get(1).contains("\"key\":\"k2\",\"value\":\"v:2\""),
            json::toString);

        final Cli.Result keyValue = broker.cli("consume", "keyed", "-p", "1", "--from-beginning", "-n", "2",
            "--format", "key-value", "--key-separator", "=");
        assertEquals("k1=v1\nk2=v:2\n", keyValue.stdout(), keyValue::toString);

        final Cli.Result bad = broker.cliWithInput("no separator here\n", "produce", "keyed", "--keys");
        assertEquals(1, bad.exitCode(), bad::toString);
        assertEquals("ringlog: line 1 has no key separator ':' (with --keys every line is KEY:VALUE)\n",
            bad.stderr());
    }

    @Test
    void consumeFromATimestamp() throws Exception
    {
        broker.createTopic("timed", 1);
        final long oldTimestamp = broker.send("timed", 0, "old")[0];
        broker.send("timed", 0, "new");

        final Cli.Result fromOld = broker.cli("consume", "timed", "--from-timestamp", Long.toString(oldTimestamp),
            "-n", "2");
        assertEquals("old\nnew\n", fromOld.stdout(), fromOld::toString);
        final Cli.Result fromLater = broker.cli("consume", "timed", "--from-timestamp",
            java.time.Instant.ofEpochMilli(oldTimestamp + 1).toString(), "-n", "1");
        assertEquals("new\n", fromLater.stdout(), fromLater::toString);
    }

    @Test
    void consumeOfAMissingTopicSaysSo()
    {
        final Cli.Result r = broker.cli("consume", "missing", "--from-beginning", "-n", "1");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("ringlog: no topic 'missing'\n", r.stderr());
    }

    @Test
    void tailPrintsTheLastRecordsThenFollowsWithoutAGroup() throws Exception
    {
        broker.createTopic("followed", 1);
        broker.send("followed", 0, "a", "b", "c");

        final Cli.Running tail = Cli.start(null, broker.withBootstrap("tail", "followed", "--last", "2",
            "--max-messages", "4", "--idle-timeout", "60s"));
        awaitOutput(tail, "b\nc\n"); // positioned at the end: what is produced from now on is followed
        broker.send("followed", 0, "d", "e");
        final Cli.Result r = tail.finish(Cli.DEFAULT_TIMEOUT);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("b\nc\nd\ne\n", r.stdout());

        final Cli.Result groups = broker.cli("groups", "list");
        assertEquals(0, groups.exitCode(), groups::toString);
        assertEquals(1, groups.stdoutLines().size(), () -> "tail must not create a group:\n" + groups);
    }

    private void awaitOutput(final Cli.Running running, final String expected)
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
}
