package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each anchor for about a second at a low rate with back-off idle strategies, through the same code the harness
 * runs, then a short maximum-throughput run. Checks that every message comes back, in order and whole, that the
 * histogram is sane, that the threads the target names exist, and that the target leaves nothing on disk.
 */
@Timeout(60)
class AnchorSmokeTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @ParameterizedTest
    @CsvSource({
        "aeron-ipc-pingpong, 64",
        "aeron-ipc-pingpong, 2000", // larger than one IPC frame: fragmented and reassembled on both sides
        "aeron-ipc-oneway, 1024",
        "chronicle, 64",
        "chronicle, 1024"})
    void anchorCarriesEveryMessageAtAFixedRate(final String name, final int size) throws Exception
    {
        final Path scratch = Files.createTempDirectory("ringlog-perf-latency-test-");
        try
        {
            final TargetSettings settings = new TargetSettings(size, IdleMode.BACKOFF, Map.of(
                "aeron.dir.parent", scratch.toString(), "chronicle.dir.parent", scratch.toString()));
            final RunResult result;
            try (LatencyTarget target = Targets.create(name))
            {
                target.start(settings);
                final AllocationMeter meter = AllocationMeter.forThreads(target.threadNames());
                assertEquals(target.threadNames().stream().sorted().toList(),
                    meter.watched().stream().sorted().toList(), "every thread the target names is running");
                assertEquals(1, count(scratch), "the target works in its own directory");
                result = FixedRateRun.run(target, settings, 1_000, 200 * MS, 1000 * MS, meter);
            }
            assertEquals(0, count(scratch), "closing the target deletes its directory");

            assertEquals(name, result.target());
            assertEquals(1_000, result.sent());
            assertEquals(result.sent(), result.received());
            assertEquals(0, result.outOfOrder());
            assertEquals(0, result.wrongLength());
            assertEquals(0, result.unsent());
            final Histogram histogram = result.histogram();
            assertEquals(1_000, histogram.getTotalCount());
            assertTrue(histogram.getMinValue() > 0);
            assertTrue(histogram.getValueAtPercentile(50) < 50 * MS, "median " + histogram.getValueAtPercentile(50));
            assertTrue(histogram.getMaxValue() < 5_000 * MS, "max " + histogram.getMaxValue());
            assertEquals(name.endsWith("pingpong") ? 2 : 1, result.legs());
        }
        finally
        {
            try (Stream<Path> left = Files.list(scratch))
            {
                left.forEach((path) -> org.agrona.IoUtil.delete(path.toFile(), true));
            }
            Files.delete(scratch);
        }
    }

    @ParameterizedTest
    @CsvSource({"aeron-ipc-oneway", "aeron-ipc-pingpong", "chronicle"})
    void anchorHasAMaximumThroughput(final String name) throws Exception
    {
        final TargetSettings settings = new TargetSettings(64, IdleMode.BACKOFF, Map.of());
        try (LatencyTarget target = Targets.create(name))
        {
            target.start(settings);
            final ThroughputResult result = ThroughputRun.run(
                target, settings, 100 * MS, 300 * MS, AllocationMeter.forThreads(List.of()));
            assertTrue(result.received() > 1_000, name + " received " + result.received());
            assertTrue(result.rate() > 10_000, name + " rate " + result.rate());
            assertEquals(0, result.lost());
            assertEquals(0, result.outOfOrder());
        }
    }

    private static long count(final Path dir) throws IOException
    {
        try (Stream<Path> entries = Files.list(dir))
        {
            return entries.count();
        }
    }
}
