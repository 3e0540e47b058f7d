package io.ringlog.broker.nativeapi;

import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.sequencer.ProduceStatus;
import io.ringlog.transport.nativeproto.NativeErrors;

/**
 * The native error code for each sequencer status and journal code, with Kafka's numbers as the broker's Kafka side
 * answers them ({@code ProduceErrors}), except a full ring: Kafka's side answers REQUEST_TIMED_OUT after holding the
 * connection back, the native side says BACK_PRESSURED at once. Allocation-free.
 */
final class NativeProduceErrors
{
    private NativeProduceErrors()
    {
    }

    static short of(final int status)
    {
        return switch (status)
        {
            case ProduceStatus.OK, ProduceStatus.DUPLICATE -> NativeErrors.NONE;
            case ProduceStatus.BACK_PRESSURED -> NativeErrors.BACK_PRESSURED;
            case ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER -> NativeErrors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case ProduceStatus.INVALID_PRODUCER_EPOCH -> NativeErrors.INVALID_PRODUCER_EPOCH;
            case ProduceStatus.NOT_ENOUGH_REPLICAS -> NativeErrors.NOT_ENOUGH_REPLICAS;
            case ProduceStatus.NOT_ENOUGH_REPLICAS_AFTER_APPEND -> NativeErrors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            case ProduceStatus.REQUEST_TIMED_OUT -> NativeErrors.REQUEST_TIMED_OUT;
            case ProduceStatus.INVALID_REQUIRED_ACKS -> NativeErrors.INVALID_REQUIRED_ACKS;
            case ProduceStatus.NOT_LEADER_OR_FOLLOWER -> NativeErrors.NOT_LEADER_OR_FOLLOWER;
            case ProduceStatus.UNKNOWN_SERVER_ERROR -> NativeErrors.UNKNOWN_SERVER_ERROR;
            default -> KafkaErrors.fromJournal(status).code(); // CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, storage, ...
        };
    }
}
