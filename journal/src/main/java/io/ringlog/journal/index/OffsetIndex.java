package io.ringlog.journal.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Kafka's sparse offset index: 8-byte entries of (offset relative to the segment's base offset: int32, file position
 * of the batch: int32). An entry names the last offset of a batch and the position where that batch starts, so the
 * batch holding an offset is found by a floor search and a short forward scan of at most
 * {@code index.interval.bytes}.
 * <p>
 * Threading: see {@link MappedIndex}.
 */
public final class OffsetIndex extends MappedIndex
{
    public static final int ENTRY_SIZE = 8;

    public OffsetIndex(final Path file, final long baseOffset, final int maxBytes, final boolean preallocate)
        throws IOException
    {
        super(file, baseOffset, ENTRY_SIZE, maxBytes, preallocate);
    }

    /**
     * Append an entry. Writer thread only; the caller ensures offsets and positions increase and the index is not full.
     *
     * @param offset   absolute offset, the last offset of the batch.
     * @param position of the batch in the segment file.
     */
    public void append(final long offset, final int position)
    {
        final int index = entries() * ENTRY_SIZE;
        buffer.putInt(index, (int)(offset - baseOffset), BYTE_ORDER);
        buffer.putInt(index + 4, position, BYTE_ORDER);
        publishAppended();
    }

    /**
     * File position to start scanning from for {@code targetOffset}: that of the largest entry whose offset is at
     * most the target, or 0.
     */
    public int lookupPosition(final long targetOffset)
    {
        final int entry = floorEntry(targetOffset - baseOffset, false);
        return entry < 0 ? 0 : positionAt(entry);
    }

    public long offsetAt(final int i)
    {
        return baseOffset + buffer.getInt(i * ENTRY_SIZE, BYTE_ORDER);
    }

    public int positionAt(final int i)
    {
        return buffer.getInt(i * ENTRY_SIZE + 4, BYTE_ORDER);
    }

    /** Drop entries whose position is at or after {@code position}. Writer thread only. */
    public void truncateToPosition(final int position)
    {
        int keep = entries();
        while (keep > 0 && positionAt(keep - 1) >= position)
        {
            keep--;
        }
        truncateToEntries(keep);
    }

    /** Positions are never negative and increase with the offsets. */
    @Override
    protected boolean entryConsistent(final int i)
    {
        final int position = positionAt(i);
        return position >= 0 && (i == 0 || position > positionAt(i - 1));
    }

    @Override
    protected long keyAt(final int i)
    {
        return buffer.getInt(i * ENTRY_SIZE, BYTE_ORDER);
    }
}
