package io.ringlog.replication.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 11's first test: the controller state machine and the replication protocol together under a fake network
 * that drops, delays and reorders, a fake clock, crashes, restarts, partitions and leader moves, checked after every
 * step (see {@link ReplicationSimulation}). A fast run of 1,000 seeds by default; {@code -Dsim.seeds=N} runs N,
 * {@code -Dsim.firstSeed=S} starts elsewhere, {@code -Dsim.seed=S} replays one seed with its trace
 * ({@code -Dsim.trace=N} keeps the last N events, 400 by default).
 * <p>
 * Found outside replication's data path and left to their owners (seeds as of this commit):
 * <ul>
 *   <li>controller (fixed since): a broker re-registering as a new incarnation while it was the only ISR member and
 *   leader left the partition offline though it was live (seeds 3, 10, 18); a partition offline with a live ISR
 *   member now fails the simulation ({@code -Dsim.strictController=false} plays the operator instead);</li>
 *   <li>sequencer: a reopened partition's high watermark starts at its log end, so a restarted broker that hears a
 *   stale image naming it leader counts records committed that the ISR does not have
 *   ({@code -Dsim.restartHighWatermark=logEnd}: seeds 47, 130); by default a restart keeps the high watermark it
 *   had;</li>
 *   <li>journal: a second {@code truncateTo} below the log start within {@code file.delete.delay.ms} fails with
 *   STORAGE_ERROR (the retired segment's {@code .deleted} name is taken), so a follower whose whole log diverged
 *   cannot truncate and never catches up (seed 3137, {@code -Dsim.firstSeed=1001 -Dsim.seeds=3000}).</li>
 * </ul>
 */
class ReplicationSimulationTest
{
    static
    {
        // thousands of seeds log thousands of leader changes: keep the replicas' INFO lines out of the run
        if (System.getProperty("org.slf4j.simpleLogger.log.io.ringlog.replication.data") == null)
        {
            System.setProperty("org.slf4j.simpleLogger.log.io.ringlog.replication.data", "error");
        }
    }

    private static final int DEFAULT_SEEDS = 1_000;

    @TempDir(factory = MemoryBacked.class)
    Path dir;

    /**
     * The journal fsyncs and msyncs when a log closes (every crash and every seed end): tens of milliseconds each on
     * a shared disk, most of a seed's time. On tmpfs ({@code /dev/shm}, when the machine has it) they cost nothing,
     * and the journal's files, mappings and recovery are the same.
     */
    static final class MemoryBacked implements TempDirFactory
    {
        @Override
        public Path createTempDirectory(final AnnotatedElementContext elementContext,
            final ExtensionContext extensionContext) throws Exception
        {
            final Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm) ?
                Files.createTempDirectory(shm, "ringlog-sim-") : Files.createTempDirectory("ringlog-sim-");
        }
    }

    @Test
    void seeds()
    {
        final String one = System.getProperty("sim.seed");
        final long first = one != null ? Long.parseLong(one) : Long.getLong("sim.firstSeed", 1L);
        final int count = one != null ? 1 : Integer.getInteger("sim.seeds", DEFAULT_SEEDS);
        final long started = System.nanoTime();
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        final long cpuStarted = threads.getCurrentThreadCpuTime();
        final List<String> failures = new ArrayList<>();
        long steps = 0;
        long acked = 0;
        long faults = 0;
        long rescues = 0;
        long simulatedMs = 0;
        for (long seed = first; seed < first + count; seed++)
        {
            final Path root = dir.resolve("seed-" + seed);
            try (ReplicationSimulation sim = new ReplicationSimulation(seed, root))
            {
                try
                {
                    sim.run();
                    steps += sim.steps;
                    acked += sim.batchesAcked;
                    faults += sim.faults;
                    rescues += sim.offlineRescues;
                    simulatedMs += sim.now - ReplicationSimulation.START_MS;
                }
                catch (final ReplicationSimulation.Violation v)
                {
                    failures.add("seed " + seed);
                    System.err.println("==== FAILED seed " + seed + " (replay: -Dsim.seed=" + seed + ")\n" +
                        v.getMessage());
                    if (v.getCause() != null)
                    {
                        v.getCause().printStackTrace();
                    }
                    if (failures.size() >= 3)
                    {
                        break;
                    }
                }
            }
            delete(root);
        }
        final double seconds = (System.nanoTime() - started) / 1e9;
        final double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStarted) / 1e9;
        System.out.printf("replication simulation: %d seeds from %d in %.1f s (%.1f s of CPU), %d steps checked, " +
            "%d batches acknowledged, %d faults, %.0f s simulated, %d offline partitions rescued by an election " +
            "(controller issue, see ReplicationSimulation#offlineWithLiveIsr)%n", count, first, seconds, cpuSeconds,
            steps, acked, faults, simulatedMs / 1e3, rescues);
        if (!failures.isEmpty())
        {
            fail("invariants broken in " + failures + " (the first failures; traces on stderr)");
        }
    }

    private static void delete(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
