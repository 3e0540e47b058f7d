package io.ringlog.perf.kafka;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parsers against lines captured from the Kafka 4.3.1 tools (kafka-tools 4.3.1 from Maven Central, against a
 * local Kafka 4.3.1 and a local Ringlog) and from /proc. No process is started.
 */
class ToolOutputTest
{
    @Test
    void producerPerformanceSummaryNotItsProgressLines()
    {
        final List<String> lines = List.of(
            "10512 records sent, 2097.4 records/sec (0.20 MB/sec), 1236.7 ms avg latency, 2555.0 ms max latency.",
            "58903 records sent, 11778.2 records/sec (1.12 MB/sec), 5987.7 ms avg latency, 6569.0 ms max latency.",
            "300000 records sent, 24125.452352 records/sec (2.30 MB/sec), 5217.77 ms avg latency, 6900.00 ms max "
                + "latency, 4883 ms 50th, 6730 ms 95th, 6880 ms 99th, 6895 ms 99.9th.");

        final ToolOutput.ProducerSummary summary = ToolOutput.producer(lines).orElseThrow();

        assertEquals(300_000, summary.recordsSent());
        assertEquals(24125.452352, summary.recordsPerSec(), 1e-9);
        assertEquals(2.30, summary.mbPerSec(), 1e-9);
        assertEquals(5217.77, summary.avgLatencyMs(), 1e-9);
        assertEquals(6900.0, summary.maxLatencyMs(), 1e-9);
        assertEquals(4883, summary.p50Ms());
        assertEquals(6730, summary.p95Ms());
        assertEquals(6880, summary.p99Ms());
        assertEquals(6895, summary.p999Ms());
        assertTrue(ToolOutput.producer(lines.subList(0, 2)).isEmpty(), "progress lines alone are no summary");
    }

    @Test
    void producerPerformanceWithWarmupKeepsTheWholeRunNotTheSteadyStateLine()
    {
        final List<String> lines = List.of(
            "Warmup first 50000 records. Steady state results will print after the complete test summary.",
            "In steady state.",
            "109835 records sent, 21967.0 records/sec (2.09 MB/sec), 3302.0 ms avg latency, 3503.0 ms max latency.",
            "200000 records sent, 28579.594170 records/sec (2.73 MB/sec), 3190.79 ms avg latency, 3503.00 ms max "
                + "latency, 3299 ms 50th, 3449 ms 95th, 3499 ms 99th, 3502 ms 99.9th.",
            "150000 steady state records sent, 28625.954198 records/sec (2.73 MB/sec), 3307.42 ms avg latency, "
                + "3503.00 ms max latency, 3360 ms 50th, 3466 ms 95th, 3500 ms 99th, 3502 ms 99.9th.");

        assertEquals(200_000, ToolOutput.producer(lines).orElseThrow().recordsSent());
    }

    @Test
    void consumerPerformanceRowByItsHeader()
    {
        final List<String> lines = List.of(
            "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
            "2026-11-21 06:25:29:293, 2026-11-21 06:25:30:884, 28.6102, 17.9825, 300000, 188560.6537, 976, 615, "
                + "46.5207, 487804.8780");

        final ToolOutput.ConsumerSummary summary = ToolOutput.consumer(lines).orElseThrow();

        assertEquals(300_000, summary.records());
        assertEquals(46.5207, summary.fetchMbPerSec(), 1e-9);
        assertEquals(487804.8780, summary.fetchRecordsPerSec(), 1e-9);
        assertEquals(17.9825, summary.mbPerSec(), 1e-9);
        assertEquals(976, summary.rebalanceMs());
    }

    @Test
    void consumerPerformanceAgainstABrokerWithoutGroupsHasNoRowAndSaysWhy()
    {
        final List<String> lines = List.of(
            "The node does not support FIND_COORDINATOR",
            "org.apache.kafka.common.errors.UnsupportedVersionException: The node does not support FIND_COORDINATOR",
            "",
            "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
            "The node does not support FIND_COORDINATOR",
            "org.apache.kafka.common.errors.UnsupportedVersionException: The node does not support FIND_COORDINATOR");

        assertTrue(ToolOutput.consumer(lines).isEmpty());
        assertEquals("The node does not support FIND_COORDINATOR", ToolOutput.failureReason(lines));
    }

    @Test
    void consumerPerformanceThatTimedOutKeepsItsRowAfterTheWarning()
    {
        final List<String> lines = List.of(
            "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
            "WARNING: Exiting before consuming the expected number of records: timeout (10000 ms) exceeded. You can "
                + "use the --timeout option to increase the timeout.",
            "2026-11-21 07:04:58:797, 2026-11-21 07:05:08:839, 0.0000, 0.0000, 0, 0.0000, 0, 10042, 0.0000, 0.0000");

        assertEquals(0, ToolOutput.consumer(lines).orElseThrow().records());
    }

    @Test
    void endToEndLatencyAverageAndWholeMillisecondPercentiles()
    {
        final List<String> lines = List.of(
            "0\t620.2622140000001",
            "1000\t0.48399200000000003",
            "2000\t0.612013",
            "Avg latency: 3.0762 ms",
            "Percentiles: 50th = 0, 99th = 35, 99.9th = 215");

        final ToolOutput.EndToEndSummary summary = ToolOutput.endToEnd(lines).orElseThrow();

        assertEquals(3.0762, summary.avgMs(), 1e-9);
        assertEquals(0, summary.p50Ms());
        assertEquals(35, summary.p99Ms());
        assertEquals(215, summary.p999Ms());
        assertTrue(ToolOutput.endToEnd(lines.subList(0, 4)).isEmpty(), "both lines are needed");
    }

    @Test
    void probeLinesByPrefix()
    {
        final List<String> lines = List.of(
            "some log line",
            "latency-probe: client=4.3.1 records=20000 warmup=1000 acks=1 avg.us=512.3 p50.us=480.1 p90.us=600.0 "
                + "p99.us=1210.5 p99.9.us=3001.0 max.us=15000.2 ack.p50.us=250.0 ack.p99.us=700.0");

        final Map<String, String> pairs = ToolOutput.probe(lines, "latency-probe").orElseThrow();

        assertEquals("4.3.1", pairs.get("client"));
        assertEquals("1210.5", pairs.get("p99.us"));
        assertEquals("3001.0", pairs.get("p99.9.us"));
        assertTrue(ToolOutput.probe(lines, "consumer-probe").isEmpty());
    }

    @Test
    void procPidStatWithSpacesAndParenthesesInTheCommandName()
    {
        final String line = "1495 (java) S 1 1491 27029 0 -1 4194304 38587 5539 8 0 675 240 2 1 20 0 24 0 "
            + "241330 9073024000 53212 18446744073709551615 1 1 0 0 0 0 0 2 16800975 0 0 0 17 1 0 0 0 0 0";
        final ProcStat.ProcessTicks ticks = ProcStat.parseProcessStat(line);
        assertEquals(675, ticks.utime());
        assertEquals(240, ticks.stime());
        assertEquals(2, ticks.cutime());
        assertEquals(1, ticks.cstime());
        assertEquals(915, ticks.own());
        assertEquals(3, ticks.children());

        final ProcStat.ProcessTicks odd = ProcStat.parseProcessStat(
            "77 (my (odd) name) R 1 77 77 0 -1 4194304 10 0 0 0 11 12 13 14 20 0 1 0 5 100 10");
        assertEquals(new ProcStat.ProcessTicks(11, 12, 13, 14), odd);
        assertEquals(new ProcStat.ProcessTicks(1, 2, 3, 4),
            new ProcStat.ProcessTicks(12, 14, 16, 18).minus(new ProcStat.ProcessTicks(11, 12, 13, 14)));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parseProcessStat("no parentheses here"));
    }

    @Test
    void threadsOfOnePoolAddUp() throws Exception
    {
        assertEquals("data-plane-kafk", ProcStat.threadGroup(
            "2001 (data-plane-kafk) S 1 1 1 0 -1 0 0 0 0 0 30 4 0 0 20 0 90 0 1 1 1"));
        assertEquals("GC Thread##", ProcStat.threadGroup("2002 (GC Thread#12) S 1 1 1 0 -1 0 0 0 0 0 3 1 0 0"));
        assertEquals("ringlog-shard-#", ProcStat.threadGroup("2003 (ringlog-shard-0) R 1 1 1 0 -1 0 0 0 0 0 9 9 0 0"));
        assertEquals(Map.of("a", 5L, "b", 0L, "c", 7L),
            ProcStat.minus(Map.of("a", 10L, "b", 3L, "c", 7L), Map.of("a", 5L, "b", 4L)));
        assertFalse(ProcStat.threadTicks(ProcessHandle.current().pid()).isEmpty());
    }

    @Test
    void procStatMachineLine()
    {
        final ProcStat.MachineTicks ticks = ProcStat.parseMachineStat(
            "cpu  1000 50 300 5000 200 10 20 5 0 0\ncpu0 500 25 150 2500 100 5 10 2 0 0\nintr 1 2 3\n");
        assertEquals(1000 + 50 + 300 + 10 + 20 + 5, ticks.busy());
        assertEquals(1385 + 5000 + 200, ticks.total());
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parseMachineStat("intr 1 2 3"));
    }

    @Test
    void procReadsThisProcess() throws Exception
    {
        final ProcStat.ProcessTicks self = ProcStat.self();
        assertTrue(self.own() >= 0);
        assertFalse(ProcStat.loadAverage().isEmpty());
        assertTrue(ProcStat.machine().total() > 0);
    }

    @Test
    void ringlogReadyLineNamesItsPort()
    {
        assertEquals(41275, RinglogBroker.parsePort("ringlog: broker started on port 41275"));
    }

    @Test
    void kafkaClusterIdIsTwentyTwoUrlSafeCharacters()
    {
        final String id = KafkaBroker.clusterId();
        assertEquals(22, id.length());
        assertTrue(id.matches("[A-Za-z0-9_-]+") && !id.startsWith("-"), id);
    }
}
