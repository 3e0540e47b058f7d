package io.ringlog.tools.journal;

import io.ringlog.journal.index.OffsetIndex;
import io.ringlog.journal.index.TimeIndex;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Checks a segment's {@code .index} and {@code .timeindex} against the batches its {@code .log} really holds: every
 * offset-index entry must name the start position of a batch and that batch's last offset; every time-index entry
 * a batch's last offset and that batch's max timestamp; both in strictly increasing order. Entries end at the first
 * all-zero one (an active segment's index is pre-sized with zeros). Reads the files into memory (an index is at most
 * {@code segment.index.bytes}, 10 MiB by default). Not thread-safe.
 */
final class IndexCheck
{
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    /** Where each readable batch of a segment starts, its last offset and max timestamp, in file order. */
    static final class Batches
    {
        private int[] positions = new int[64];
        private long[] lastOffsets = new long[64];
        private long[] maxTimestamps = new long[64];
        private int count;

        void add(final int position, final long lastOffset, final long maxTimestamp)
        {
            if (count == positions.length)
            {
                positions = Arrays.copyOf(positions, count * 2);
                lastOffsets = Arrays.copyOf(lastOffsets, count * 2);
                maxTimestamps = Arrays.copyOf(maxTimestamps, count * 2);
            }
            positions[count] = position;
            lastOffsets[count] = lastOffset;
            maxTimestamps[count] = maxTimestamp;
            count++;
        }

        int atPosition(final int position)
        {
            final int i = Arrays.binarySearch(positions, 0, count, position);
            return i < 0 ? -1 : i;
        }

        int endingAt(final long offset)
        {
            final int i = Arrays.binarySearch(lastOffsets, 0, count, offset);
            return i < 0 ? -1 : i;
        }
    }

    /** Receives what is wrong: the index file, the byte position in it, and the message. */
    interface Problems
    {
        void problem(Path file, int position, String where, String message);
    }

    private IndexCheck()
    {
    }

    /** Checks one entry; entries come in file order, up to the first all-zero one. */
    private interface EntryCheck
    {
        void entry(int index, int position, UnsafeBuffer file);
    }

    /**
     * @param print when not null, each entry is printed to it as well.
     * @return the number of entries.
     */
    static int checkOffsetIndex(
        final Path file, final long base, final Batches batches, final int dataEnd, final Problems problems,
        final PrintWriter print) throws IOException
    {
        final int[] previous = {-1, -1}; // relative offset, position
        return forEachEntry(file, OffsetIndex.ENTRY_SIZE, problems, (i, at, b) ->
        {
            final int relative = b.getInt(at, ORDER);
            final int position = b.getInt(at + 4, ORDER);
            final long offset = base + relative;
            if (print != null)
            {
                print.println("  index: offset " + offset + " -> position " + position);
            }
            final String where = "offset " + offset;
            final int batch = batches.atPosition(position);
            if (relative <= previous[0] || position <= previous[1])
            {
                problems.problem(file, at, where, "entry " + i + " (offset " + offset + " -> position " + position +
                    ") is not after the previous one");
            }
            else if (position >= dataEnd)
            {
                problems.problem(file, at, where, "entry " + i + " points at position " + position +
                    ", past the readable data (which ends at " + dataEnd + ")");
            }
            else if (batch < 0)
            {
                problems.problem(file, at, where, "entry " + i + " points at position " + position +
                    ", where no batch starts");
            }
            else if (batches.lastOffsets[batch] != offset)
            {
                problems.problem(file, at, where, "entry " + i + " says offset " + offset + " ends the batch at " +
                    position + ", which ends at " + batches.lastOffsets[batch]);
            }
            previous[0] = relative;
            previous[1] = position;
        });
    }

    /** @return the number of entries. */
    static int checkTimeIndex(
        final Path file, final long base, final Batches batches, final Problems problems, final PrintWriter print)
        throws IOException
    {
        final long[] previous = {Long.MIN_VALUE}; // timestamp
        return forEachEntry(file, TimeIndex.ENTRY_SIZE, problems, (i, at, b) ->
        {
            final long timestamp = b.getLong(at, ORDER);
            final long offset = base + b.getInt(at + 8, ORDER);
            if (print != null)
            {
                print.println("  timeindex: timestamp " + timestamp + " -> offset " + offset);
            }
            final String where = "offset " + offset;
            final int batch = batches.endingAt(offset);
            if (timestamp <= previous[0])
            {
                problems.problem(file, at, where, "entry " + i + " (timestamp " + timestamp +
                    ") is not after the previous one (" + previous[0] + ")");
            }
            else if (batch < 0)
            {
                problems.problem(file, at, where, "entry " + i + " names offset " + offset +
                    ", which ends no readable batch");
            }
            else if (batches.maxTimestamps[batch] != timestamp)
            {
                problems.problem(file, at, where, "entry " + i + " says max timestamp " + timestamp +
                    " at offset " + offset + ", where the batch's max timestamp is " + batches.maxTimestamps[batch]);
            }
            previous[0] = timestamp;
        });
    }

    /** @return the number of entries before the first all-zero one (after which only zeros may follow). */
    private static int forEachEntry(
        final Path file, final int entrySize, final Problems problems, final EntryCheck check) throws IOException
    {
        final UnsafeBuffer b = read(file, entrySize, problems);
        if (b == null)
        {
            return 0;
        }
        final int n = b.capacity() / entrySize;
        for (int i = 0; i < n; i++)
        {
            final int at = i * entrySize;
            if (isZero(b, at, entrySize))
            {
                checkZeroTail(file, b, at, problems);
                return i;
            }
            check.entry(i, at, b);
        }
        return n;
    }

    private static boolean isZero(final UnsafeBuffer b, final int from, final int length)
    {
        for (int i = from; i < from + length; i++)
        {
            if (b.getByte(i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private static UnsafeBuffer read(final Path file, final int entrySize, final Problems problems) throws IOException
    {
        if (!Files.exists(file))
        {
            return null; // the broker rebuilds a missing index at open; not a fault of the data
        }
        final byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % entrySize != 0)
        {
            problems.problem(file, bytes.length - bytes.length % entrySize, "offset unknown",
                "size " + bytes.length + " is not a whole number of " + entrySize + "-byte entries (a torn entry)");
        }
        return new UnsafeBuffer(bytes, 0, bytes.length - bytes.length % entrySize);
    }

    private static void checkZeroTail(final Path file, final UnsafeBuffer b, final int from, final Problems problems)
    {
        for (int i = from; i < b.capacity(); i++)
        {
            if (b.getByte(i) != 0)
            {
                problems.problem(file, i, "offset unknown", "non-zero bytes after the last entry (which ends at " +
                    from + "): entries out of order or corrupt");
                return;
            }
        }
    }
}
