package io.ringlog.journal;

import io.ringlog.journal.batch.RecordBatch;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One writer appends, rolling a segment every 64 KiB, while reader threads follow the log end offset with
 * {@link PartitionLog#slice}: every batch a reader sees must be whole (its length fields agree), intact (its CRC32C,
 * computed here with the JDK's {@link CRC32C}, matches the stored one), and next in line (offsets contiguous from 0,
 * no gap and no repeat, across slices and across rolls), and no slice may reach the bound the reader gave. Readers
 * take the mapped bytes ({@link LogSlice#buffer()}) or copy the slice into a file with {@link LogSlice#transferTo},
 * as a consumer's sendfile does, and check the copy the same way.
 * <p>
 * Bounded: {@value #MAX_APPENDS} appends (tiny ones: {@value #RACE_APPENDS}) or {@value #MAX_WRITE_MS} ms of writing,
 * whichever comes first; readers must then reach the end within {@value #CATCH_UP_MS} ms. No retention runs: a slice
 * stays valid until its segment is deleted plus {@code file.delete.delay.ms}, and nothing is deleted here. The log
 * lives on /dev/shm when there is one, so that the fsync of each of the hundreds of rolls does not eat the budget
 * (measured on a virtual disk: 484 rolls took 4 s of the writer's time, about 8 ms each, because the seal of the old
 * segment forces its files on the writer thread; 20,000 appends with 1,171 rolls take under 1 s on tmpfs).
 */
@Timeout(30)
class ConcurrentReaderTest
{
    private static final int MAX_APPENDS = 20_000;
    private static final long MAX_WRITE_MS = 3_000;
    /** Tiny appends for the race at the edge of publication: the more publications, the likelier it shows. */
    private static final int RACE_APPENDS = 500_000;
    private static final long CATCH_UP_MS = 10_000;
    private static final int SEGMENT_BYTES = 64 * 1024;

    @TempDir(factory = RecoveryTest.InMemoryTempDir.class)
    Path dir;

    enum Mode
    {
        /** Read the mapped bytes of the slice. */
        MAPPED,
        /** Copy the slice into a file with transferTo and read the copy. */
        TRANSFER_TO
    }

    @Test
    void readersOfTheMappedBytesSeeWholeValidContiguousBatchesAcrossRolls() throws Exception
    {
        run(1, new Reader(Mode.MAPPED, 1, 11), new Reader(Mode.MAPPED, 256 * 1024, 12));
    }

    @Test
    void readersUsingTransferToSeeWholeValidContiguousBatchesAcrossRolls() throws Exception
    {
        run(1, new Reader(Mode.TRANSFER_TO, 1, 21), new Reader(Mode.TRANSFER_TO, 256 * 1024, 22));
    }

    /** Runs of several batches per append (one copy, one publication), read by both kinds of reader. */
    @Test
    void multiBatchAppendsAreSeenWholeByBothKindsOfReader() throws Exception
    {
        run(4, new Reader(Mode.MAPPED, 4096, 31), new Reader(Mode.TRANSFER_TO, 16 * 1024, 32));
    }

    /**
     * Readers that give no bound ({@code Long.MAX_VALUE}, as a follower or same-host reader reading "everything
     * written" would) race the writer at the very edge of what is published. Whatever a slice hands out, the offset
     * after it must be a valid offset to ask for next: never OFFSET_OUT_OF_RANGE, which a Kafka consumer takes as
     * "reset my position" and a follower as "truncate".
     */
    @Test
    void aSliceNeverEndsPastTheLogEndOffset() throws Exception
    {
        // Small batches, so the writer publishes as often as it can; more threads than cores, so the writer is often
        // descheduled, now and then between publishing a segment's committed position and the log end offset.
        run(batchPool(16, 43, 1, 20), 1, RACE_APPENDS, new Reader(Mode.MAPPED, 1, 41).unbounded(),
            new Reader(Mode.MAPPED, 1, 42).unbounded(), new Reader(Mode.MAPPED, 64, 43).unbounded());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void run(final int maxBatchesPerAppend, final Reader... readers) throws Exception
    {
        run(batchPool(64, 7, 20, 2000), maxBatchesPerAppend, MAX_APPENDS, readers);
    }

    private void run(
        final List<UnsafeBuffer> pool, final int maxBatchesPerAppend, final int maxAppends, final Reader... readers)
        throws Exception
    {
        final LogConfig config = LogConfig.builder()
            .segmentBytes(SEGMENT_BYTES)
            .segmentIndexBytes(8 * 1024)
            .indexIntervalBytes(1024)
            .reserveBytes(0)
            .build();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong finalEnd = new AtomicLong(-1);

        try (PartitionLog log = PartitionLog.open(dir, "concurrent", 0, config))
        {
            final List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < readers.length; i++)
            {
                final Reader reader = readers[i];
                reader.log = log;
                reader.failure = failure;
                reader.finalEnd = finalEnd;
                reader.file = dir.resolve("copy-" + i);
                threads.add(new Thread(reader, "reader-" + i + "-" + reader.mode));
            }
            final Writer writer = new Writer(log, pool, maxBatchesPerAppend, maxAppends, failure, finalEnd);
            final Thread writerThread = new Thread(writer, "writer");
            threads.forEach(Thread::start);
            writerThread.start();

            writerThread.join(MAX_WRITE_MS + 10_000);
            for (final Thread t : threads)
            {
                t.join(CATCH_UP_MS + 5_000);
            }
            final boolean stuck = writerThread.isAlive() || threads.stream().anyMatch(Thread::isAlive);
            if (stuck)
            {
                failure.compareAndSet(null, new AssertionError("a thread did not finish in time"));
                for (final Thread t : threads)
                {
                    t.interrupt();
                }
                writerThread.interrupt();
                writerThread.join(5_000);
                for (final Thread t : threads)
                {
                    t.join(5_000); // the log is closed only once no reader can touch its mappings
                }
            }
            if (failure.get() != null)
            {
                throw new AssertionError("after " + writer.appends + " appends, " + log.segmentBaseOffsets().length +
                    " segments: " + failure.get(), failure.get());
            }

            assertEquals(finalEnd.get(), log.logEndOffset());
            assertTrue(log.segmentBaseOffsets().length > 10, "the writer rolled: " + log.segmentBaseOffsets().length);
            for (final Reader reader : readers)
            {
                assertEquals(finalEnd.get(), reader.next, reader.mode + " reader reached the end");
                assertTrue(reader.slices > 0 && reader.batches > 0, reader.mode + " reader read");
            }
        }
    }

    /**
     * Batches of varied sizes and codecs, off-heap as the network hands them over: up to {@code maxRecords} records,
     * one in six with values up to {@code maxLargeValue} bytes, the others up to 200.
     */
    private static List<UnsafeBuffer> batchPool(final int count, final long seed, final int maxRecords, final int maxLargeValue)
    {
        final String[] codecs = {"none", "none", "none", "gzip", "lz4", "snappy", "zstd"};
        final Random random = new Random(seed);
        final List<UnsafeBuffer> pool = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final int records = 1 + random.nextInt(maxRecords);
            final int valueSize = random.nextInt(6) == 0 ? 1 + random.nextInt(maxLargeValue) : 1 + random.nextInt(200);
            pool.add(TestBatches.direct(TestBatches.batch(
                Compression.of(codecs[random.nextInt(codecs.length)]).build(), 1_000L * i, records, valueSize)));
        }
        return pool;
    }

    /** The single writer: appends random batches from the pool until the bound, then publishes the final end. */
    private static final class Writer implements Runnable
    {
        private final PartitionLog log;
        private final List<UnsafeBuffer> pool;
        private final int maxBatchesPerAppend;
        private final int maxAppends;
        private final AtomicReference<Throwable> failure;
        private final AtomicLong finalEnd;
        volatile int appends;

        Writer(
            final PartitionLog log,
            final List<UnsafeBuffer> pool,
            final int maxBatchesPerAppend,
            final int maxAppends,
            final AtomicReference<Throwable> failure,
            final AtomicLong finalEnd)
        {
            this.log = log;
            this.pool = pool;
            this.maxBatchesPerAppend = maxBatchesPerAppend;
            this.maxAppends = maxAppends;
            this.failure = failure;
            this.finalEnd = finalEnd;
        }

        @Override
        public void run()
        {
            final Random random = new Random(99);
            final AppendResult result = new AppendResult();
            final UnsafeBuffer run = new UnsafeBuffer(ByteBuffer.allocateDirect(SEGMENT_BYTES));
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_WRITE_MS);
            try
            {
                int n = 0;
                while (n < maxAppends && System.nanoTime() < deadline && failure.get() == null)
                {
                    final int batches = 1 + random.nextInt(maxBatchesPerAppend);
                    int length = 0;
                    for (int b = 0; b < batches; b++)
                    {
                        final UnsafeBuffer batch = pool.get(random.nextInt(pool.size()));
                        if (length + batch.capacity() > SEGMENT_BYTES)
                        {
                            break;
                        }
                        run.putBytes(length, batch, 0, batch.capacity());
                        length += batch.capacity();
                    }
                    final long before = log.logEndOffset();
                    final int code = log.appendAsLeader(run, 0, length, 1 + n / 1000, result);
                    if (code != JournalStatus.OK)
                    {
                        throw new AssertionError("append " + n + " answered " + JournalStatus.describe(code));
                    }
                    if (result.firstOffset() != before || log.logEndOffset() != result.lastOffset() + 1)
                    {
                        throw new AssertionError("append " + n + ": " + result + ", end was " + before);
                    }
                    appends = ++n;
                }
            }
            catch (final Throwable t)
            {
                failure.compareAndSet(null, t);
            }
            finally
            {
                finalEnd.set(log.logEndOffset());
            }
        }
    }

    /** A reader following the log end offset, checking every batch it is given. */
    private static final class Reader implements Runnable
    {
        private final Mode mode;
        private final int maxBytes;
        private final Random random;
        private final LogSlice slice = new LogSlice();
        private final CRC32C crc = new CRC32C();
        private final byte[] scratch = new byte[SEGMENT_BYTES];
        private final UnsafeBuffer copy = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * SEGMENT_BYTES));
        private PartitionLog log;
        private AtomicReference<Throwable> failure;
        private AtomicLong finalEnd;
        private Path file;
        private boolean unbounded;
        long next;
        long slices;
        long batches;

        /**
         * @param maxBytes the largest slice asked for; with 1 each slice is one batch. A random size below it is
         *                 asked for each time, so slices end at every kind of boundary.
         */
        Reader(final Mode mode, final int maxBytes, final long seed)
        {
            this.mode = mode;
            this.maxBytes = maxBytes;
            this.random = new Random(seed);
        }

        /** Slice with no upper bound instead of the log end offset. */
        Reader unbounded()
        {
            unbounded = true;
            return this;
        }

        @Override
        public void run()
        {
            long catchUpDeadline = Long.MAX_VALUE;
            try (FileChannel target = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                while (failure.get() == null && !Thread.currentThread().isInterrupted())
                {
                    final long end = finalEnd.get();
                    if (end >= 0)
                    {
                        if (next == end)
                        {
                            return;
                        }
                        if (catchUpDeadline == Long.MAX_VALUE)
                        {
                            catchUpDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_MS);
                        }
                        else if (System.nanoTime() > catchUpDeadline)
                        {
                            throw new AssertionError(mode + " reader stuck at " + next + ", the log ends at " + end);
                        }
                    }
                    final long upTo = unbounded ? Long.MAX_VALUE : log.logEndOffset();
                    final int ask = 1 + random.nextInt(maxBytes);
                    final int code = log.slice(next, ask, upTo, slice);
                    if (code != JournalStatus.OK)
                    {
                        throw new AssertionError("slice(" + next + ", " + ask + ", " + upTo + ") answered " +
                            JournalStatus.describe(code));
                    }
                    if (slice.isEmpty())
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    slices++;
                    if (slice.baseOffset() != next)
                    {
                        throw new AssertionError("asked for " + next + ", got a slice starting at " + slice);
                    }
                    final DirectBuffer bytes;
                    if (mode == Mode.MAPPED)
                    {
                        bytes = slice.buffer();
                    }
                    else
                    {
                        bytes = transfer(target);
                    }
                    final long after = checkBatches(bytes, slice.length(), upTo);
                    if (after != slice.nextOffset())
                    {
                        throw new AssertionError("the batches of " + slice + " end at " + after);
                    }
                    final long endNow = log.logEndOffset();
                    if (after > endNow)
                    {
                        throw new AssertionError(slice + " hands out offsets up to " + after +
                            ", past the log end offset " + endNow + ": asking for " + after + " next is out of range");
                    }
                    next = after;
                }
            }
            catch (final Throwable t)
            {
                failure.compareAndSet(null, new AssertionError(Thread.currentThread().getName() + ": " + t, t));
            }
        }

        /** Copy the slice into the file with transferTo, read the copy back. */
        private DirectBuffer transfer(final FileChannel target) throws IOException
        {
            target.truncate(0);
            target.position(0);
            final long sent = slice.transferTo(target);
            if (sent != slice.length())
            {
                throw new AssertionError("transferTo sent " + sent + " of " + slice);
            }
            final ByteBuffer view = copy.byteBuffer().duplicate().clear().limit(slice.length());
            while (view.hasRemaining())
            {
                if (target.read(view, view.position()) < 0)
                {
                    throw new AssertionError("the copy of " + slice + " is short: " + view.position());
                }
            }
            // The copy must also be the mapped bytes, byte for byte.
            for (int i = 0; i < slice.length(); i++)
            {
                if (copy.getByte(i) != slice.buffer().getByte(i))
                {
                    throw new AssertionError("transferTo copy differs from the mapping at byte " + i + " of " + slice);
                }
            }
            return copy;
        }

        /**
         * Walk the batches of a slice: each whole, with a valid CRC32C, with the offset expected next, below the bound.
         *
         * @return the offset after the last batch.
         */
        private long checkBatches(final DirectBuffer bytes, final int length, final long upTo)
        {
            long expected = next;
            int position = 0;
            while (position < length)
            {
                final String where = "batch " + (batches + 1) + " at " + position + " of a " + length + "-byte slice " +
                    "expected at offset " + expected + ": ";
                if (length - position < RecordBatch.HEADER_LENGTH)
                {
                    throw new AssertionError(where + "a partial header of " + (length - position) + " bytes");
                }
                final int size = bytes.getInt(position + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) +
                    RecordBatch.LOG_OVERHEAD;
                if (size < RecordBatch.HEADER_LENGTH || size > length - position)
                {
                    throw new AssertionError(where + "length field says " + size + " bytes, " + (length - position) + " left");
                }
                if (bytes.getByte(position + RecordBatch.MAGIC_OFFSET) != RecordBatch.MAGIC_V2)
                {
                    throw new AssertionError(where + "magic " + bytes.getByte(position + RecordBatch.MAGIC_OFFSET));
                }
                final int covered = size - RecordBatch.CRC_COVERED_FROM;
                bytes.getBytes(position + RecordBatch.CRC_COVERED_FROM, scratch, 0, covered);
                crc.reset();
                crc.update(scratch, 0, covered);
                final long stored = bytes.getInt(position + RecordBatch.CRC_OFFSET, RecordBatch.BYTE_ORDER) & 0xFFFF_FFFFL;
                if (crc.getValue() != stored)
                {
                    throw new AssertionError(where + "CRC32C " + Long.toHexString(crc.getValue()) + ", stored " +
                        Long.toHexString(stored));
                }
                final long base = bytes.getLong(position + RecordBatch.BASE_OFFSET_OFFSET, RecordBatch.BYTE_ORDER);
                final int lastDelta = bytes.getInt(position + RecordBatch.LAST_OFFSET_DELTA_OFFSET, RecordBatch.BYTE_ORDER);
                final int records = bytes.getInt(position + RecordBatch.RECORD_COUNT_OFFSET, RecordBatch.BYTE_ORDER);
                if (base != expected)
                {
                    throw new AssertionError(where + (base < expected ? "a repeat" : "a gap") + ": base offset " + base);
                }
                if (records != lastDelta + 1)
                {
                    throw new AssertionError(where + records + " records, last offset delta " + lastDelta);
                }
                if (base + lastDelta >= upTo)
                {
                    throw new AssertionError(where + "last offset " + (base + lastDelta) + " reaches the bound " + upTo);
                }
                expected = base + lastDelta + 1;
                position += size;
                batches++;
            }
            return expected;
        }
    }
}
