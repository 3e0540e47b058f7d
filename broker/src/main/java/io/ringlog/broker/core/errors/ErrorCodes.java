package io.ringlog.broker.core.errors;

import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.journal.JournalStatus;
import io.ringlog.sequencer.ProduceStatus;

/**
 * The one table from Ringlog's internal codes to the error codes clients are answered with: the journal's
 * {@link JournalStatus}, the sequencer's {@link ProduceStatus} (which passes the journal's through) and the
 * controller's {@link MetadataException} reasons, each to a Kafka error code number, with its name.
 * <p>
 * Numbers, not kafka-clients' {@code Errors}: the core stays free of the Kafka protocol's classes, and the native
 * protocol uses Kafka's numbers for these errors already ({@code NativeErrors}), so both edges answer from this one
 * table. The Kafka edge turns a number into {@code Errors} with {@code Errors.forCode} ({@code KafkaErrors});
 * {@code ErrorCodesTest} checks every number and name here against kafka-clients' own.
 * <p>
 * The one place the edges differ is a full sequencer ring ({@link ProduceStatus#BACK_PRESSURED}): the table says
 * REQUEST_TIMED_OUT (retriable), which is what a Kafka client gets should one ever reach it (the Kafka edge holds the
 * connection back instead); the native edge answers its own BACK_PRESSURED before it looks here.
 * <p>
 * Stateless, allocation-free; any thread.
 */
public final class ErrorCodes
{
    public static final short UNKNOWN_SERVER_ERROR = -1;
    public static final short NONE = 0;
    public static final short OFFSET_OUT_OF_RANGE = 1;
    public static final short CORRUPT_MESSAGE = 2;
    public static final short UNKNOWN_TOPIC_OR_PARTITION = 3;
    public static final short NOT_LEADER_OR_FOLLOWER = 6;
    public static final short REQUEST_TIMED_OUT = 7;
    public static final short MESSAGE_TOO_LARGE = 10;
    public static final short INVALID_TOPIC_EXCEPTION = 17;
    public static final short RECORD_LIST_TOO_LARGE = 18;
    public static final short NOT_ENOUGH_REPLICAS = 19;
    public static final short NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20;
    public static final short INVALID_REQUIRED_ACKS = 21;
    public static final short UNSUPPORTED_VERSION = 35;
    public static final short TOPIC_ALREADY_EXISTS = 36;
    public static final short INVALID_PARTITIONS = 37;
    public static final short INVALID_REPLICATION_FACTOR = 38;
    public static final short INVALID_CONFIG = 40;
    public static final short NOT_CONTROLLER = 41;
    public static final short INVALID_REQUEST = 42;
    public static final short UNSUPPORTED_FOR_MESSAGE_FORMAT = 43;
    public static final short OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
    public static final short INVALID_PRODUCER_EPOCH = 47;
    public static final short KAFKA_STORAGE_ERROR = 56;
    public static final short TOPIC_DELETION_DISABLED = 73;
    public static final short INVALID_RECORD = 87;
    public static final short UNKNOWN_TOPIC_ID = 100;

    private ErrorCodes()
    {
    }

    /**
     * The error for a sequencer status or a journal code (the sequencer passes the journal's through unchanged).
     *
     * @param status a {@link ProduceStatus} or {@link JournalStatus} value.
     * @return the Kafka error code number; UNKNOWN_SERVER_ERROR for a code this table does not know.
     */
    public static short ofStatus(final int status)
    {
        return switch (status)
        {
            case ProduceStatus.OK, ProduceStatus.DUPLICATE -> NONE;
            // A full ring: the shard is far behind. A retriable error makes the producer back off and retry.
            case ProduceStatus.BACK_PRESSURED, ProduceStatus.REQUEST_TIMED_OUT -> REQUEST_TIMED_OUT;
            case ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER -> OUT_OF_ORDER_SEQUENCE_NUMBER;
            case ProduceStatus.INVALID_PRODUCER_EPOCH -> INVALID_PRODUCER_EPOCH;
            case ProduceStatus.NOT_ENOUGH_REPLICAS -> NOT_ENOUGH_REPLICAS;
            case ProduceStatus.NOT_ENOUGH_REPLICAS_AFTER_APPEND -> NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            case ProduceStatus.INVALID_REQUIRED_ACKS -> INVALID_REQUIRED_ACKS;
            case ProduceStatus.NOT_LEADER_OR_FOLLOWER -> NOT_LEADER_OR_FOLLOWER;
            case ProduceStatus.UNKNOWN_SERVER_ERROR -> UNKNOWN_SERVER_ERROR;
            case JournalStatus.CORRUPT_MESSAGE -> CORRUPT_MESSAGE;
            case JournalStatus.INVALID_RECORD -> INVALID_RECORD;
            case JournalStatus.UNSUPPORTED_MAGIC -> UNSUPPORTED_FOR_MESSAGE_FORMAT;
            case JournalStatus.MESSAGE_TOO_LARGE -> MESSAGE_TOO_LARGE;
            case JournalStatus.RECORD_LIST_TOO_LARGE -> RECORD_LIST_TOO_LARGE;
            case JournalStatus.STORAGE_FULL, JournalStatus.STORAGE_ERROR -> KAFKA_STORAGE_ERROR;
            case JournalStatus.OFFSET_OUT_OF_RANGE, JournalStatus.OFFSET_NOT_CONTIGUOUS -> OFFSET_OUT_OF_RANGE;
            // A log closed under an append: its partition is going away from this broker.
            case JournalStatus.CLOSED -> NOT_LEADER_OR_FOLLOWER;
            default -> UNKNOWN_SERVER_ERROR;
        };
    }

    /** The error for a refused metadata change. */
    public static short ofMetadata(final MetadataException.Reason reason)
    {
        return switch (reason)
        {
            case TOPIC_ALREADY_EXISTS -> TOPIC_ALREADY_EXISTS;
            case UNKNOWN_TOPIC_OR_PARTITION -> UNKNOWN_TOPIC_OR_PARTITION;
            case INVALID_TOPIC_EXCEPTION -> INVALID_TOPIC_EXCEPTION;
            case INVALID_PARTITIONS -> INVALID_PARTITIONS;
            case INVALID_REPLICATION_FACTOR -> INVALID_REPLICATION_FACTOR;
            case INVALID_CONFIG -> INVALID_CONFIG;
            case TOPIC_DELETION_DISABLED -> TOPIC_DELETION_DISABLED;
            case INVALID_REQUEST -> INVALID_REQUEST;
            case KAFKA_STORAGE_ERROR -> KAFKA_STORAGE_ERROR;
            case REQUEST_TIMED_OUT -> REQUEST_TIMED_OUT;
            case NOT_CONTROLLER -> NOT_CONTROLLER;
            case UNKNOWN_SERVER_ERROR -> UNKNOWN_SERVER_ERROR;
        };
    }

    /**
     * The error for what a core service threw: a {@link MetadataException}'s reason, else UNKNOWN_SERVER_ERROR.
     * The Kafka edge knows more (kafka-clients' own exceptions) and asks {@code Errors.forException} first.
     */
    public static short ofThrowable(final Throwable t)
    {
        return t instanceof MetadataException m ? ofMetadata(m.reason()) : UNKNOWN_SERVER_ERROR;
    }

    /** Kafka's name for a code of this table, for logs and metrics labels; {@code "CODE_<n>"} for any other. */
    public static String name(final short code)
    {
        return switch (code)
        {
            case UNKNOWN_SERVER_ERROR -> "UNKNOWN_SERVER_ERROR";
            case NONE -> "NONE";
            case OFFSET_OUT_OF_RANGE -> "OFFSET_OUT_OF_RANGE";
            case CORRUPT_MESSAGE -> "CORRUPT_MESSAGE";
            case UNKNOWN_TOPIC_OR_PARTITION -> "UNKNOWN_TOPIC_OR_PARTITION";
            case NOT_LEADER_OR_FOLLOWER -> "NOT_LEADER_OR_FOLLOWER";
            case REQUEST_TIMED_OUT -> "REQUEST_TIMED_OUT";
            case MESSAGE_TOO_LARGE -> "MESSAGE_TOO_LARGE";
            case INVALID_TOPIC_EXCEPTION -> "INVALID_TOPIC_EXCEPTION";
            case RECORD_LIST_TOO_LARGE -> "RECORD_LIST_TOO_LARGE";
            case NOT_ENOUGH_REPLICAS -> "NOT_ENOUGH_REPLICAS";
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
            case INVALID_REQUIRED_ACKS -> "INVALID_REQUIRED_ACKS";
            case UNSUPPORTED_VERSION -> "UNSUPPORTED_VERSION";
            case TOPIC_ALREADY_EXISTS -> "TOPIC_ALREADY_EXISTS";
            case INVALID_PARTITIONS -> "INVALID_PARTITIONS";
            case INVALID_REPLICATION_FACTOR -> "INVALID_REPLICATION_FACTOR";
            case INVALID_CONFIG -> "INVALID_CONFIG";
            case NOT_CONTROLLER -> "NOT_CONTROLLER";
            case INVALID_REQUEST -> "INVALID_REQUEST";
            case UNSUPPORTED_FOR_MESSAGE_FORMAT -> "UNSUPPORTED_FOR_MESSAGE_FORMAT";
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> "OUT_OF_ORDER_SEQUENCE_NUMBER";
            case INVALID_PRODUCER_EPOCH -> "INVALID_PRODUCER_EPOCH";
            case KAFKA_STORAGE_ERROR -> "KAFKA_STORAGE_ERROR";
            case TOPIC_DELETION_DISABLED -> "TOPIC_DELETION_DISABLED";
            case INVALID_RECORD -> "INVALID_RECORD";
            case UNKNOWN_TOPIC_ID -> "UNKNOWN_TOPIC_ID";
            default -> "CODE_" + code;
        };
    }
}
