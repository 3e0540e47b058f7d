package io.ringlog.perf.kafka;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReplicationBench}'s command line, the probes' summary lines and the results table. No process is started.
 */
class ReplicationBenchTest
{
    @Test
    void defaultsQuickAndOptions()
    {
        final ReplicationBench.Settings full = ReplicationBench.Settings.parse(new String[0]);
        assertEquals(List.of("kafka", "ringlog"), full.brokers());
        assertEquals(3, full.rounds());
        assertEquals(500_000, full.records());
        assertEquals(500_000, full.warmupRecords());
        assertEquals(List.of(1_000L, 10_000L, 50_000L), full.rates());
        assertEquals(List.of(100, 1024), full.sizes());
        assertEquals("perf/bin/replication-bench", full.commandLine());

        final ReplicationBench.Settings quick = ReplicationBench.Settings.parse(new String[] {"--quick", "--brokers",
            "ringlog", "--rates", "2k,5000", "--rounds", "2"});
        assertEquals(List.of("ringlog"), quick.brokers());
        assertEquals(2, quick.rounds());
        assertEquals(50_000, quick.records());
        assertEquals(List.of(2_000L, 5_000L), quick.rates());
        assertEquals(List.of(100), quick.sizes());
        assertEquals("perf/bin/replication-bench --quick --brokers ringlog --rates 2k,5000 --rounds 2",
            quick.commandLine());

        assertThrows(IllegalArgumentException.class, () -> ReplicationBench.Settings.parse(new String[] {"--brokers",
            "pulsar"}));
        assertThrows(IllegalArgumentException.class, () -> ReplicationBench.Settings.parse(new String[] {"--rounds"}));
        assertThrows(IllegalArgumentException.class, () -> ReplicationBench.Settings.parse(new String[] {"--x"}));
    }

    @Test
    void probeSummaryLines()
    {
        final Map<String, Double> latency = ReplicationBench.summary(List.of("noise", "rate-latency-probe: rate=1000 "
            + "size=100 sent=3000 errors=0 received=3000 duplicates=0 wrong=0 measured=2000 achieved.per.s=1000 "
            + "p50.us=812 p99.us=2031 p99.9.us=4107 max.us=5001"), "rate-latency-probe:");
        assertEquals(812, latency.get("p50.us"));
        assertEquals(4107, latency.get("p99.9.us"));
        assertEquals(1000, latency.get("achieved.per.s"));

        final Map<String, Double> fault = ReplicationBench.summary(List.of("fault-probe: acks=all sent=9000 "
            + "acked=8509 failed=0 lost=0 duplicates=0 read=8509 recovered.ms=-1.0"), "fault-probe:");
        assertEquals(-1.0, fault.get("recovered.ms"));
        assertEquals(8509, fault.get("acked"));
        assertTrue(ReplicationBench.summary(List.of("nothing"), "fault-probe:").isEmpty());
    }

    @Test
    void tableWithRatiosMatchedByMeasure()
    {
        final Map<String, List<ReplicationBench.Row>> results = new LinkedHashMap<>();
        results.put("kafka", List.of(
            new ReplicationBench.Row("throughput, records/s", new double[] {200_000}, "", true),
            new ReplicationBench.Row("e2e p50 / p99, µs", new double[] {1_000, 4_000}, "", true),
            new ReplicationBench.Row("lost", new double[] {3, 50_000}, "", false)));
        results.put("ringlog", List.of(
            new ReplicationBench.Row("throughput, records/s", new double[] {300_000}, "", true),
            new ReplicationBench.Row("lost", new double[] {0, 60_000}, "", false),
            new ReplicationBench.Row("e2e p50 / p99, µs", new double[0], "failed: probe", true)));
        final ReplicationBench.Settings settings = ReplicationBench.Settings.parse(new String[] {"--quick"});

        final String table = ReplicationBench.report(settings, results, LocalDateTime.of(2026, 12, 8, 1, 0), "1 1 1",
            60);

        assertTrue(table.contains("```sh\nperf/bin/replication-bench --quick\n```"), table);
        assertTrue(table.contains("| measure | Kafka 4.3.1 | Ringlog | Ringlog / Kafka |"), table);
        assertTrue(table.contains("| throughput, records/s | 200,000 | 300,000 | 1.50 |"), table);
        assertTrue(table.contains("| e2e p50 / p99, µs | 1,000 / 4,000 | failed: probe |  |"), table);
        assertTrue(table.contains("| lost | 3 / 50,000 | 0 / 60,000 |  |"), table);
    }

    @Test
    void aFailureFitsInOneCell()
    {
        final ReplicationBench.Row row = ReplicationBench.failed("the run", "java.io.IOException: kafka-1 exited | "
            + "line\nnext " + "x".repeat(300));

        assertTrue(row.shown().startsWith("failed: java.io.IOException: kafka-1 exited / line next x"), row.shown());
        assertTrue(row.shown().endsWith(" ..."), row.shown());
        assertTrue(!row.shown().contains("|") && !row.shown().contains("\n"), row.shown());
    }
}
