package io.ringlog.broker.kafka.produce;

import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.PartitionRegistry;
import io.ringlog.sequencer.ProduceStatus;
import io.ringlog.transport.kafka.codec.ProduceRequestDecoder;
import io.ringlog.transport.kafka.net.KafkaRequest;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

import java.util.UUID;

/**
 * Produce: read the request with the allocation-free {@link ProduceRequestDecoder} and offer each partition's
 * record batches, in place in the request's buffer, to that partition's sequencer ring. The shard validates,
 * de-duplicates and appends them to the journal with one copy; the answer goes out from {@link PendingProduce} when
 * every partition has completed. Selector thread.
 */
public final class ProduceApi
{
    private final PartitionRegistry partitions;
    private final KafkaApiMetrics metrics;
    private final ProduceRequestDecoder decoder = new ProduceRequestDecoder();

    /**
     * @param partitions the partitions this broker leads.
     * @param metrics    where answers' errors are counted (on the selector thread, when the answer is released).
     */
    public ProduceApi(final PartitionRegistry partitions, final KafkaApiMetrics metrics)
    {
        this.partitions = partitions;
        this.metrics = metrics;
    }

    /** Handle a Produce request. Selector thread. */
    public void onRequest(final KafkaRequest request)
    {
        final short version = request.apiVersion();
        if (decoder.wrap(request.buffer(), request.bodyOffset(), request.bodyLength(), version) != ProduceRequestDecoder.OK)
        {
            request.closeConnection(); // a body that does not parse: as Kafka does, drop the connection
            return;
        }
        final short acks = decoder.acks();
        int partitionCount = 0;
        while (decoder.nextTopic())
        {
            partitionCount += decoder.partitionCount();
        }
        decoder.rewind();

        final PendingProduce pending = new PendingProduce(request, metrics, acks, decoder.topicCount(), partitionCount);
        final boolean validAcks = acks == 0 || acks == 1 || acks == -1;
        final boolean transactional = decoder.transactionalIdLength() >= 0;
        int t = 0;
        int i = 0;
        while (decoder.nextTopic())
        {
            pending.topicStart[t] = i;
            final boolean byId = decoder.hasTopicId();
            final UUID id = byId ? new UUID(decoder.topicIdMostSignificantBits(), decoder.topicIdLeastSignificantBits()) : null;
            pending.topicIds[t] = byId ? new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()) : null;
            pending.topicNames[t] = byId ? null : decoder.topicName();
            while (decoder.nextPartition())
            {
                final int index = decoder.partitionIndex();
                pending.partitionIndexes[i] = index;
                final Partition partition = byId ? partitions.partition(id, index) :
                    partitions.partition(pending.topicNames[t], index);
                if (!validAcks)
                {
                    pending.errors[i] = Errors.INVALID_REQUIRED_ACKS.code();
                }
                else if (transactional)
                {
                    pending.errors[i] = Errors.UNSUPPORTED_VERSION.code(); // transactions arrive with their own issue
                }
                else if (partition == null)
                {
                    pending.errors[i] = byId && partitions.topicPartitionCount(id) < 0 ?
                        Errors.UNKNOWN_TOPIC_ID.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code();
                }
                else if (decoder.recordsLength() <= 0)
                {
                    pending.errors[i] = Errors.CORRUPT_MESSAGE.code();
                }
                else
                {
                    offer(pending, partition, i, acks);
                }
                i++;
            }
            t++;
        }
        pending.topicStart[t] = i;
        pending.dispatched();
    }

    private void offer(final PendingProduce pending, final Partition partition, final int slot, final short acks)
    {
        pending.expectCompletion();
        final int status = partition.sequencer().offer(
            decoder.buffer(), decoder.recordsOffset(), decoder.recordsLength(), acks, decoder.timeoutMs(),
            0L, slot, pending);
        if (status != ProduceStatus.OK)
        {
            // Not accepted, so the sequencer will not call back: record the error and release the expectation.
            pending.onComplete(0L, slot, status, -1, -1, partition.log().logStartOffset());
        }
    }
}
