package io.ringlog.tools;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ringlog perf produce|consume|latency}: short runs against a real broker, checking the reports. */
@Timeout(120)
class PerfCommandTest extends BrokerTestBase
{
    @BeforeAll
    void createTopics() throws Exception
    {
        broker.createTopic("load", 2);
        broker.createTopic("latency", 1);
    }

    @Test
    void produceThenConsume()
    {
        final Cli.Result produced = broker.cli("perf", "produce", "load", "--records", "3000", "--record-size", "64",
            "--throughput", "3000", "--report-interval", "300ms");
        assertEquals(0, produced.exitCode(), produced::toString);
        assertTrue(produced.stdout().startsWith("perf produce: 3000 records of 64 bytes in "), produced::toString);
        assertTable(produced, "send-to-ack latency, from each record's scheduled send time:");
        assertTrue(produced.stderr().contains("perf produce: "), () -> "a progress line on a long run\n" + produced);

        final Cli.Result consumed = broker.cli("perf", "consume", "load", "--records", "3000");
        assertEquals(0, consumed.exitCode(), consumed::toString);
        assertTrue(consumed.stdout().startsWith("perf consume: 3000 records, 192000 bytes in "), consumed::toString);
        assertTable(consumed, "record age at receipt");
    }

    @Test
    void latencyAtAFixedRateIsCorrectedForCoordinatedOmission() throws Exception
    {
        final Path hgrm = dir.resolve("latency.hgrm");
        final Cli.Result r = broker.cli("perf", "latency", "latency", "--rate", "500", "--duration", "2s",
            "--warmup", "500ms", "--hgrm", hgrm.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("perf latency: 1000 records of 100 bytes at 500/s for 2s " +
            "(first 500ms left out), acks=all: 1000 received\n"), r::toString);
        assertTable(r, "from each record's scheduled send time (corrected for coordinated omission):");
        assertTable(r, "from the actual send (uncorrected):");
        assertTrue(r.stdout().contains("samples 750,"), () -> "records after the warm-up only\n" + r);
        assertTrue(Files.readString(hgrm).contains("Percentile"), "the full distribution file");
    }

    @Test
    void wrongPerfArgumentsAreUsageErrors()
    {
        final Cli.Result r = broker.cli("perf", "latency", "load", "--record-size", "8");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("--record-size at least 24"), r::toString);
    }

    private void assertTable(final Cli.Result r, final String title)
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
