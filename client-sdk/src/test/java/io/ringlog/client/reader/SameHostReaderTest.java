package io.ringlog.client.reader;

import io.ringlog.client.Allocation;
import io.ringlog.client.KafkaBatches;
import io.ringlog.client.TestDriver;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import io.ringlog.journal.LogConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.ringlog.client.KafkaBatches.Expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The same-host reader against a real {@code PartitionLog} written in-process by its own thread, with the two
 * counters in a real embedded media driver published in the broker's order: following a writer across frequent
 * rolls, lagging behind retention, starting anywhere, refusing compressed batches, noticing closed counters, and
 * allocating nothing per record.
 */
@Timeout(120)
class SameHostReaderTest
{
    @TempDir
    Path logDir;

    private TestDriver driver;
    private JournalWriter writer;
    private final List<Expected> seen = new ArrayList<>();
    private final List<long[]> gaps = new ArrayList<>();
    private final RecordHandler collect = r -> seen.add(expected(r));

    @BeforeEach
    void start()
    {
        driver = new TestDriver();
    }

    @AfterEach
    void stop() throws Exception
    {
        if (null != writer)
        {
            writer.close();
        }
        driver.close();
    }

    private static LogConfig config(final int segmentBytes, final long retentionBytes)
    {
        return LogConfig.builder()
            .segmentBytes(segmentBytes)
            .indexIntervalBytes(512)
            .retentionBytes(retentionBytes)
            .fileDeleteDelayMs(0)
            .reserveBytes(0)
            .build();
    }

    private SameHostReader reader(final long from)
    {
        return new SameHostReader(driver.aeron().countersReader(), writer.highWatermarkCounterId(),
            writer.segmentBaseCounterId(), writer.dir(), JournalWriter.TOPIC, 0, from)
            .gapHandler((a, b) -> gaps.add(new long[] {a, b}));
    }

    /** Poll (random limits, parking when idle) until the position reaches {@code end}. */
    private void readUntil(final SameHostReader reader, final long end, final Future<?> writing) throws Exception
    {
        final Random random = new Random(1);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reader.position() < end)
        {
            final int n = reader.poll(collect, 1 + random.nextInt(50));
            if (n < 0)
            {
                fail("poll returned " + n + " at " + reader.position() + " (" + reader.lastError() + ")");
            }
            if (n == 0)
            {
                if (null != writing && writing.isDone())
                {
                    writing.get(); // rethrows a writer failure
                }
                if (System.nanoTime() > deadline)
                {
                    fail("reader stuck at " + reader.position() + " of " + end + ", hw " + reader.highWatermark());
                }
                LockSupport.parkNanos(100_000);
            }
        }
    }

    @Test
    void followsAWriterAcrossFrequentRolls() throws Exception
    {
        writer = new JournalWriter(logDir, config(16 * 1024, -1), driver.aeron());
        try (SameHostReader reader = reader(SameHostReader.EARLIEST))
        {
            final Future<?> writing = writer.append(3_000, 12, false);
            writing.get(60, TimeUnit.SECONDS);
            final long end = writer.logEndOffset();
            readUntil(reader, end, writing);
            assertEquals(KafkaBatches.expectedRange(0, end), seen);
            assertEquals(end, reader.position());
            assertTrue(gaps.isEmpty());
            final int segments = writer.log().segmentBaseOffsets().length;
            assertTrue(segments > 30, segments + " segments");
            assertEquals(segments, reader.segmentsOpened());
        }
    }

    @Test
    void followsAWriterWhileItWrites() throws Exception
    {
        writer = new JournalWriter(logDir, config(32 * 1024, -1), driver.aeron());
        try (SameHostReader reader = reader(SameHostReader.EARLIEST))
        {
            final Future<?> writing = writer.append(6_000, 9, false);
            long lastSeenHw = 0;
            int pollsWithNewData = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!writing.isDone() || reader.position() < writer.logEndOffset())
            {
                final int n = reader.poll(collect, 64);
                assertTrue(n >= 0, "poll returned " + n);
                assertTrue(reader.position() <= reader.highWatermark(), "read past the high watermark");
                if (reader.highWatermark() > lastSeenHw)
                {
                    lastSeenHw = reader.highWatermark();
                    pollsWithNewData++;
                }
                if (n == 0)
                {
                    assertTrue(System.nanoTime() < deadline, "stuck at " + reader.position());
                    LockSupport.parkNanos(50_000);
                }
            }
            writing.get();
            assertEquals(KafkaBatches.expectedRange(0, writer.logEndOffset()), seen);
            assertTrue(pollsWithNewData > 1, "the reader should have caught up with the writer more than once");
        }
    }

    @Test
    void lagsBehindRetentionAndReportsTheGap() throws Exception
    {
        writer = new JournalWriter(logDir, config(16 * 1024, 64 * 1024), driver.aeron());
        try (SameHostReader reader = reader(SameHostReader.EARLIEST))
        {
            writer.append(400, 10, true).get(60, TimeUnit.SECONDS);
            final long[] before = writer.log().segmentBaseOffsets();
            final long firstBase = before[0];
            // Read into the first segment still present, then stall.
            while (reader.position() < firstBase + 5)
            {
                assertTrue(reader.poll(collect, 3) >= 0);
            }
            final long stalledAt = reader.position();

            // The writer goes on and retention deletes the segment the reader is in, and the next ones.
            writer.append(1_500, 10, true).get(60, TimeUnit.SECONDS);
            final long[] after = writer.log().segmentBaseOffsets();
            assertTrue(after[0] > before[before.length - 1], "retention should have passed the reader");

            final long end = writer.logEndOffset();
            readUntil(reader, end, null);

            // EARLIEST was the first segment when the reader was made; retention had deleted it by the first poll.
            assertEquals(2, gaps.size());
            assertEquals(0, gaps.get(0)[0]);
            assertEquals(firstBase, gaps.get(0)[1]);
            final long gapFrom = gaps.get(1)[0];
            final long gapTo = gaps.get(1)[1];
            assertTrue(gapFrom > stalledAt, "the deleted segment the reader was in is still read to its end");
            assertEquals(after[0], gapTo);
            assertEquals(firstBase + gapTo - gapFrom, reader.skippedOffsets());
            final List<Expected> expected = KafkaBatches.expectedRange(firstBase, gapFrom);
            expected.addAll(KafkaBatches.expectedRange(gapTo, end));
            assertEquals(expected, seen.subList(seen.size() - expected.size(), seen.size()));
            assertEquals(KafkaBatches.expectedRange(firstBase, gapFrom).get(0), seen.get(seen.size() - expected.size()));
        }
    }

    @Test
    void startsAnywhere() throws Exception
    {
        writer = new JournalWriter(logDir, config(16 * 1024, -1), driver.aeron());
        writer.append(800, 10, false).get(60, TimeUnit.SECONDS);
        final long end = writer.logEndOffset();
        final long[] bases = writer.log().segmentBaseOffsets();
        final long activeBase = bases[bases.length - 1];
        final long[] starts = {
            0, 1, bases[3], bases[3] + 1, (bases[5] + bases[6]) / 2, bases[6] - 1, activeBase, activeBase + 3, end - 1};
        for (final long start : starts)
        {
            seen.clear();
            try (SameHostReader reader = reader(start))
            {
                readUntil(reader, end, null);
                assertEquals(KafkaBatches.expectedRange(start, end), seen, "from " + start);
            }
        }

        seen.clear();
        try (SameHostReader reader = reader(SameHostReader.LATEST))
        {
            assertEquals(0, reader.poll(collect, 100));
            assertEquals(end, reader.position());
            writer.append(5, 4, false).get(30, TimeUnit.SECONDS);
            readUntil(reader, writer.logEndOffset(), null);
            assertEquals(KafkaBatches.expectedRange(end, writer.logEndOffset()), seen);
        }
    }

    @Test
    void startingBelowTheLogReportsTheGap() throws Exception
    {
        writer = new JournalWriter(logDir, config(16 * 1024, 48 * 1024), driver.aeron());
        writer.append(600, 10, true).get(60, TimeUnit.SECONDS);
        final long first = writer.log().segmentBaseOffsets()[0];
        assertTrue(first > 100);
        try (SameHostReader reader = reader(10))
        {
            readUntil(reader, writer.logEndOffset(), null);
            assertEquals(1, gaps.size());
            assertEquals(10, gaps.get(0)[0]);
            assertEquals(first, gaps.get(0)[1]);
            assertEquals(KafkaBatches.expectedRange(first, writer.logEndOffset()), seen);
        }
    }

    @Test
    void aCompressedBatchIsRefusedNamingTheCodecUntilSkipped() throws Exception
    {
        writer = new JournalWriter(logDir, config(64 * 1024, -1), driver.aeron());
        writer.append(5, 4, false).get(30, TimeUnit.SECONDS);
        final long compressedAt = writer.logEndOffset();
        writer.appendCompressed(6).get(30, TimeUnit.SECONDS);
        writer.append(3, 2, false).get(30, TimeUnit.SECONDS);
        try (SameHostReader reader = reader(SameHostReader.EARLIEST))
        {
            int result;
            while ((result = reader.poll(collect, 100)) > 0)
            {
                assertTrue(reader.position() <= compressedAt);
            }
            assertEquals(SameHostReader.UNSUPPORTED_COMPRESSION, result);
            assertEquals("gzip", reader.compressionCodec());
            assertEquals(compressedAt, reader.position());
            assertEquals(SameHostReader.UNSUPPORTED_COMPRESSION, reader.poll(collect, 100));

            reader.seek(compressedAt + 6);
            readUntil(reader, writer.logEndOffset(), null);
            final List<Expected> expected = KafkaBatches.expectedRange(0, compressedAt);
            expected.addAll(KafkaBatches.expectedRange(compressedAt + 6, writer.logEndOffset()));
            assertEquals(expected, seen);
        }
    }

    @Test
    void noticesClosedCounters() throws Exception
    {
        writer = new JournalWriter(logDir, config(64 * 1024, -1), driver.aeron());
        writer.append(3, 3, false).get(30, TimeUnit.SECONDS);
        try (SameHostReader reader = reader(SameHostReader.EARLIEST))
        {
            readUntil(reader, writer.logEndOffset(), null);
            assertEquals(0, reader.poll(collect, 10));
            writer.highWatermarkCounter().close();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int result;
            while ((result = reader.poll(collect, 10)) == 0)
            {
                assertTrue(System.nanoTime() < deadline, "the closed counter was not noticed");
                LockSupport.parkNanos(1_000_000);
            }
            assertEquals(SameHostReader.COUNTERS_CLOSED, result);
        }
    }

    @Test
    void noAllocationPerRecordOnThePollPath() throws Exception
    {
        writer = new JournalWriter(logDir, config(64 * 1024 * 1024, -1), driver.aeron());
        writer.append(20_000, 20, false).get(120, TimeUnit.SECONDS);
        final long end = writer.logEndOffset();
        final long[] sum = {0};
        final RecordHandler handler = r ->
        {
            sum[0] += r.offset() + r.keyLength() + r.valueLength() + r.timestamp();
            final RecordView.HeaderCursor headers = r.headers();
            while (headers.next())
            {
                sum[0] += headers.valueLength();
            }
        };
        try (SameHostReader reader = reader(SameHostReader.EARLIEST))
        {
            final Runnable readAll = () ->
            {
                while (reader.position() < end)
                {
                    reader.poll(handler, 100);
                }
            };
            final long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            do
            {
                readAll.run(); // warm up: the whole log, again and again for 2 s
                reader.seek(SameHostReader.EARLIEST);
            }
            while (System.nanoTime() < warmUntil);

            final List<Long> windows = Allocation.steadyState(() ->
            {
                reader.seek(SameHostReader.EARLIEST); // a seek lists the directory and maps the segment: cold path
                assertEquals(1, reader.poll(handler, 1));
            }, readAll, 5);
            System.out.printf("same-host reader poll path: bytes allocated per window of %d records: %s%n",
                end - 1, windows);
            Allocation.assertSteadyStateZero(windows, end / 100, "reading " + (end - 1) + " records");
            assertEquals(0, reader.poll(handler, 100));
            assertTrue(sum[0] != 0);
        }
    }

    private static Expected expected(final RecordView r)
    {
        String header = null;
        final RecordView.HeaderCursor headers = r.headers();
        while (headers.next())
        {
            if (headers.keyEquals("h"))
            {
                header = new String(headers.valueBytes());
            }
        }
        return new Expected(r.offset(), r.timestamp(), r.keyAsString(), r.valueAsString(), header);
    }
}
