package io.ringlog.sequencer.producer;

/**
 * What a partition remembers of one idempotent producer: its epoch and its last {@value #RETAINED_BATCHES}
 * batches' sequence and offset ranges, as Kafka keeps them (enough to answer a producer that retries its in-flight
 * requests, at most five of them). Newest last; a new epoch forgets the batches of the old one.
 * <p>
 * Owned by the shard thread of the partition; not thread-safe.
 */
public final class ProducerEntry
{
    /** Kafka retains the metadata of the last five batches per producer (its max.in.flight for idempotence). */
    public static final int RETAINED_BATCHES = 5;

    private final long producerId;
    private final int[] firstSeq = new int[RETAINED_BATCHES];
    private final int[] lastSeq = new int[RETAINED_BATCHES];
    private final long[] firstOffset = new long[RETAINED_BATCHES];
    private final long[] lastOffset = new long[RETAINED_BATCHES];
    private short epoch;
    private int count;
    private int next;
    private long lastSeenMs;
    private long lastTimestamp = -1;

    ProducerEntry(final long producerId, final short epoch)
    {
        this.producerId = producerId;
        this.epoch = epoch;
    }

    public long producerId()
    {
        return producerId;
    }

    public short epoch()
    {
        return epoch;
    }

    /** Batches remembered, at most {@value #RETAINED_BATCHES}. */
    public int batchCount()
    {
        return count;
    }

    /** The last sequence of the newest batch. */
    public int lastSeq()
    {
        return lastSeq[newest()];
    }

    /** The last offset of the newest batch. */
    public long lastOffset()
    {
        return lastOffset[newest()];
    }

    /**
     * When this broker last appended a batch of the producer (or loaded it from the log), by its own clock: what
     * expiry measures the producer's age by. Kafka uses the batches' max timestamp instead, which a producer setting
     * old CreateTimes (a mirror) would make expire at once; with the stricter rule for unknown producers that would
     * refuse its next batch, so the broker's clock it is.
     */
    public long lastSeenMs()
    {
        return lastSeenMs;
    }

    /**
     * The max timestamp of the producer's newest batch, as the batch carries it (CreateTime, or -1 when the batch has
     * none): what Kafka's DescribeProducers reports as {@code LastTimestamp}.
     */
    public long lastTimestamp()
    {
        return lastTimestamp;
    }

    /**
     * Remember a batch. A different epoch first forgets the batches of the old one.
     */
    void add(
        final short epoch, final int first, final int last, final long baseOffset, final long endOffset,
        final long maxTimestamp, final long nowMs)
    {
        if (epoch != this.epoch)
        {
            this.epoch = epoch;
            count = 0;
        }
        firstSeq[next] = first;
        lastSeq[next] = last;
        firstOffset[next] = baseOffset;
        lastOffset[next] = endOffset;
        next = next + 1 == RETAINED_BATCHES ? 0 : next + 1;
        count = Math.min(count + 1, RETAINED_BATCHES);
        lastSeenMs = Math.max(lastSeenMs, nowMs);
        lastTimestamp = maxTimestamp;
    }

    /**
     * The remembered batch with exactly this sequence range, as an index for {@link #firstOffsetAt} and
     * {@link #lastOffsetAt}, or -1.
     */
    int find(final int first, final int last)
    {
        for (int i = 0, index = oldest(); i < count; i++, index = index + 1 == RETAINED_BATCHES ? 0 : index + 1)
        {
            if (firstSeq[index] == first && lastSeq[index] == last)
            {
                return index;
            }
        }
        return -1;
    }

    long firstOffsetAt(final int index)
    {
        return firstOffset[index];
    }

    long lastOffsetAt(final int index)
    {
        return lastOffset[index];
    }

    private int newest()
    {
        return next == 0 ? RETAINED_BATCHES - 1 : next - 1;
    }

    private int oldest()
    {
        final int index = next - count;
        return index < 0 ? index + RETAINED_BATCHES : index;
    }

    @Override
    public String toString()
    {
        return "ProducerEntry{id=" + producerId + ", epoch=" + epoch + ", batches=" + count +
            (count > 0 ? ", lastSeq=" + lastSeq() + ", lastOffset=" + lastOffset() : "") + '}';
    }
}
