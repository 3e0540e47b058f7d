package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatencyTableTest
{
    @Test
    void oneWayAndRoundTripRowsWithAllocationNotes()
    {
        final Histogram histogram = new Histogram(FixedRateRun.HIGHEST_TRACKABLE_NS, 3);
        for (long i = 1; i <= 10_000; i++)
        {
            // 1 µs .. 10 ms, uniform; percentiles come back as HdrHistogram's highest equivalent value (3 digits).
            histogram.recordValue(i * 1_000);
        }
        final Map<String, Long> threads = new LinkedHashMap<>();
        threads.put("latency-echo", 0L);
        threads.put("aeron-client", 480L);
        final RunResult oneWay = new RunResult("chronicle", 1, 64, 100_000, IdleMode.BUSY_SPIN, 1_000_000_000L,
            histogram, 100_000, 100_000, 0, 0, 0, 0, 0, 99_999.6, 0, Map.of(), 0, null);
        final RunResult roundTrip = new RunResult("aeron-ipc-pingpong", 2, 1024, 1_000_000, IdleMode.BUSY_SPIN,
            1_000_000_000L, histogram, 1_000_000, 999_990, 12_345, 0, 7, 0, 0, 812_345.4, 2_048, threads, 1, null);

        final String expected =
            "| target | measure | size B | rate msg/s | achieved msg/s | sent | received | late sends "
            + "| p50 µs | p99 µs | p99.9 µs | p99.99 µs | max µs "
            + "| alloc B/msg harness | alloc B/msg target threads | GCs |\n"
            + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            + "| chronicle | one way | 64 | 100,000 | 100,000 | 100,000 | 100,000 | 0 | 5,001 | 9,904 | 9,994 "
            + "| 10,002 | 10,002 | 0 | - | 0 |\n"
            + "| aeron-ipc-pingpong | round trip | 1,024 | 1,000,000 | 812,345 | 1,000,000 | 999,990 | 12,345 (1.2 %) "
            + "| 5,001 | 9,904 | 9,994 | 10,002 | 10,002 | 0.002 | 0.000 | 1 |\n"
            + "| aeron-ipc-pingpong | round trip / 2 | 1,024 | 1,000,000 | 812,345 | 1,000,000 | 999,990 "
            + "| 12,345 (1.2 %) | 2,501 | 4,952 | 4,997 | 5,001 | 5,001 | 0.002 | 0.000 | 1 |\n"
            + "\n- aeron-ipc-pingpong, 1,024 B, 1,000,000 msg/s: allocated in the window: harness thread 2,048 B, "
            + "`aeron-client` 480 B.\n"
            + "- aeron-ipc-pingpong, 1,024 B, 1,000,000 msg/s: 0 never sent (the sender fell more than a window "
            + "behind), 10 sent but not received, 0 out of order, 0 of the wrong length.\n";
        assertEquals(expected, LatencyTable.latency(List.of(oneWay, roundTrip)));
    }

    @Test
    void throughputRows()
    {
        final ThroughputResult result = new ThroughputResult("aeron-ipc-oneway", 64, 5_000_000_000L, 50_000_000,
            10_000_000.4, 3, 0, 0, 0);
        assertEquals(
            "| target | size B | window s | msgs/s | MB/s | refused sends | lost | alloc B/msg harness |\n"
            + "|---|---:|---:|---:|---:|---:|---:|---:|\n"
            + "| aeron-ipc-oneway | 64 | 5.0 | 10,000,000 | 640.0 | 3 | 0 | 0 |\n",
            LatencyTable.throughput(List.of(result)));
    }

    @Test
    void microsecondsKeepThreeSignificantDigitsOrWholeMicroseconds()
    {
        assertEquals("0.25", LatencyTable.micros(250, 1));
        assertEquals("0.13", LatencyTable.micros(250, 2));
        assertEquals("9.99", LatencyTable.micros(9_990, 1));
        assertEquals("10.0", LatencyTable.micros(10_000, 1));
        assertEquals("999.9", LatencyTable.micros(999_900, 1));
        assertEquals("1,000", LatencyTable.micros(1_000_000, 1));
        assertEquals("50,332", LatencyTable.micros(50_331_648, 1));
    }
}
