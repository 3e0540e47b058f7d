package io.ringlog.perf.journal;

import io.ringlog.journal.AppendResult;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogSlice;
import io.ringlog.journal.PartitionLog;
import org.agrona.DirectBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Journal read paths over a log filled at set-up (512 MiB in 64 MiB segments of 16-record,
 * 1 KiB-value batches, all resident in the page cache), one reader thread, no writer:
 * <ul>
 *     <li>{@code sliceRandom} / {@code sliceSequential}: {@link PartitionLog#slice} alone, at
 *     random offsets or as a consumer walks the log (each slice starts at the last one's
 *     {@link LogSlice#nextOffset()});</li>
 *     <li>{@code readSum}: slice sequentially and read every byte through
 *     {@link LogSlice#buffer()} (sums it as longs): the same-host native reader;</li>
 *     <li>{@code readHeaders}: slice sequentially and read each batch header: a consumer
 *     that only indexes batches;</li>
 *     <li>{@code transferTo}: slice sequentially and sendfile the region to /dev/null: the
 *     syscall and lookup cost of a Kafka fetch (the null device copies nothing, so this is an
 *     upper bound; a socket adds the copy into the socket buffer).</li>
 * </ul>
 * {@code batchesPerSlice} sets maxBytes to exactly that many batches: 1 is a tail-following
 * consumer, 64 (about 1 MiB) is a catching-up consumer's default fetch size.
 */
@State(Scope.Thread)
public class JournalReadBenchmark extends JournalBenchmarkRun
{
    static final int RECORDS_PER_BATCH = 16;
    static final int VALUE_SIZE = 1024;
    private static final int RANDOM_OFFSETS = 1 << 12;

    /** Batches that fit in maxBytes: the slice holds exactly this many unless a segment ends. */
    @Param({"1", "64"})
    public int batchesPerSlice;

    /** Package-private so the smoke test can use a small log. */
    long logBytes = 512L << 20;
    /** Package-private so the smoke test can use a small log. */
    int segmentBytes = 64 << 20;

    Path dir;
    PartitionLog log;
    private final LogSlice slice = new LogSlice();
    private final long[] randomOffsets = new long[RANDOM_OFFSETS];
    private FileChannel devNull;
    private int maxBytes;
    private long highWatermark;
    private long startOffset;
    private long nextOffset;
    private int nextRandom;

    /**
     * Fill a fresh log, pick the random offsets and open /dev/null.
     *
     * @throws IOException if the log or /dev/null cannot be opened.
     */
    @Setup(Level.Trial)
    public void open() throws IOException
    {
        final KafkaBatch batch = KafkaBatch.build(RECORDS_PER_BATCH, VALUE_SIZE);
        maxBytes = batchesPerSlice * batch.length();
        dir = TempDirs.create("journal-read");
        log = PartitionLog.open(dir, JournalAppendBenchmark.TOPIC, 0, LogConfig.builder()
            .segmentBytes(segmentBytes)
            .retentionMs(-1)
            .retentionBytes(-1)
            .build());

        final AppendResult result = new AppendResult();
        for (long written = 0; written < logBytes; written += batch.length())
        {
            check(log.appendAsLeader(batch.buffer(), 0, batch.length(), AppendShape.LEADER_EPOCH, result));
        }
        startOffset = log.logStartOffset();
        highWatermark = log.logEndOffset();
        nextOffset = startOffset;

        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < RANDOM_OFFSETS; i++)
        {
            randomOffsets[i] = random.nextLong(startOffset, highWatermark);
        }
        devNull = FileChannel.open(Path.of("/dev/null"), WRITE);
        checkSlices();
    }

    /**
     * A read benchmark over wrong answers measures nothing: before measuring, check that every
     * random offset's slice holds that offset, and that walking the log slice by slice visits
     * every offset once.
     */
    private void checkSlices()
    {
        for (final long offset : randomOffsets)
        {
            check(log.slice(offset, maxBytes, highWatermark, slice));
            if (offset < slice.baseOffset() || offset >= slice.nextOffset())
            {
                throw new IllegalStateException("slice(" + offset + ") returned [" + slice.baseOffset() + ", " +
                    slice.nextOffset() + "), which does not hold the offset; segment bases " +
                    java.util.Arrays.toString(log.segmentBaseOffsets()));
            }
        }
        long offset = startOffset;
        while (offset < highWatermark)
        {
            check(log.slice(offset, maxBytes, highWatermark, slice));
            if (slice.baseOffset() != offset || slice.nextOffset() <= offset)
            {
                throw new IllegalStateException("walking the log: slice(" + offset + ") returned [" +
                    slice.baseOffset() + ", " + slice.nextOffset() + ")");
            }
            offset = slice.nextOffset();
        }
    }

    /**
     * Slice at a random offset.
     *
     * @param counters bytes and batches sliced.
     * @return the slice's length.
     */
    @Benchmark
    public int sliceRandom(final ThroughputCounters counters)
    {
        final long offset = randomOffsets[nextRandom++ & (RANDOM_OFFSETS - 1)];
        check(log.slice(offset, maxBytes, highWatermark, slice));
        counters.add(slice.length(), 0);

        return slice.length();
    }

    /**
     * Slice where the last slice ended.
     *
     * @param counters bytes sliced.
     * @return the slice's length.
     */
    @Benchmark
    public int sliceSequential(final ThroughputCounters counters)
    {
        sliceNext();
        counters.add(slice.length(), 0);

        return slice.length();
    }

    /**
     * Slice where the last slice ended and read every byte of it.
     *
     * @param counters bytes read.
     * @return the sum of the slice's bytes as longs.
     */
    @Benchmark
    public long readSum(final ThroughputCounters counters)
    {
        sliceNext();
        final DirectBuffer bytes = slice.buffer();
        final int length = slice.length();
        long sum = 0;
        int i = 0;
        for (final int end = length - Long.BYTES; i <= end; i += Long.BYTES)
        {
            sum += bytes.getLong(i);
        }
        for (; i < length; i++)
        {
            sum += bytes.getByte(i);
        }
        counters.add(length, 0);

        return sum;
    }

    /**
     * Slice where the last slice ended and walk its batch headers.
     *
     * @param counters bytes and records walked over.
     * @return the sum of the batches' base offsets.
     */
    @Benchmark
    public long readHeaders(final ThroughputCounters counters)
    {
        sliceNext();
        final DirectBuffer bytes = slice.buffer();
        final int length = slice.length();
        long baseOffsets = 0;
        int records = 0;
        for (int position = 0; position < length; )
        {
            if (2 != bytes.getByte(position + KafkaBatch.MAGIC_OFFSET))
            {
                throw new IllegalStateException("not a v2 batch at " + position);
            }
            baseOffsets += bytes.getLong(position, ByteOrder.BIG_ENDIAN);
            records += bytes.getInt(position + KafkaBatch.RECORD_COUNT_OFFSET, ByteOrder.BIG_ENDIAN);
            position += KafkaBatch.LOG_OVERHEAD + bytes.getInt(position + KafkaBatch.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        }
        counters.add(length, records);

        return baseOffsets;
    }

    /**
     * Slice where the last slice ended and send it to /dev/null with sendfile.
     *
     * @param counters bytes sent.
     * @return bytes sent.
     * @throws IOException if the transfer fails.
     */
    @Benchmark
    public long transferTo(final ThroughputCounters counters) throws IOException
    {
        sliceNext();
        final long sent = slice.transferTo(devNull);
        if (sent != slice.length())
        {
            throw new IllegalStateException("sent " + sent + " of " + slice.length());
        }
        counters.add(slice.length(), 0);

        return sent;
    }

    /**
     * Close the log and /dev/null and delete the directory.
     *
     * @throws IOException if /dev/null fails to close.
     */
    @TearDown(Level.Trial)
    public void close() throws IOException
    {
        try
        {
            if (null != devNull)
            {
                devNull.close();
            }
            log.close();
        }
        finally
        {
            TempDirs.delete(dir);
        }
    }

    private void sliceNext()
    {
        check(log.slice(nextOffset, maxBytes, highWatermark, slice));
        final long next = slice.nextOffset();
        nextOffset = next < highWatermark ? next : startOffset;
    }

    private static void check(final int status)
    {
        if (JournalStatus.OK != status)
        {
            throw new IllegalStateException(JournalStatus.describe(status));
        }
    }
}
