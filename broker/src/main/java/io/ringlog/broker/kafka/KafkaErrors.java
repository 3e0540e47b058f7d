package io.ringlog.broker.kafka;

import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.journal.JournalStatus;
import org.apache.kafka.common.protocol.Errors;

/**
 * Where Ringlog's own codes become the Kafka error codes clients expect: the journal's {@link JournalStatus}, the
 * controller's {@link MetadataException} reasons. One table, at the edge, so the inner modules stay free of the
 * Kafka protocol.
 */
public final class KafkaErrors
{
    private KafkaErrors()
    {
    }

    /** The Kafka error for a journal code. */
    public static Errors fromJournal(final int code)
    {
        return switch (code)
        {
            case JournalStatus.OK -> Errors.NONE;
            case JournalStatus.CORRUPT_MESSAGE -> Errors.CORRUPT_MESSAGE;
            case JournalStatus.INVALID_RECORD -> Errors.INVALID_RECORD;
            case JournalStatus.UNSUPPORTED_MAGIC -> Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
            case JournalStatus.MESSAGE_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case JournalStatus.RECORD_LIST_TOO_LARGE -> Errors.RECORD_LIST_TOO_LARGE;
            case JournalStatus.STORAGE_FULL, JournalStatus.STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            case JournalStatus.OFFSET_OUT_OF_RANGE, JournalStatus.OFFSET_NOT_CONTIGUOUS -> Errors.OFFSET_OUT_OF_RANGE;
            case JournalStatus.CLOSED -> Errors.NOT_LEADER_OR_FOLLOWER;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /** The Kafka error for a refused metadata change. */
    public static Errors fromMetadata(final MetadataException ex)
    {
        return switch (ex.reason())
        {
            case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case UNKNOWN_TOPIC_OR_PARTITION -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case INVALID_TOPIC_EXCEPTION -> Errors.INVALID_TOPIC_EXCEPTION;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case INVALID_REPLICATION_FACTOR -> Errors.INVALID_REPLICATION_FACTOR;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case TOPIC_DELETION_DISABLED -> Errors.TOPIC_DELETION_DISABLED;
            case INVALID_REQUEST -> Errors.INVALID_REQUEST;
            case KAFKA_STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
        };
    }

    /** The Kafka error for any throwable a handler let out. */
    public static Errors fromThrowable(final Throwable t)
    {
        if (t instanceof MetadataException m)
        {
            return fromMetadata(m);
        }
        return Errors.forException(t);
    }
}
