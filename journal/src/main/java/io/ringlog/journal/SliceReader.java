package io.ringlog.journal;

import io.ringlog.journal.segment.Segment;

/**
 * Reads a region of whole batches from a snapshot of the segments, for {@link PartitionLog#slice}. Stateless and
 * allocation-free; any thread. Each segment's committed position is read once (acquire) and nothing at or beyond it
 * is touched, so a reader racing the writer sees whole batches only.
 */
final class SliceReader
{
    private SliceReader()
    {
    }

    /**
     * @param segments     the log's segments, oldest first.
     * @param offset       the first offset wanted, already checked to lie within the log.
     * @param maxBytes     a soft limit: at least one batch is returned.
     * @param upToOffset   no batch holding this offset or a later one is included.
     * @param logEndOffset the log end offset read by the caller.
     * @param slice        filled with the region.
     * @return {@link JournalStatus#OK}.
     */
    static int slice(
        final Segment[] segments,
        final long offset,
        final int maxBytes,
        final long upToOffset,
        final long logEndOffset,
        final LogSlice slice)
    {
        for (int i = SegmentStore.floorSegment(segments, offset); i < segments.length; i++)
        {
            final Segment segment = segments[i];
            final int limit = segment.committedPosition();
            final int first = segment.findBatchPosition(offset, limit);
            if (first < limit)
            {
                // A batch may be committed in its segment a moment before the log end offset moves past it: never
                // hand out offsets beyond the end offset the caller checked.
                fill(segment, first, limit, maxBytes, Math.min(upToOffset, logEndOffset), slice);
                return JournalStatus.OK;
            }
        }
        final Segment last = segments[segments.length - 1];
        slice.set(last, last.committedPosition(), 0, logEndOffset, logEndOffset);
        return JournalStatus.OK;
    }

    private static void fill(
        final Segment segment, final int first, final int limit, final int maxBytes, final long upTo, final LogSlice slice)
    {
        final long firstBase = segment.baseOffsetAt(first);
        int position = first;
        long next = firstBase;
        while (position < limit)
        {
            final int size = segment.batchSizeAt(position, limit);
            if (size < 0 || segment.lastOffsetAt(position) >= upTo ||
                (position > first && position - first + size > maxBytes))
            {
                break;
            }
            next = segment.lastOffsetAt(position) + 1;
            position += size;
        }
        slice.set(segment, first, position - first, firstBase, position == first ? firstBase : next);
    }
}
