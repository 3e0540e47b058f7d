package io.ringlog.tools;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ringlog topics describe --under-replicated} and {@code --under-min-isr-partitions} against three real
 * brokers of one controller quorum: nothing listed while every replica is in sync; with one broker stopped, every
 * partition it held is under-replicated (leader, replicas with it, ISR without it), and only those of the topic
 * whose min.insync.replicas is now out of reach are under min ISR.
 */
@Timeout(180)
class TopicsUnderReplicatedTest
{
    @Test
    void onlyThePartitionsThatMatchAreListed(@TempDir final Path dir) throws Exception
    {
        final String voters = FreeUdpPorts.voters(3);
        final List<CompletableFuture<TestBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= 3; id++)
        {
            final int node = id;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new TestBroker(dir.resolve("node-" + node), "node.id=" + node,
                        "controller.quorum.voters=" + voters, "broker.session.timeout.ms=2000",
                        "offsets.topic.num.partitions=1", "message.max.bytes=262144",
                        "replication.term.length=4194304");
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            }));
        }
        final List<TestBroker> brokers = new ArrayList<>();
        try
        {
            for (final CompletableFuture<TestBroker> f : starting)
            {
                brokers.add(f.get(90, TimeUnit.SECONDS));
            }
            final TestBroker first = brokers.get(0);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, first.bootstrap())))
            {
                admin.createTopics(List.of(
                    new NewTopic("orders", 3, (short)3).configs(Map.of("min.insync.replicas", "3")),
                    new NewTopic("audit", 1, (short)3))).all().get(30, TimeUnit.SECONDS);
            }

            final Cli.Result healthy = first.cli("topics", "describe", "orders", "audit", "--under-replicated");
            assertEquals(0, healthy.exitCode(), healthy::toString);
            assertEquals("", healthy.stdout(), healthy::toString);

            brokers.get(2).close(); // a clean stop: fenced at once, out of every ISR
            brokers.remove(2);
            awaitIsrWithout(first, 3);

            final Cli.Result under = first.cli("topics", "describe", "--under-replicated");
            assertEquals(0, under.exitCode(), under::toString);
            final List<String> lines = under.stdoutLines();
            assertTrue(lines.get(0).matches("TOPIC +PARTITION +LEADER +REPLICAS +ISR *"), under::toString);
            for (final String row : List.of("orders 0", "orders 1", "orders 2", "audit 0"))
            {
                final String[] cells = row(lines, row, under);
                assertTrue(cells[2].equals("1") || cells[2].equals("2"), under::toString); // the leader: a live one
                assertTrue(List.of(cells[3].split(",")).containsAll(List.of("1", "2", "3")), under::toString);
                assertEquals(2, cells[4].split(",").length, under::toString);
                assertTrue(!List.of(cells[4].split(",")).contains("3"), under::toString);
            }

            final Cli.Result belowMin = first.cli("topics", "describe", "--under-min-isr-partitions");
            assertEquals(0, belowMin.exitCode(), belowMin::toString);
            assertTrue(belowMin.stdoutLines().get(0).matches("TOPIC +PARTITION +LEADER +REPLICAS +ISR +MIN-ISR *"),
                belowMin::toString);
            assertEquals(4, belowMin.stdoutLines().size(), belowMin::toString); // orders' three, not audit's
            for (final String row : List.of("orders 0", "orders 1", "orders 2"))
            {
                assertEquals("3", row(belowMin.stdoutLines(), row, belowMin)[5], belowMin::toString);
            }

            final Cli.Result both = first.cli("topics", "describe", "--under-replicated", "--under-min-isr");
            assertEquals(2, both.exitCode(), both::toString);
            assertTrue(both.stderr().contains("only one of"), both::toString);
        }
        finally
        {
            brokers.forEach(TestBroker::close);
        }
    }

    /** The cells of the line starting with {@code topicAndPartition} ("orders 0"), split on blanks. */
    private static String[] row(final List<String> lines, final String topicAndPartition, final Cli.Result r)
    {
        final String[] wanted = topicAndPartition.split(" ");
        for (final String line : lines)
        {
            final String[] cells = line.trim().split(" +");
            if (cells.length >= 5 && cells[0].equals(wanted[0]) && cells[1].equals(wanted[1]))
            {
                return cells;
            }
        }
        fail("no line for " + topicAndPartition + "\n" + r);
        return null;
    }

    /** Wait until no partition of any topic has {@code node} in its ISR and every one has a leader. */
    private static void awaitIsrWithout(final TestBroker broker, final int node)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final MetadataImage image = broker.broker.controller().image();
            if (image.topics().values().stream().flatMap(t -> t.partitions().stream())
                .allMatch(p -> p.leader() > 0 && !p.isr().contains(node)))
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("broker " + node + " still in an ISR: " + image.topics());
            }
            LockSupport.parkNanos(10_000_000);
        }
    }
}
