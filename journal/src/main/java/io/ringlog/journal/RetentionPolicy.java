package io.ringlog.journal;

import io.ringlog.journal.segment.Segment;

/**
 * Which segments retention removes, as Kafka decides it: whole segments, oldest first, never the active one; a
 * segment goes when its newest record is older than {@code retention.ms} (a segment with no timestamps is judged by
 * its file's modification time), or while the log without it would still be at least {@code retention.bytes}.
 * Deletion stops at the first segment that neither rule removes, so the log stays contiguous. A pure function:
 * any thread.
 */
final class RetentionPolicy
{
    private RetentionPolicy()
    {
    }

    /**
     * @param segments the log's segments, oldest first; the last is the active one.
     * @return how many of the oldest segments to delete.
     */
    static int segmentsToDelete(final Segment[] segments, final LogConfig config, final long nowMs)
    {
        final boolean bySize = config.retentionBytes() >= 0;
        long excess = 0;
        if (bySize)
        {
            for (final Segment segment : segments)
            {
                excess += segment.committedPosition();
            }
            excess -= config.retentionBytes();
        }
        int drop = 0;
        while (drop < segments.length - 1)
        {
            final Segment candidate = segments[drop];
            final long newest = candidate.maxTimestamp() >= 0 ? candidate.maxTimestamp() : candidate.lastModifiedMs();
            final boolean expired = config.retentionMs() >= 0 && nowMs - newest > config.retentionMs();
            final boolean oversize = bySize && excess - candidate.committedPosition() >= 0;
            if (!expired && !oversize)
            {
                break;
            }
            excess -= candidate.committedPosition();
            drop++;
        }
        return drop;
    }
}
