package io.ringlog.journal;

/**
 * What an append did, filled in by the journal on {@link JournalStatus#OK}. Caller-owned and reused, so that an
 * append allocates nothing. Not thread-safe: one per writer thread.
 */
public final class AppendResult
{
    long firstOffset;
    long lastOffset;
    int batchCount;
    int recordCount;
    int bytes;
    long maxTimestamp;
    long offsetOfMaxTimestamp;
    long segmentBaseOffset;
    int position;

    void reset()
    {
        firstOffset = -1;
        lastOffset = -1;
        batchCount = 0;
        recordCount = 0;
        bytes = 0;
        maxTimestamp = -1;
        offsetOfMaxTimestamp = -1;
        segmentBaseOffset = -1;
        position = -1;
    }

    /** Offset of the first record appended. */
    public long firstOffset()
    {
        return firstOffset;
    }

    /** Offset of the last record appended; the log end offset is this plus one. */
    public long lastOffset()
    {
        return lastOffset;
    }

    public int batchCount()
    {
        return batchCount;
    }

    public int recordCount()
    {
        return recordCount;
    }

    /** Bytes written. */
    public int bytes()
    {
        return bytes;
    }

    /** Largest timestamp among the appended batches, or -1. */
    public long maxTimestamp()
    {
        return maxTimestamp;
    }

    /** Last offset of the batch holding {@link #maxTimestamp()}. */
    public long offsetOfMaxTimestamp()
    {
        return offsetOfMaxTimestamp;
    }

    /** Base offset of the segment written to. */
    public long segmentBaseOffset()
    {
        return segmentBaseOffset;
    }

    /** File position of the first appended batch in that segment. */
    public int position()
    {
        return position;
    }

    @Override
    public String toString()
    {
        return "AppendResult{offsets=" + firstOffset + ".." + lastOffset + ", batches=" + batchCount +
            ", records=" + recordCount + ", bytes=" + bytes + ", segment=" + segmentBaseOffset +
            ", position=" + position + '}';
    }
}
