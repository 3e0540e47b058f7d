package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.group.GroupCoordination;

import java.util.List;

/**
 * A cold-path request (metadata, producer id, offsets, group membership) between the gateway and the thread that
 * answers it (the admin executor, the group coordinator). The gateway takes a call from its bounded pool and fills
 * in who asked; the answering thread stores the answer and rings the {@link CompletionRing}, whose hand-off orders
 * the store before the gateway reads it; the gateway writes the answer to the session's egress (again later if the
 * egress is back-pressured) and returns the call to the pool.
 * <p>
 * Cold path: answers are objects, allocation is fine here.
 */
final class ColdCall implements GroupCoordination.Answer<Object>
{
    enum Kind
    {
        METADATA, INIT_PRODUCER_ID, OFFSET_COMMIT, OFFSET_FETCH, JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP
    }

    final int index;
    private final CompletionRing ring;
    long sessionId;
    long correlationId;
    Kind kind;
    /** Written by the answering thread before {@link CompletionRing#coldDone}; read by the gateway after. */
    Object answer;

    ColdCall(final int index, final CompletionRing ring)
    {
        this.index = index;
        this.ring = ring;
    }

    /** The group coordinator's answer (one of {@link GroupCoordination}'s records, or a code). Any thread, once. */
    @Override
    public void complete(final Object answer, final Throwable failure)
    {
        complete(failure != null ? failure : answer);
    }

    /** Any thread, once. */
    void complete(final Object result)
    {
        answer = result;
        ring.coldDone(index);
    }

    /**
     * A topic as MetadataResponse carries it.
     *
     * @param errorCode  Kafka's number (UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, ...).
     * @param topic      the name asked for.
     * @param topicIdMsb the topic id, 0 when unknown.
     * @param topicIdLsb the topic id, 0 when unknown.
     * @param partitions one per partition.
     */
    record MetadataAnswer(short errorCode, String topic, long topicIdMsb, long topicIdLsb, List<PartitionAnswer> partitions)
    {
    }

    /**
     * @param highWatermarkCounterId -1 when this broker does not lead the partition.
     * @param segmentBaseCounterId   -1 when this broker does not lead the partition.
     * @param logDir                 absolute path of the journal directory, empty when not local.
     */
    record PartitionAnswer(int partition, int leaderId, int leaderEpoch, int highWatermarkCounterId,
        int segmentBaseCounterId, String logDir)
    {
    }

    /** InitProducerIdResponse. */
    record ProducerIdAnswer(short errorCode, long producerId, short producerEpoch)
    {
    }
}
