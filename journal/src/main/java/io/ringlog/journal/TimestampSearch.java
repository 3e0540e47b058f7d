package io.ringlog.journal;

import io.ringlog.journal.batch.BatchDecompressor;
import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.batch.RecordCursor;
import io.ringlog.journal.segment.Segment;
import org.agrona.ExpandableArrayBuffer;

import java.util.Optional;

/**
 * Look-ups by time over a snapshot of the segments (Kafka's ListOffsets by timestamp and MAX_TIMESTAMP). The
 * segment's largest timestamp narrows the search to one segment; its time index narrows it to a position; batch
 * headers narrow it to a batch; the batch's records give the exact record. Cold path: may allocate. Any thread.
 */
final class TimestampSearch
{
    /**
     * First record at or after {@code target}, at or after {@code logStart}.
     */
    Optional<TimestampOffset> firstAtOrAfter(
        final Segment[] segments, final long logStart, final long target, final BatchDecompressor decompressor)
    {
        final RecordBatch batch = new RecordBatch();
        for (final Segment segment : segments)
        {
            if (segment.maxTimestamp() < target || segment.nextOffset() <= logStart)
            {
                continue;
            }
            final int limit = segment.committedPosition();
            int position = segment.positionToScanForTimestamp(target);
            while (position < limit)
            {
                final int size = segment.batchSizeAt(position, limit);
                if (size < 0)
                {
                    break;
                }
                batch.wrap(segment.buffer(), position);
                if (batch.maxTimestamp() >= target && batch.lastOffset() >= logStart)
                {
                    final Optional<TimestampOffset> found = findInBatch(batch, logStart, target, false, decompressor);
                    if (found.isPresent())
                    {
                        return found;
                    }
                }
                position += size;
            }
        }
        return Optional.empty();
    }

    /** The record with the largest timestamp; the earliest such record on ties. */
    Optional<TimestampOffset> max(final Segment[] segments, final long logStart, final BatchDecompressor decompressor)
    {
        Segment best = null;
        for (final Segment segment : segments)
        {
            if (segment.nextOffset() > logStart && (best == null || segment.maxTimestamp() > best.maxTimestamp()))
            {
                best = segment;
            }
        }
        if (best == null || best.maxTimestamp() < 0)
        {
            return Optional.empty();
        }
        final long maxTs = best.maxTimestamp();
        final RecordBatch batch = new RecordBatch();
        final int limit = best.committedPosition();
        int position = 0;
        while (position < limit)
        {
            final int size = best.batchSizeAt(position, limit);
            if (size < 0)
            {
                break;
            }
            batch.wrap(best.buffer(), position);
            if (batch.maxTimestamp() == maxTs && batch.lastOffset() >= logStart)
            {
                return findInBatch(batch, logStart, maxTs, true, decompressor);
            }
            position += size;
        }
        return Optional.empty();
    }

    /**
     * The first record of the batch at or after {@code logStart} whose timestamp is at least ({@code exact}: equal
     * to) {@code target}. With log-append time every record carries the batch's max timestamp. A compressed batch
     * without a decompressor answers with its first record at or after the log start and the batch's max timestamp.
     */
    private static Optional<TimestampOffset> findInBatch(
        final RecordBatch batch,
        final long logStart,
        final long target,
        final boolean exact,
        final BatchDecompressor decompressor)
    {
        final long base = batch.baseOffset();
        final int epoch = batch.partitionLeaderEpoch();
        final boolean logAppendTime = (batch.attributes() & RecordBatch.TIMESTAMP_TYPE_MASK) != 0;
        if (logAppendTime || (batch.isCompressed() && decompressor == null))
        {
            return Optional.of(new TimestampOffset(batch.maxTimestamp(), Math.max(base, logStart), epoch));
        }

        final RecordCursor cursor = new RecordCursor();
        if (batch.isCompressed())
        {
            final ExpandableArrayBuffer records = new ExpandableArrayBuffer(batch.sizeInBytes() * 4);
            final int length = decompressor.decompress(batch, records);
            cursor.wrap(records, 0, length);
        }
        else
        {
            cursor.wrap(batch.buffer(), batch.offset() + RecordBatch.RECORDS_OFFSET, batch.offset() + batch.sizeInBytes());
        }
        final long baseTimestamp = batch.baseTimestamp();
        while (cursor.next())
        {
            final long timestamp = baseTimestamp + cursor.timestampDelta();
            final long offset = base + cursor.offsetDelta();
            if (offset >= logStart && (exact ? timestamp == target : timestamp >= target))
            {
                return Optional.of(new TimestampOffset(timestamp, offset, epoch));
            }
        }
        return Optional.empty();
    }
}
