package io.ringlog.sequencer.producer;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.sequencer.ProduceStatus;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.Iterator;
import java.util.function.Consumer;

/**
 * The idempotent-producer state of one partition: producer id to {@link ProducerEntry}. It checks a produce
 * request's batches before they are appended and remembers them after, with Kafka's rules (those of its
 * {@code ProducerAppendInfo} for client appends, transactions aside):
 * <ul>
 *   <li>producer id -1: not idempotent, nothing checked or remembered;</li>
 *   <li>an epoch below the known one: {@link ProduceStatus#INVALID_PRODUCER_EPOCH};</li>
 *   <li>the known epoch and the same first and last sequence as one of the last five batches: a duplicate,
 *       answered with the original offsets and not appended;</li>
 *   <li>the known epoch otherwise: the first sequence must follow the last one (after {@link Integer#MAX_VALUE}
 *       comes 0), else {@link ProduceStatus#OUT_OF_ORDER_SEQUENCE_NUMBER};</li>
 *   <li>a higher epoch (a bumped producer): the sequence must restart at 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;</li>
 *   <li>an unknown producer id: any sequence is accepted and starts its state, as Kafka 4.x does: the state of a
 *       producer whose every batch has left the log (retention, DeleteRecords) is gone with them, and refusing its
 *       next batch would stall clients that cannot bump their epoch. (A duplicate of a batch already removed by
 *       retention is then appended again; snapshots of this table, planned, narrow that window.)</li>
 * </ul>
 * One request may hold several batches: each is checked against the state left by the batches before it, and the
 * request is all or nothing, like the journal's append. It is a duplicate only when every batch is one; duplicates
 * mixed with new batches are OUT_OF_ORDER_SEQUENCE_NUMBER (Kafka's clients send one batch per partition).
 * <p>
 * Owned by the partition's shard thread; not thread-safe. {@link #check} and {@link #onAppended} allocate nothing
 * for a known producer; a new producer id allocates its entry once.
 */
public final class ProducerStateTable
{
    /** Kafka's producer id of a batch from a producer that is not idempotent. */
    public static final long NO_PRODUCER_ID = -1L;

    private final Long2ObjectHashMap<ProducerEntry> producers = new Long2ObjectHashMap<>();
    private final RecordBatch batch = new RecordBatch();
    private final RecordBatch earlier = new RecordBatch();
    private final int maxProducers;
    private final long expirationMs;
    private long duplicateFirstOffset = -1;
    private long duplicateLastOffset = -1;

    /**
     * @param maxProducers most producer ids remembered; past it the one seen least recently is forgotten.
     * @param expirationMs a producer not seen for this long is forgotten by {@link #expire}.
     */
    public ProducerStateTable(final int maxProducers, final long expirationMs)
    {
        this.maxProducers = maxProducers;
        this.expirationMs = expirationMs;
    }

    /**
     * Check the batches of one request before they are appended. Reads headers only; a request whose framing is
     * broken is left to the journal, which refuses it with its own code.
     *
     * @return {@link ProduceStatus#OK} to append, {@link ProduceStatus#DUPLICATE} (offsets in
     * {@link #duplicateFirstOffset()} and {@link #duplicateLastOffset()}), or a negative code.
     */
    public int check(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        int position = offset;
        int batches = 0;
        int duplicates = 0;
        long dupFirst = -1;
        long dupLast = -1;
        while (position < end)
        {
            final int size = framedSize(buffer, position, end);
            if (size < 0)
            {
                return ProduceStatus.OK;
            }
            batch.wrap(buffer, position);
            batches++;
            if (batch.producerId() != NO_PRODUCER_ID)
            {
                final int code = checkBatch(buffer, offset, position);
                if (code == ProduceStatus.DUPLICATE)
                {
                    dupFirst = duplicates == 0 ? duplicateFirstOffset : dupFirst;
                    dupLast = Math.max(dupLast, duplicateLastOffset);
                    duplicates++;
                }
                else if (code != ProduceStatus.OK)
                {
                    return code;
                }
            }
            position += size;
        }
        if (duplicates == 0)
        {
            return ProduceStatus.OK;
        }
        if (duplicates != batches)
        {
            return ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER;
        }
        duplicateFirstOffset = dupFirst;
        duplicateLastOffset = dupLast;
        return ProduceStatus.DUPLICATE;
    }

    /** Base offset the original of the last duplicate got. */
    public long duplicateFirstOffset()
    {
        return duplicateFirstOffset;
    }

    /** Last offset of the original of the last duplicate (for acks=all, which waits for it). */
    public long duplicateLastOffset()
    {
        return duplicateLastOffset;
    }

    /**
     * The batch at {@code position} (wrapped in {@link #batch}) against what is known before it: first whether it
     * repeats one of the producer's remembered batches (a retried request repeats them all), then whether it follows
     * the batch of the same producer before it in this request, or else the producer's last remembered one.
     */
    private int checkBatch(final DirectBuffer buffer, final int requestOffset, final int position)
    {
        final long producerId = batch.producerId();
        final short epoch = batch.producerEpoch();
        final int firstSeq = batch.baseSequence();

        final ProducerEntry entry = producers.get(producerId);
        if (entry != null && epoch == entry.epoch())
        {
            final int index = entry.find(firstSeq, lastSequence(firstSeq, batch.lastOffsetDelta()));
            if (index >= 0)
            {
                duplicateFirstOffset = entry.firstOffsetAt(index);
                duplicateLastOffset = entry.lastOffsetAt(index);
                return ProduceStatus.DUPLICATE;
            }
        }

        int previous = -1;
        for (int p = requestOffset; p < position; p += earlier.sizeInBytes())
        {
            if (earlier.wrap(buffer, p).producerId() == producerId)
            {
                previous = p;
            }
        }
        if (previous >= 0)
        {
            earlier.wrap(buffer, previous);
            return follows(earlier.producerEpoch(), lastSequence(earlier.baseSequence(), earlier.lastOffsetDelta()), epoch, firstSeq);
        }
        if (entry == null)
        {
            return ProduceStatus.OK;
        }
        return follows(entry.epoch(), entry.lastSeq(), epoch, firstSeq);
    }

    private static int follows(final short knownEpoch, final int knownLastSeq, final short epoch, final int firstSeq)
    {
        if (epoch < knownEpoch)
        {
            return ProduceStatus.INVALID_PRODUCER_EPOCH;
        }
        if (epoch > knownEpoch)
        {
            return firstSeq == 0 ? ProduceStatus.OK : ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER;
        }
        return inSequence(knownLastSeq, firstSeq) ? ProduceStatus.OK : ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER;
    }

    /** {@code next} follows {@code last}: one more, or 0 after {@link Integer#MAX_VALUE}. */
    public static boolean inSequence(final int last, final int next)
    {
        return (long)next == (long)last + 1 || (next == 0 && last == Integer.MAX_VALUE);
    }

    /** The sequence of a batch's last record: sequences run from 0 to {@link Integer#MAX_VALUE}, then wrap to 0. */
    public static int lastSequence(final int baseSequence, final int lastOffsetDelta)
    {
        if (baseSequence > Integer.MAX_VALUE - lastOffsetDelta)
        {
            return lastOffsetDelta - (Integer.MAX_VALUE - baseSequence) - 1;
        }
        return baseSequence + lastOffsetDelta;
    }

    /**
     * Remember the batches of a request the journal has just appended.
     *
     * @param firstOffset the offset the journal gave the first record; the batches follow contiguously.
     * @param nowMs       the broker's time, which the producers' expiry counts from.
     */
    public void onAppended(
        final DirectBuffer buffer, final int offset, final int length, final long firstOffset, final long nowMs)
    {
        final int end = offset + length;
        long base = firstOffset;
        for (int position = offset; position < end; position += batch.sizeInBytes())
        {
            batch.wrap(buffer, position);
            final long last = base + batch.lastOffsetDelta();
            remember(batch, base, last, nowMs);
            base = last + 1;
        }
    }

    /**
     * Remember a batch read back from the log (rebuilding after a restart or a truncation): no checks, as Kafka
     * loads its log. Control batches (transaction markers) carry no data sequence and are skipped.
     *
     * @param logBatch a batch as stored, its base offset assigned.
     * @param nowMs    the time of loading, which the producer's expiry counts from.
     */
    public void replay(final RecordBatch logBatch, final long nowMs)
    {
        if (!logBatch.isControl())
        {
            remember(logBatch, logBatch.baseOffset(), logBatch.lastOffset(), nowMs);
        }
    }

    private void remember(final RecordBatch b, final long firstOffset, final long lastOffset, final long nowMs)
    {
        final long producerId = b.producerId();
        if (producerId == NO_PRODUCER_ID)
        {
            return;
        }
        ProducerEntry entry = producers.get(producerId);
        if (entry == null)
        {
            if (producers.size() >= maxProducers)
            {
                evictOldest();
            }
            entry = new ProducerEntry(producerId, b.producerEpoch());
            producers.put(producerId, entry);
        }
        final int first = b.baseSequence();
        entry.add(b.producerEpoch(), first, lastSequence(first, b.lastOffsetDelta()), firstOffset, lastOffset,
            b.maxTimestamp(), nowMs);
    }

    /** At the cap: forget the producer seen least recently. A scan, paid only by a new producer at the cap. */
    private void evictOldest()
    {
        long oldestId = NO_PRODUCER_ID;
        long oldest = Long.MAX_VALUE;
        for (final ProducerEntry entry : producers.values())
        {
            if (entry.lastSeenMs() < oldest)
            {
                oldest = entry.lastSeenMs();
                oldestId = entry.producerId();
            }
        }
        producers.remove(oldestId);
    }

    /**
     * Forget producers not seen for {@code producer.id.expiration.ms}. Cold path.
     *
     * @return producers forgotten.
     */
    public int expire(final long nowMs)
    {
        int removed = 0;
        for (final Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); )
        {
            if (nowMs - it.next().lastSeenMs() >= expirationMs)
            {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** Forget everything (before a rebuild). */
    public void clear()
    {
        producers.clear();
    }

    /** The entry of {@code producerId}, or null. */
    public ProducerEntry entry(final long producerId)
    {
        return producers.get(producerId);
    }

    /**
     * Visit every producer remembered, in no particular order: for a read-only snapshot taken on the shard thread
     * (DescribeProducers). Cold path; the visitor must not keep the entries, which go on changing.
     */
    public void forEach(final Consumer<ProducerEntry> visitor)
    {
        producers.values().forEach(visitor);
    }

    /** Producers remembered. */
    public int size()
    {
        return producers.size();
    }

    /**
     * The size of the batch framed at {@code position}, or -1 when its header does not fit or its length field is
     * out of range.
     */
    static int framedSize(final DirectBuffer buffer, final int position, final int end)
    {
        if (end - position < RecordBatch.HEADER_LENGTH)
        {
            return -1;
        }
        final int batchLength = buffer.getInt(position + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER);
        final int maxLength = end - position - RecordBatch.LOG_OVERHEAD;
        if (batchLength < RecordBatch.HEADER_LENGTH - RecordBatch.LOG_OVERHEAD || batchLength > maxLength)
        {
            return -1;
        }
        return batchLength + RecordBatch.LOG_OVERHEAD;
    }
}
