package io.ringlog.client.producer;

import io.ringlog.journal.batch.Crc32cChecksum;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * Where records become batches: appends each record into its partition's open batch (in place, in a pooled
 * buffer), seals batches that are full or have lingered, and stamps the idempotent producer's id, epoch and
 * sequence at sealing. It knows nothing of the network: {@link RinglogProducer} sends what it seals.
 * <p>
 * <b>Allocation.</b> An append sizes the record, copies key, value and headers into the batch, and stores the
 * completion token: no allocation once the pool's buffers and the token arrays have grown to their working size
 * ({@code RecordAccumulatorTest} measures 0 bytes per record).
 * <p>
 * <b>Bounds.</b> {@code buffer.memory / batch.size} buffers in all; {@code 2 * max.in.flight} sealed batches per
 * partition. Either limit answers {@link SendResult#BACK_PRESSURED}.
 * <p>
 * Owned by the client's thread.
 */
final class RecordAccumulator
{
    private final BatchPool pool;
    private final int batchSize;
    private final int ringCapacity;
    private final long lingerMs;
    private final boolean storeTokens;
    private final Crc32cChecksum crc = new Crc32cChecksum();
    private PartitionQueue[] active = new PartitionQueue[16];
    private int activeCount;
    private long producerId = RecordBatchBuilder.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
    private boolean idempotent;
    private PartitionQueue lastQueue;

    RecordAccumulator(
        final int batchSize, final long bufferMemory, final int maxInFlight, final long lingerMs, final boolean storeTokens)
    {
        this.pool = new BatchPool(batchSize, bufferMemory);
        this.batchSize = batchSize;
        this.ringCapacity = 2 * maxInFlight;
        this.lingerMs = lingerMs;
        this.storeTokens = storeTokens;
    }

    int ringCapacity()
    {
        return ringCapacity;
    }

    BatchPool pool()
    {
        return pool;
    }

    Crc32cChecksum crc()
    {
        return crc;
    }

    /** Use this producer id and epoch for batches sealed from now on (idempotence). */
    void producerId(final long producerId, final short producerEpoch)
    {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.idempotent = producerId >= 0;
    }

    long producerId()
    {
        return producerId;
    }

    short producerEpoch()
    {
        return producerEpoch;
    }

    boolean isIdempotent()
    {
        return idempotent;
    }

    /** The queue the last successful append went to. */
    PartitionQueue lastQueue()
    {
        return lastQueue;
    }

    /**
     * Append one record to its partition's open batch, sealing the open batch first when the record does not fit.
     *
     * @return {@link SendResult#OK}, {@link SendResult#BACK_PRESSURED} or {@link SendResult#RECORD_TOO_LARGE}.
     */
    int append(
        final PartitionQueue queue,
        final long timestamp,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final RecordHeaders headers,
        final long token,
        final long nowMs)
    {
        final int kLength = null == key ? -1 : keyLength;
        final int vLength = null == value ? -1 : valueLength;
        if (RecordBatchBuilder.sizeOfRecord(0, 0, kLength, vLength, headers) > RecordBatchBuilder.maxRecordSize(batchSize))
        {
            return SendResult.RECORD_TOO_LARGE;
        }

        BatchBuffer batch = queue.open;
        if (null != batch)
        {
            final int result = batch.builder.append(
                timestamp, key, keyOffset, kLength, value, valueOffset, vLength, headers);
            if (result == RecordBatchBuilder.OK)
            {
                return appended(queue, batch, token);
            }
            if (queue.isFull())
            {
                return SendResult.BACK_PRESSURED;
            }
            seal(queue);
        }
        else if (queue.isFull())
        {
            return SendResult.BACK_PRESSURED;
        }

        batch = pool.acquire();
        if (null == batch)
        {
            return SendResult.BACK_PRESSURED;
        }
        batch.open(queue, nowMs);
        queue.open = batch;
        activate(queue);
        batch.builder.append(timestamp, key, keyOffset, kLength, value, valueOffset, vLength, headers);
        return appended(queue, batch, token);
    }

    private int appended(final PartitionQueue queue, final BatchBuffer batch, final long token)
    {
        if (storeTokens)
        {
            batch.token(batch.builder.recordCount() - 1, token);
        }
        lastQueue = queue;
        return SendResult.OK;
    }

    /**
     * Seal the partition's open batch: write its header and CRC with the next sequence, and queue it for sending.
     * The caller has checked the ring has room.
     */
    void seal(final PartitionQueue queue)
    {
        final BatchBuffer batch = queue.open;
        final int count = batch.builder.recordCount();
        final int sequence = idempotent ? queue.nextSequence : RecordBatchBuilder.NO_SEQUENCE;
        batch.size = batch.builder.seal(producerId, producerEpoch, sequence, crc);
        batch.baseSequence = sequence;
        if (idempotent)
        {
            queue.nextSequence = RecordBatchBuilder.incrementSequence(queue.nextSequence, count);
        }
        batch.state = BatchBuffer.SEALED;
        queue.open = null;
        queue.add(batch);
    }

    /**
     * Seal open batches that are full enough that the next record of the same size would not fit, or that have
     * waited {@code linger.ms}, or every non-empty one when {@code force} (flush). A partition whose ring is full
     * keeps its batch open until there is room.
     *
     * @return batches sealed.
     */
    int sealDue(final long nowMs, final boolean force)
    {
        int sealed = 0;
        for (int i = 0; i < activeCount; i++)
        {
            final PartitionQueue queue = active[i];
            final BatchBuffer batch = queue.open;
            if (null != batch && !queue.isFull() &&
                (force || nowMs - batch.createdMs >= lingerMs || batch.builder.remaining() < averageRecord(batch)))
            {
                seal(queue);
                sealed++;
            }
        }
        return sealed;
    }

    /** A batch whose free room is below its average record is full for practical purposes: send it now. */
    private static int averageRecord(final BatchBuffer batch)
    {
        final int count = batch.builder.recordCount();
        return count == 0 ? 0 : (batch.builder.sizeInBytes() - io.ringlog.journal.batch.RecordBatch.HEADER_LENGTH) / count;
    }

    /** Renumber the sequences of batches not yet acknowledged, from {@code firstSequence}, and re-stamp them. */
    void renumber(final PartitionQueue queue, final int fromIndex, final int firstSequence)
    {
        int sequence = firstSequence;
        for (int i = fromIndex; i < queue.size(); i++)
        {
            final BatchBuffer b = queue.get(i);
            if (b.state == BatchBuffer.DONE)
            {
                continue;
            }
            b.baseSequence = sequence;
            RecordBatchBuilder.restamp(b.buffer, BatchBuffer.BATCH_OFFSET, b.size, producerId, producerEpoch, sequence, crc);
            sequence = RecordBatchBuilder.incrementSequence(sequence, b.recordCount());
        }
        queue.nextSequence = sequence;
    }

    /** Pop done batches from the head of a queue back into the pool. @return batches released. */
    int releaseDone(final PartitionQueue queue)
    {
        int released = 0;
        BatchBuffer b;
        while (null != (b = queue.popDone()))
        {
            pool.release(b);
            released++;
        }
        return released;
    }

    private void activate(final PartitionQueue queue)
    {
        if (!queue.active)
        {
            if (activeCount == active.length)
            {
                active = Arrays.copyOf(active, activeCount * 2); // grows with the partitions in use, then stays
            }
            active[activeCount++] = queue;
            queue.active = true;
        }
    }

    /** Forget queues with nothing open, waiting or in flight. */
    void compactActive()
    {
        int kept = 0;
        for (int i = 0; i < activeCount; i++)
        {
            final PartitionQueue q = active[i];
            if (q.isIdle())
            {
                q.active = false;
            }
            else
            {
                active[kept++] = q;
            }
        }
        for (int i = kept; i < activeCount; i++)
        {
            active[i] = null;
        }
        activeCount = kept;
    }

    int activeCount()
    {
        return activeCount;
    }

    PartitionQueue active(final int i)
    {
        return active[i];
    }

    /** True when no partition has anything open, waiting or in flight. */
    boolean isEmpty()
    {
        for (int i = 0; i < activeCount; i++)
        {
            if (!active[i].isIdle())
            {
                return false;
            }
        }
        return true;
    }
}
