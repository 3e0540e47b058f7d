package io.ringlog.journal.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Kafka's time index: 12-byte entries of (timestamp: int64, offset relative to the segment's base offset: int32).
 * An entry says: the largest timestamp among the records up to and including the batch ending at that offset is
 * this one. Timestamps increase strictly from entry to entry, so a floor search finds where to start scanning for
 * the first record at or after a time.
 * <p>
 * Threading: see {@link MappedIndex}.
 */
public final class TimeIndex extends MappedIndex
{
    public static final int ENTRY_SIZE = 12;

    public TimeIndex(final Path file, final long baseOffset, final int maxBytes, final boolean preallocate)
        throws IOException
    {
        super(file, baseOffset, ENTRY_SIZE, maxBytes, preallocate);
    }

    /**
     * Append an entry when the timestamp is above the last one's. Writer thread only.
     *
     * @param timestamp the largest timestamp so far in the segment.
     * @param offset    absolute offset: the last offset of the batch that holds it.
     */
    public void maybeAppend(final long timestamp, final long offset)
    {
        final int n = entries();
        if (isFull() || (n > 0 && timestamp <= timestampAt(n - 1)))
        {
            return;
        }
        final int index = n * ENTRY_SIZE;
        buffer.putLong(index, timestamp, BYTE_ORDER);
        buffer.putInt(index + 8, (int)(offset - baseOffset), BYTE_ORDER);
        publishAppended();
    }

    public long timestampAt(final int i)
    {
        return buffer.getLong(i * ENTRY_SIZE, BYTE_ORDER);
    }

    public long offsetAt(final int i)
    {
        return baseOffset + buffer.getInt(i * ENTRY_SIZE + 8, BYTE_ORDER);
    }

    /**
     * The offset up to which every record is known to be older than {@code timestamp}, or -1 when no entry says so.
     * A scan for the first record at or after {@code timestamp} may start after it.
     */
    public long offsetBefore(final long timestamp)
    {
        final int entry = floorEntry(timestamp, true);
        return entry < 0 ? -1 : offsetAt(entry);
    }

    /** Drop entries whose offset is at or after {@code offset}. Writer thread only. */
    public void truncateToOffset(final long offset)
    {
        int keep = entries();
        while (keep > 0 && offsetAt(keep - 1) >= offset)
        {
            keep--;
        }
        truncateToEntries(keep);
    }

    /** Offsets are within the segment and increase with the timestamps. */
    @Override
    protected boolean entryConsistent(final int i)
    {
        final long offset = offsetAt(i);
        return offset >= baseOffset && (i == 0 || offset > offsetAt(i - 1));
    }

    @Override
    protected long keyAt(final int i)
    {
        return timestampAt(i);
    }
}
