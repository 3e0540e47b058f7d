package io.ringlog.perf.latency;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
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
 * Each Ringlog target for about a second at 1,000 msg/s with back-off idle strategies (the broker's too: nothing
 * spins), through the same code the harness runs: a real broker in this JVM, the native producer, and the same-host
 * reader or the native consumer over IPC or UDP on loopback. Checks that every message comes back once, in order
 * and whole, that the histogram is sane, that the broker threads the target names are running, and that the target
 * leaves nothing on disk; and that the IPC target has a maximum throughput with nothing lost. About 10 s in all.
 */
@Timeout(60)
class RinglogTargetSmokeTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @ParameterizedTest
    @CsvSource({
        "ringlog-ipc-same-host, 64, 2", // the broker's driver and data directories
        "ringlog-ipc-same-host, 1024, 2",
        "ringlog-ipc-consumer, 64, 2",
        "ringlog-udp, 64, 3"}) // and the client's own driver
    void targetCarriesEveryMessageAtAFixedRate(final String name, final int size, final int directories)
        throws Exception
    {
        final Path scratch = Files.createTempDirectory("ringlog-perf-latency-test-");
        try
        {
            final TargetSettings settings = new TargetSettings(size, IdleMode.BACKOFF, Map.of(
                "aeron.dir.parent", scratch.toString(), "ringlog.dir.parent", scratch.toString()));
            final RunResult result;
            final long staged;
            try (LatencyTarget target = Targets.create(name))
            {
                target.start(settings);
                final List<String> threads = target.threadNames();
                for (final String expected : expectedThreads(name))
                {
                    assertTrue(threads.stream().anyMatch((thread) -> thread.contains(expected)), expected + " in " + threads);
                }
                final AllocationMeter meter = AllocationMeter.forThreads(threads);
                assertEquals(threads.stream().sorted().toList(), meter.watched().stream().sorted().toList(),
                    "every thread the target names is running");
                assertEquals(directories, count(scratch), "the target works in its own directories");
                result = FixedRateRun.run(target, settings, 1_000, 200 * MS, 1000 * MS, meter);
                staged = target instanceof RinglogConsumerTarget consumer ? consumer.stagedMessages() : 0;
            }
            assertEquals(0, count(scratch), "closing the target deletes its directories");

            assertEquals(name, result.target());
            assertEquals(1, result.legs());
            assertEquals(1_000, result.sent());
            assertEquals(result.sent(), result.received(), "nothing lost");
            assertEquals(0, result.outOfOrder());
            assertEquals(0, result.wrongLength());
            assertEquals(0, result.unsent());
            assertEquals(0, staged, "the consumer read every record in place");
            final Histogram histogram = result.histogram();
            assertEquals(1_000, histogram.getTotalCount());
            assertTrue(histogram.getMinValue() > 0);
            assertTrue(histogram.getValueAtPercentile(50) < 50 * MS, "median " + histogram.getValueAtPercentile(50));
            assertTrue(histogram.getMaxValue() < 5_000 * MS, "max " + histogram.getMaxValue());
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

    /**
     * Unpaced, with the producer acknowledged and idempotent ({@code acks=all}, as the throughput runs are made): the
     * broker's answers pace it, so nothing is lost however far the sender gets ahead of a broker that backs off.
     */
    @Test
    void sameHostTargetHasAMaximumThroughput() throws Exception
    {
        final TargetSettings settings = new TargetSettings(64, IdleMode.BACKOFF, Map.of(
            RinglogTarget.CLIENT_OPTION_PREFIX + "acks", "all", RinglogTarget.CLIENT_OPTION_PREFIX + "linger.ms", "1"));
        try (LatencyTarget target = Targets.create("ringlog-ipc-same-host"))
        {
            target.start(settings);
            final ThroughputResult result = ThroughputRun.run(
                target, settings, 100 * MS, 300 * MS, AllocationMeter.forThreads(List.of()));
            assertTrue(result.received() > 1_000, "received " + result.received());
            assertEquals(0, result.outOfOrder());
            assertEquals(0, result.lost());
        }
    }

    /**
     * Parts of the names of the broker's threads that must be measured in a back-off run (shard 0's thread is named
     * after the shard and its fetch waiters; the gateway has its own thread, where busy-spin runs put it on shard 0's),
     * and over UDP the client's media driver.
     */
    private static List<String> expectedThreads(final String target)
    {
        final List<String> threads = new java.util.ArrayList<>(List.of("ringlog-shard-0", "ringlog-native-gateway",
            "kafka-listener-kafka", "ringlog-group-coordinator", "ringlog-log-flusher", "ringlog-admin",
            InProcessBroker.DRIVER_DIR_PREFIX, "aeron-client"));
        if (target.equals("ringlog-udp"))
        {
            threads.add(RinglogTarget.CLIENT_DRIVER_DIR_PREFIX);
        }
        return threads;
    }

    private static long count(final Path dir) throws IOException
    {
        try (Stream<Path> entries = Files.list(dir))
        {
            return entries.count();
        }
    }
}
