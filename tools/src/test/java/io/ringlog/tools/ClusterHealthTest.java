package io.ringlog.tools;

import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ringlog cluster info|health} against three real brokers of one controller quorum: healthy while all three
 * hold their leases; with one gone, {@code info} lists it fenced and {@code health} exits 1 naming it.
 */
@Timeout(180)
class ClusterHealthTest
{
    @Test
    void aStoppedBrokerIsFencedAndTheClusterUnhealthy(@TempDir final Path dir) throws Exception
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
                        "offsets.topic.replication.factor=3", "default.replication.factor=3");
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
            first.createTopic("orders", 6);

            final Cli.Result healthy = first.cli("cluster", "health", "--exit-when-healthy", "--wait", "30s");
            assertEquals(0, healthy.exitCode(), healthy::toString);
            assertTrue(healthy.stdout().startsWith("healthy: 3 broker(s), controller "), healthy::toString);

            brokers.get(2).close(); // a clean stop: controlled shutdown, fenced at once
            final Cli.Result info = first.cli("cluster", "info");
            assertEquals(0, info.exitCode(), info::toString);
            assertTrue(info.stdout().matches("(?s).*\\n  3 +127\\.0\\.0\\.1 +\\d+ +- +fenced .*"), info::toString);
            assertTrue(info.stdout().contains("fenced brokers: 3\n"), info::toString);

            final Cli.Result unhealthy = first.cli("cluster", "health");
            assertEquals(1, unhealthy.exitCode(), unhealthy::toString);
            assertTrue(unhealthy.stdout().startsWith("unhealthy: 1 fenced broker(s): 3"), unhealthy::toString);
        }
        finally
        {
            brokers.forEach(TestBroker::close);
        }
    }
}
