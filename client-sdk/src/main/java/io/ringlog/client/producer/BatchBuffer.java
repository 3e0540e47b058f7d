package io.ringlog.client.producer;

import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestEncoder;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One pooled batch buffer: a whole {@code ProduceRequest} message laid out so the batch is built where it is sent
 * from, never copied inside the client:
 *
 * <pre>
 *   0                        SBE message header
 *   8                        ProduceRequest block: session, correlation, topic id, partition, timeout, acks
 *   RECORDS_LENGTH_OFFSET    uint32 length of the records (SBE var data)
 *   BATCH_OFFSET             the RecordBatch v2, built in place by {@link RecordBatchBuilder}
 * </pre>
 *
 * The header fields are written just before each offer (a re-send after a reconnect carries the new session id and
 * a new correlation id; the batch bytes, and so the CRC and the idempotent sequence, are unchanged). Per-record
 * completion tokens live beside it, in an array that grows on the first batches with many records and is then
 * reused: no allocation once warmed up.
 * <p>
 * Owned by the client's thread.
 */
final class BatchBuffer
{
    static final int FREE = 0;
    static final int OPEN = 1;
    static final int SEALED = 2;
    static final int IN_FLIGHT = 3;
    static final int DONE = 4;

    static final int RECORDS_LENGTH_OFFSET = MessageHeaderEncoder.ENCODED_LENGTH + ProduceRequestEncoder.BLOCK_LENGTH;
    static final int BATCH_OFFSET = RECORDS_LENGTH_OFFSET + ProduceRequestEncoder.recordsHeaderLength();

    final int index;
    final UnsafeBuffer buffer;
    final RecordBatchBuilder builder = new RecordBatchBuilder();
    long[] tokens = new long[16];

    PartitionQueue queue;
    int state = FREE;
    int size;
    int baseSequence;
    long createdMs;
    long sentMs;
    long correlationId;
    int syncIndex = -1;

    BatchBuffer(final int index, final int batchSize)
    {
        this.index = index;
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            BitUtil.align(BATCH_OFFSET + batchSize, BitUtil.CACHE_LINE_LENGTH), BitUtil.CACHE_LINE_LENGTH));
        builder.wrap(buffer, BATCH_OFFSET, batchSize);
    }

    void open(final PartitionQueue queue, final long nowMs)
    {
        this.queue = queue;
        this.state = OPEN;
        this.size = 0;
        this.createdMs = nowMs;
        this.correlationId = 0;
        this.syncIndex = -1;
        builder.reset();
    }

    void token(final int record, final long token)
    {
        long[] t = tokens;
        if (record >= t.length)
        {
            t = java.util.Arrays.copyOf(t, Math.max(record + 1, t.length * 2)); // warm-up growth, bounded by batch.size
            tokens = t;
        }
        t[record] = token;
    }

    /**
     * Write the SBE header and the ProduceRequest's fields in front of the sealed batch.
     *
     * @return the length of the whole message to offer, from offset 0.
     */
    int encodeRequest(
        final ProduceRequestEncoder encoder,
        final MessageHeaderEncoder header,
        final long sessionId,
        final long correlationId,
        final long topicIdMsb,
        final long topicIdLsb,
        final int partition,
        final int timeoutMs,
        final byte acks)
    {
        encoder.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .topicIdMsb(topicIdMsb)
            .topicIdLsb(topicIdLsb)
            .partition(partition)
            .timeoutMs(timeoutMs)
            .acks(acks);
        buffer.putInt(RECORDS_LENGTH_OFFSET, size, java.nio.ByteOrder.LITTLE_ENDIAN); // SBE var data: uint32 length
        return BATCH_OFFSET + size;
    }

    int recordCount()
    {
        return builder.recordCount();
    }

    void free()
    {
        queue = null;
        state = FREE;
        size = 0;
        correlationId = 0;
        syncIndex = -1;
    }
}
