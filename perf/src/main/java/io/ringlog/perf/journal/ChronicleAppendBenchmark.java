package io.ringlog.perf.journal;

import net.openhft.chronicle.bytes.PointerBytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.File;
import java.nio.file.Path;

/**
 * Anchor: Chronicle Queue appending the same batch bytes as {@link JournalAppendBenchmark},
 * one excerpt per batch, from a {@link PointerBytesStore} over the batch's off-heap bytes.
 * <p>
 * The queue rolls every second ({@link TestRollCycles#TEST_SECONDLY}) and a store-file
 * listener deletes each cycle file once the appender releases it, so, like the journal with
 * its retention, the disk holds about one cycle's worth of data and the page cache never fills
 * with dirty pages that would have to be written back. Chronicle's block size is its default.
 * Chronicle is an anchor only; see shared/VERSIONS.md for why it stays out of the broker. Its
 * {@code @Fork} replaces the inherited one: the journal's JVM flags and Chronicle's.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {
    ForkFlags.HEAP_MIN, ForkFlags.HEAP_MAX, ForkFlags.AGRONA, ForkFlags.CRC32C,
    ForkFlags.IGNORE_UNKNOWN, ForkFlags.UNSAFE_ALLOW, ForkFlags.NATIVE_ACCESS,
    ForkFlags.CHRONICLE_REFLECT, ForkFlags.CHRONICLE_NIO_CH_EXPORTS, ForkFlags.CHRONICLE_REF,
    ForkFlags.CHRONICLE_NIO, ForkFlags.CHRONICLE_NIO_CH_OPENS, ForkFlags.CHRONICLE_LANG,
    ForkFlags.CHRONICLE_NO_ANALYTICS })
public class ChronicleAppendBenchmark extends AppendShape
{
    /** Package-private so the smoke test can read back without racing a roll. */
    RollCycle rollCycle = TestRollCycles.TEST_SECONDLY;

    Path dir;
    ChronicleQueue queue;
    private ExcerptAppender appender;
    private final PointerBytesStore excerpt = new PointerBytesStore();

    /** Build the batch and open an empty queue in a fresh directory. */
    @Setup(Level.Trial)
    public void open()
    {
        buildBatch();
        dir = TempDirs.create("chronicle-append");
        queue = ChronicleQueue.singleBuilder(dir)
            .rollCycle(rollCycle)
            .storeFileListener(ChronicleAppendBenchmark::deleteReleasedCycle)
            .build();
        appender = queue.createAppender();
        excerpt.set(batch.addressOffset(), batchLength);
    }

    /**
     * Append the batch once, as one excerpt.
     *
     * @param counters bytes and records appended.
     * @return the index of the excerpt, so the append cannot be optimised away.
     */
    @Benchmark
    public long append(final ThroughputCounters counters)
    {
        appender.writeBytes(excerpt);
        counters.add(batchLength, recordsPerBatch);

        return appender.lastIndexAppended();
    }

    /** Close the appender and the queue and delete the directory. */
    @TearDown(Level.Trial)
    public void close()
    {
        try
        {
            appender.close();
            queue.close();
        }
        finally
        {
            TempDirs.delete(dir);
        }
    }

    /** Retention: a released cycle is never appended to again. Runs on the appender thread. */
    private static void deleteReleasedCycle(final int cycle, final File file)
    {
        // A file left behind is deleted with the directory at tear-down; throwing here would
        // land inside Chronicle's release path.
        file.delete();
    }
}
