package io.ringlog.perf.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs each benchmark's set-up, a few operations and its tear-down directly, without JMH, on
 * small segments so the roll and retention paths run too. Proves the harness works; measures
 * nothing.
 */
@Timeout(30)
class BenchmarkSmokeTest
{
    private static final int SMALL_SEGMENT = 1 << 20;
    private static final long APPEND_BYTES = 4L << 20;

    @ParameterizedTest
    @CsvSource({"1, 100, flusher", "16, 1024, writer", "256, 1024, flusher"})
    void journalAppendAssignsOffsetsRollsAndKeepsRetention(final int records, final int valueSize, final String fsync)
        throws IOException
    {
        final JournalAppendBenchmark benchmark = new JournalAppendBenchmark();
        shape(benchmark, records, valueSize);
        benchmark.fsync = fsync;
        benchmark.segmentBytes = SMALL_SEGMENT;
        benchmark.retentionCheckBytes = SMALL_SEGMENT / 4;
        benchmark.open();
        final ThroughputCounters counters = counters();

        final long appends = APPEND_BYTES / benchmark.batchLength + 1;
        for (long i = 0; i < appends; i++)
        {
            assertEquals((i + 1) * records - 1, benchmark.append(counters));
        }
        assertEquals(appends * benchmark.batchLength, counters.bytes);
        assertEquals(appends * records, counters.records);
        assertTrue(count(benchmark.dir.resolve(JournalAppendBenchmark.TOPIC + "-0"), ".log") <= 4,
            "retention keeps the disk bounded");

        benchmark.close();
        assertFalse(Files.exists(benchmark.dir));
    }

    @ParameterizedTest
    @CsvSource({"1, 100, false", "256, 1024, true"})
    void mappedCopyRollsAndDeletes(final int records, final int valueSize, final boolean forceOnRoll) throws IOException
    {
        final MappedAppendBenchmark benchmark = new MappedAppendBenchmark();
        shape(benchmark, records, valueSize);
        benchmark.segmentBytes = SMALL_SEGMENT;
        benchmark.open();
        final ThroughputCounters counters = counters();

        final long appends = APPEND_BYTES / benchmark.batchLength + 1;
        for (long i = 0; i < appends; i++)
        {
            final int position = forceOnRoll ? benchmark.copyForceOnRoll(counters) : benchmark.copy(counters);
            assertTrue(position <= SMALL_SEGMENT);
        }
        assertEquals(appends * benchmark.batchLength, counters.bytes);
        assertEquals(MappedAppendBenchmark.RETAINED_SEGMENTS, benchmark.fullSegments.size());
        assertEquals(MappedAppendBenchmark.RETAINED_SEGMENTS + 1, count(benchmark.dir, ".log"));

        benchmark.close();
        assertFalse(Files.exists(benchmark.dir));
    }

    @Test
    void chronicleAppendWritesTheBatchAsOneExcerpt()
    {
        final ChronicleAppendBenchmark benchmark = new ChronicleAppendBenchmark();
        shape(benchmark, 16, 1024);
        benchmark.rollCycle = RollCycles.FAST_DAILY; // no roll, so no deletion, between append and read-back
        benchmark.open();
        final ThroughputCounters counters = counters();
        for (int i = 0; i < 100; i++)
        {
            benchmark.append(counters);
        }
        assertEquals(100L * benchmark.batchLength, counters.bytes);

        try (ExcerptTailer tailer = benchmark.queue.createTailer();
            DocumentContext excerpt = tailer.readingDocument())
        {
            assertTrue(excerpt.isPresent());
            final Bytes<?> bytes = excerpt.wire().bytes();
            assertEquals(benchmark.batchLength, bytes.readRemaining());
            for (int i = 0; i < benchmark.batchLength; i++)
            {
                assertEquals(benchmark.batch.getByte(i), bytes.readByte(bytes.readPosition() + i));
            }
        }

        benchmark.close();
        assertFalse(Files.exists(benchmark.dir));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 64})
    void readBenchmarksWalkTheWholeLog(final int batchesPerSlice) throws IOException
    {
        final JournalReadBenchmark benchmark = new JournalReadBenchmark();
        benchmark.batchesPerSlice = batchesPerSlice;
        benchmark.logBytes = APPEND_BYTES;
        benchmark.segmentBytes = SMALL_SEGMENT;
        benchmark.open();
        final int batchLength = KafkaBatch.build(JournalReadBenchmark.RECORDS_PER_BATCH, JournalReadBenchmark.VALUE_SIZE).length();
        final ThroughputCounters counters = counters();

        // Enough sequential slices to wrap around the log at least once.
        final int calls = (int)(APPEND_BYTES / batchLength) + 10;
        for (int i = 0; i < calls; i++)
        {
            final int random = benchmark.sliceRandom(counters);
            final int sequential = benchmark.sliceSequential(counters);
            assertTrue(random >= batchLength && random <= batchesPerSlice * batchLength, "random slice " + random);
            assertTrue(sequential >= batchLength && sequential <= batchesPerSlice * batchLength, "slice " + sequential);
            benchmark.readSum(counters);
            benchmark.transferTo(counters);
        }
        counters.reset();
        for (int i = 0; i < calls; i++)
        {
            benchmark.readHeaders(counters);
        }
        assertEquals(counters.bytes / batchLength * JournalReadBenchmark.RECORDS_PER_BATCH, counters.records);
        if (batchesPerSlice == 1)
        {
            assertEquals((long)calls * batchLength, counters.bytes);
        }

        benchmark.close();
        assertFalse(Files.exists(benchmark.dir));
    }

    private static void shape(final AppendShape benchmark, final int records, final int valueSize)
    {
        benchmark.recordsPerBatch = records;
        benchmark.valueSize = valueSize;
    }

    private static ThroughputCounters counters()
    {
        final ThroughputCounters counters = new ThroughputCounters();
        counters.reset();
        return counters;
    }

    private static long count(final Path dir, final String suffix) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(path -> path.getFileName().toString().endsWith(suffix)).count();
        }
    }
}
