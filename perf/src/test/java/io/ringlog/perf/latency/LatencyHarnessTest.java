package io.ringlog.perf.latency;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class LatencyHarnessTest
{
    @Test
    void defaultsAreTheIssuesMatrixOnTheAnchors()
    {
        final HarnessOptions options = HarnessOptions.parse(new String[0]);
        assertEquals(Targets.ANCHORS, options.targets());
        assertEquals(List.of(10_000L, 100_000L, 1_000_000L), options.rates());
        assertEquals(List.of(64, 1024), options.sizes());
        assertEquals(TimeUnit.SECONDS.toNanos(5), options.warmupNs());
        assertEquals(TimeUnit.SECONDS.toNanos(10), options.measureNs());
        assertEquals(IdleMode.BACKOFF, options.idle(), "spinning is asked for, never the default");
        assertNull(options.results());
    }

    @Test
    void parsesEveryOption()
    {
        final HarnessOptions options = HarnessOptions.parse(new String[] {
            "--target", "loopback,com.example.Target", "--rates", "1_000,2000", "--sizes", "16,4096",
            "--warmup-seconds", "0.5", "--seconds", "2", "--throughput-seconds", "0", "--idle", "busy-spin",
            "--results", "out.md", "--alloc-threads", "gateway,shard", "--jfr", "jfr",
            "--target-option", "broker=localhost:9092", "--target-option", "a=b=c"});
        assertEquals(List.of("loopback", "com.example.Target"), options.targets());
        assertEquals(List.of(1_000L, 2_000L), options.rates());
        assertEquals(List.of(16, 4096), options.sizes());
        assertEquals(500_000_000L, options.warmupNs());
        assertEquals(2_000_000_000L, options.measureNs());
        assertEquals(0, options.throughputNs());
        assertEquals(IdleMode.BUSY_SPIN, options.idle());
        assertEquals(Path.of("out.md").toAbsolutePath(), options.results());
        assertEquals(List.of("gateway", "shard"), options.allocThreads());
        assertEquals(Map.of("broker", "localhost:9092", "a", "b=c"), options.targetOptions());
        assertTrue(options.commandLine().startsWith("perf/bin/latency --target loopback"));
    }

    @Test
    void rejectsBadArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--sizes", "8"}));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--rates", "0"}));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--seconds", "0"}));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--idle", "spin"}));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--seconds"}));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--frobnicate"}));
        assertThrows(IllegalArgumentException.class, () -> Targets.create("no.such.Target"));
        assertThrows(IllegalArgumentException.class, () -> Targets.create("java.lang.String"));
    }

    @Test
    void runsATargetByClassNameAndAppendsTheTables(@TempDir final Path dir) throws Exception
    {
        final Path results = dir.resolve("RESULTS.md");
        Files.writeString(results, "# Results\n", StandardCharsets.UTF_8);
        final HarnessOptions options = HarnessOptions.parse(new String[] {
            "--target", LoopbackTarget.class.getName(), "--rates", "2000", "--sizes", "64",
            "--warmup-seconds", "0.2", "--seconds", "0.3", "--throughput-seconds", "0.2",
            "--results", results.toString(), "--jfr", dir.resolve("jfr").toString()});

        assertTrue(LatencyHarness.run(options, Path.of(".").toAbsolutePath()));

        final String written = Files.readString(results, StandardCharsets.UTF_8);
        assertTrue(written.startsWith("# Results\n\n### Latency harness, "), written);
        assertTrue(written.contains("- command: `perf/bin/latency --target io.ringlog.perf.latency.LoopbackTarget"));
        assertTrue(written.contains("\n| loopback | one way | 64 | 2,000 | "), written);
        assertTrue(written.contains("\n| loopback | 64 | "), "the throughput row: " + written);
        assertTrue(written.contains("JFR: "), "the JFR check's summary: " + written);
        assertTrue(Files.exists(dir.resolve("jfr/loopback-64B-2000.jfr")));
        assertFalse(written.contains("failed"), written);
    }
}
