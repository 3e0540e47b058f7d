package io.ringlog.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line without a broker: help, wrong arguments, an unreachable broker. Each run is a child JVM. */
@Timeout(120)
class UsageTest
{
    @Test
    void helpListsEverySubcommand()
    {
        final Cli.Result r = Cli.run("--help");
        assertEquals(0, r.exitCode(), r::toString);
        for (final String command : new String[]{"server", "topics", "produce", "consume", "tail", "groups",
            "journal", "perf"})
        {
            assertTrue(r.stdout().contains("\n  " + command + " "), () -> command + " missing from\n" + r);
        }
        assertEquals("", r.stderr());
    }

    @Test
    void subcommandHelpShowsItsOptions()
    {
        final Cli.Result r = Cli.run("groups", "reset-offsets", "--help");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("--to-datetime") && r.stdout().contains("--execute"), r::toString);
        assertTrue(r.stdout().contains("--bootstrap-server"), r::toString);
    }

    @Test
    void wrongArgumentsAreOneLineAndExitCodeTwo()
    {
        final Map<String[], String> cases = new LinkedHashMap<>();
        cases.put(new String[0], "a command is needed");
        cases.put(new String[]{"frobnicate"}, "frobnicate");
        cases.put(new String[]{"topics", "create"}, "TOPIC");
        cases.put(new String[]{"consume", "t", "--format", "xml"}, "'xml' is not a format");
        cases.put(new String[]{"consume", "t", "--from-beginning", "--offset", "3"}, "mutually exclusive");
        cases.put(new String[]{"topics", "list", "--timeout", "soon"}, "'soon' is not a duration");
        cases.put(new String[]{"groups", "reset-offsets", "g", "--all-topics"}, "--to-earliest");
        cases.put(new String[]{"journal", "verify", "/no/such/dir"}, "no such file or directory");
        final List<Cli.Result> results = Cli.runConcurrently(new ArrayList<>(cases.keySet()));
        int i = 0;
        for (final String mentions : cases.values())
        {
            assertUsageError(results.get(i++), mentions);
        }
    }

    @Test
    void serverDelegatesToTheBrokersMain()
    {
        final Cli.Result help = Cli.run("server", "--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.stdout().startsWith("usage: ringlog server"), help::toString);

        final Cli.Result bad = Cli.run("server", "--override", "num.partitions=zero");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.stderr().contains("num.partitions"), bad::toString);
    }

    @Test
    void unreachableBrokerFailsFastWithOneLine() throws Exception
    {
        final int port = TestBroker.freePort();
        final Cli.Result r = Cli.run("topics", "list", "--bootstrap-server", "127.0.0.1:" + port,
            "--timeout", "2s");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(1, r.stderrLines().size(), r::toString);
        assertTrue(r.stderr().startsWith("ringlog: no broker at 127.0.0.1:" + port), r::toString);
        assertTrue(r.took().compareTo(Duration.ofSeconds(20)) < 0, r::toString);

        final Cli.Result produce = Cli.runWithInput("x\n", "produce", "t", "-b", "127.0.0.1:" + port,
            "--timeout", "2s");
        assertEquals(1, produce.exitCode(), produce::toString);
        assertEquals(1, produce.stderrLines().size(), produce::toString);
        assertEquals("ringlog: 1 of 1 record(s) failed: no broker at 127.0.0.1:" + port +
            " (Connection refused); gave up after 2s\n", produce.stderr());
    }

    @Test
    void verboseAddsTheStackTrace()
    {
        final Cli.Result quiet = Cli.run("journal", "dump", "/no/such/dir");
        assertEquals(1, quiet.stderrLines().size(), quiet::toString);
        assertFalse(quiet.stderr().contains("\tat "), quiet::toString);

        final Cli.Result verbose = Cli.run("journal", "dump", "/no/such/dir", "--verbose");
        assertEquals(2, verbose.exitCode(), verbose::toString);
        assertTrue(verbose.stderr().contains("\tat io.ringlog.tools"), verbose::toString);
    }

    private static void assertUsageError(final Cli.Result r, final String mentions)
    {
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals(1, r.stderrLines().size(), r::toString);
        assertTrue(r.stderr().startsWith("ringlog: ") && r.stderr().contains(mentions), r::toString);
        assertEquals("", r.stdout(), r::toString);
    }
}
