package io.ringlog.journal;

/**
 * Walks a partition's log forward from an offset, whole batches at a time, and hands each region to a sink: the
 * "journal tailer" of the architecture. It catches up from disk and then follows the tail on the same code path,
 * because the caller passes the limit it may read up to on every {@link #poll} (a consumer's high watermark, or a
 * follower's log end offset) and the tailer reads whatever lies below it.
 * <p>
 * It knows nothing of networks: the broker's native gateway sinks the regions into Aeron publications (one tailer
 * per native subscription), and replication's leader-to-follower streams are meant to reuse it unchanged, sinking
 * into their own publications. The sink may refuse a region (a back-pressured publication); the position then stays
 * where it was and the same region is offered again on the next poll.
 * <p>
 * Not thread-safe: one reader thread per tailer (any thread, since {@link PartitionLog#slice} is). Allocation-free
 * after construction. The regions handed out are views over the mapped segment; the sink must be done with them
 * when it returns, and the log must not be closed while a poll runs (the caller's partition-closing handshake
 * guarantees it).
 */
public final class LogTailer
{
    /** Where the tailer sends what it reads. */
    @FunctionalInterface
    public interface Sink
    {
        /**
         * @param slice whole batches, starting with the batch that holds the tailer's position (so possibly before
         *              it), never reaching the poll's limit.
         * @return true when the region was taken (the tailer moves past it); false to stop this poll and offer the
         * same region again next time.
         */
        boolean onSlice(LogSlice slice);
    }

    private final PartitionLog log;
    private final LogSlice slice = new LogSlice();
    private long position;

    /**
     * @param log          the log to read.
     * @param fromOffset   the first offset wanted.
     */
    public LogTailer(final PartitionLog log, final long fromOffset)
    {
        this.log = log;
        this.position = fromOffset;
    }

    public PartitionLog log()
    {
        return log;
    }

    /** The next offset to read: the offset after the last batch the sink took. */
    public long position()
    {
        return position;
    }

    /** Continue from another offset (a seek); the next poll reads from there. */
    public void seek(final long offset)
    {
        position = offset;
    }

    /**
     * Hand the sink up to {@code maxSlices} regions of whole batches below {@code upToOffset}, each at most
     * {@code maxBytesPerSlice} bytes unless a single batch is larger (then it is alone in its region, so a large
     * batch never stalls the stream; the sink decides whether it can carry it).
     *
     * @param upToOffset       no batch holding this offset or a later one is read.
     * @param maxBytesPerSlice soft limit of one region.
     * @param maxSlices        regions per call, a cap on the work of one duty cycle.
     * @param sink             receives the regions.
     * @return regions the sink took (0 when there was nothing new below the limit or the sink refused the first),
     * or {@link JournalStatus#OFFSET_OUT_OF_RANGE} when the position is below the log start offset (retention or
     * DeleteRecords passed it) or above the log end offset (the log was truncated below it).
     */
    public int poll(final long upToOffset, final int maxBytesPerSlice, final int maxSlices, final Sink sink)
    {
        int taken = 0;
        while (taken < maxSlices && position < upToOffset)
        {
            final int code = log.slice(position, maxBytesPerSlice, upToOffset, slice);
            if (code != JournalStatus.OK)
            {
                return code;
            }
            if (slice.isEmpty() || !sink.onSlice(slice))
            {
                break;
            }
            position = slice.nextOffset();
            taken++;
        }
        return taken;
    }
}
