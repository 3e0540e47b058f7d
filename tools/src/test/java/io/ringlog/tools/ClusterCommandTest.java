package io.ringlog.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ringlog cluster info|health} against a real broker, one child JVM per command. */
@Timeout(120)
class ClusterCommandTest extends BrokerTestBase
{
    @Test
    void infoNamesTheBrokerTheControllerAndThePartitions() throws Exception
    {
        broker.createTopic("orders", 3);
        final Cli.Result r = broker.cli("cluster", "info");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().matches("(?s)cluster id   \\S+\\n.*"), r::toString);
        assertTrue(r.stdout().contains("\ncontroller   1"), r::toString);
        // DescribeQuorum: the one-member quorum, its epoch and committed position; the broker's own lag is 0
        assertTrue(r.stdout().matches("(?s).*\\ncontroller   1  epoch \\d+  metadata log position [1-9]\\d*\\n.*"),
            r::toString);
        assertTrue(r.stdout().contains("\nquorum       voters 1  leader 1\n"), r::toString);
        assertTrue(r.stdout().matches("(?s).*\\n  1 +127\\.0\\.0\\.1 +" + broker.broker.port() + " +- +live +0 *\\n.*"),
            r::toString);
        assertTrue(r.stdout().contains("without a leader: 0"), r::toString);
        assertTrue(r.stdout().matches("(?s).*partitions: \\d+, .*"), r::toString);
    }

    @Test
    void healthOfAHealthyBrokerIsExitZeroWithOneLine()
    {
        final Cli.Result r = broker.cli("cluster", "health");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(1, r.stdoutLines().size(), r::toString);
        assertTrue(r.stdout().startsWith("healthy: 1 broker(s), controller 1, "), r::toString);
    }

    @Test
    void waitingForHealthEndsAtOnceWhenHealthy()
    {
        final Cli.Result watched = broker.cli("cluster", "health", "--watch", "--exit-when-healthy",
            "--interval", "100ms");
        assertEquals(0, watched.exitCode(), watched::toString);
        assertTrue(watched.stdout().matches("\\d\\d:\\d\\d:\\d\\d[.0-9]*  healthy: .*\\n"), watched::toString);

        final Cli.Result waited = broker.cli("cluster", "health", "--exit-when-healthy", "--wait", "10s");
        assertEquals(0, waited.exitCode(), waited::toString);
        assertTrue(waited.stdout().startsWith("healthy: "), waited::toString);
    }

    @Test
    void noBrokerIsOneLineAndExitOne() throws Exception
    {
        final Cli.Result r = Cli.run("cluster", "health", "--bootstrap-server",
            "127.0.0.1:" + TestBroker.freePort(), "--timeout", "2s");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(1, r.stderrLines().size(), r::toString);
        assertTrue(r.stderr().startsWith("ringlog: no broker at 127.0.0.1:"), r::toString);
    }

    @Test
    void aNonPositiveIntervalIsAUsageError()
    {
        final Cli.Result r = broker.cli("cluster", "health", "--watch", "--interval", "0s");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("--interval must be positive"), r::toString);
    }
}
