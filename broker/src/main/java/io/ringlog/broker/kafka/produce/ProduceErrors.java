package io.ringlog.broker.kafka.produce;

import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.sequencer.ProduceStatus;
import org.apache.kafka.common.protocol.Errors;

/** The Kafka error for each sequencer status (journal codes pass through the sequencer unchanged). */
final class ProduceErrors
{
    private ProduceErrors()
    {
    }

    static Errors of(final int status)
    {
        return switch (status)
        {
            case ProduceStatus.OK, ProduceStatus.DUPLICATE -> Errors.NONE;
            // A full ring: the shard is far behind. A retriable error makes the producer back off and retry.
            case ProduceStatus.BACK_PRESSURED -> Errors.REQUEST_TIMED_OUT;
            case ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case ProduceStatus.INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case ProduceStatus.NOT_ENOUGH_REPLICAS -> Errors.NOT_ENOUGH_REPLICAS;
            case ProduceStatus.NOT_ENOUGH_REPLICAS_AFTER_APPEND -> Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            case ProduceStatus.REQUEST_TIMED_OUT -> Errors.REQUEST_TIMED_OUT;
            case ProduceStatus.INVALID_REQUIRED_ACKS -> Errors.INVALID_REQUIRED_ACKS;
            case ProduceStatus.NOT_LEADER_OR_FOLLOWER -> Errors.NOT_LEADER_OR_FOLLOWER;
            case ProduceStatus.UNKNOWN_SERVER_ERROR -> Errors.UNKNOWN_SERVER_ERROR;
            default -> KafkaErrors.fromJournal(status);
        };
    }
}
