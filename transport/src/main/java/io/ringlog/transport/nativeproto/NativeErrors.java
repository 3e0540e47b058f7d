package io.ringlog.transport.nativeproto;

/**
 * The {@code errorCode} values of the native protocol. Where Kafka has a code for the condition the native
 * protocol uses Kafka's number, so a client that knows Kafka reads it without a table, and a broker maps its
 * Kafka-side answers one to one. Conditions only the native protocol has are numbered from 1000.
 * <p>
 * Thread-safe: constants only.
 */
public final class NativeErrors
{
    public static final short NONE = 0;
    public static final short UNKNOWN_SERVER_ERROR = -1;
    public static final short OFFSET_OUT_OF_RANGE = 1;
    public static final short CORRUPT_MESSAGE = 2;
    public static final short UNKNOWN_TOPIC_OR_PARTITION = 3;
    public static final short NOT_LEADER_OR_FOLLOWER = 6;
    public static final short REQUEST_TIMED_OUT = 7;
    public static final short MESSAGE_TOO_LARGE = 10;
    public static final short COORDINATOR_NOT_AVAILABLE = 15;
    public static final short NOT_COORDINATOR = 16;
    public static final short RECORD_LIST_TOO_LARGE = 18;
    public static final short NOT_ENOUGH_REPLICAS = 19;
    public static final short NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20;
    public static final short INVALID_REQUIRED_ACKS = 21;
    public static final short ILLEGAL_GENERATION = 22;
    public static final short UNKNOWN_MEMBER_ID = 25;
    public static final short REBALANCE_IN_PROGRESS = 27;
    public static final short UNSUPPORTED_VERSION = 35;
    public static final short INVALID_REQUEST = 42;
    public static final short OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
    public static final short DUPLICATE_SEQUENCE_NUMBER = 46;
    public static final short INVALID_PRODUCER_EPOCH = 47;
    public static final short KAFKA_STORAGE_ERROR = 56;
    /** A consumer met a batch in a codec it cannot decode (the native client reads uncompressed batches only). */
    public static final short UNSUPPORTED_COMPRESSION_TYPE = 76;
    public static final short MEMBER_ID_REQUIRED = 79;
    public static final short UNKNOWN_TOPIC_ID = 100;

    /** The session id is not (or no longer) known to the broker: connect again. */
    public static final short UNKNOWN_SESSION = 1000;
    /** The message could not be decoded (too short, bad lengths, wrong schema): it was counted and dropped. */
    public static final short MALFORMED_MESSAGE = 1001;
    /** The partition's ring or the broker's request memory is full: retry later; nothing was written. */
    public static final short BACK_PRESSURED = 1002;
    /** The template id is not one this broker knows (a newer client): nothing was done. */
    public static final short UNKNOWN_MESSAGE = 1003;
    /** The broker could not reach the client's response channel, or is shutting down. */
    public static final short SESSION_CLOSED = 1004;

    private NativeErrors()
    {
    }

    /** A name for logs and exceptions; {@code "ERROR_<code>"} for a number this table does not know. */
    public static String name(final short code)
    {
        return switch (code)
        {
            case NONE -> "NONE";
            case UNKNOWN_SERVER_ERROR -> "UNKNOWN_SERVER_ERROR";
            case OFFSET_OUT_OF_RANGE -> "OFFSET_OUT_OF_RANGE";
            case CORRUPT_MESSAGE -> "CORRUPT_MESSAGE";
            case UNKNOWN_TOPIC_OR_PARTITION -> "UNKNOWN_TOPIC_OR_PARTITION";
            case NOT_LEADER_OR_FOLLOWER -> "NOT_LEADER_OR_FOLLOWER";
            case REQUEST_TIMED_OUT -> "REQUEST_TIMED_OUT";
            case MESSAGE_TOO_LARGE -> "MESSAGE_TOO_LARGE";
            case COORDINATOR_NOT_AVAILABLE -> "COORDINATOR_NOT_AVAILABLE";
            case NOT_COORDINATOR -> "NOT_COORDINATOR";
            case RECORD_LIST_TOO_LARGE -> "RECORD_LIST_TOO_LARGE";
            case NOT_ENOUGH_REPLICAS -> "NOT_ENOUGH_REPLICAS";
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
            case INVALID_REQUIRED_ACKS -> "INVALID_REQUIRED_ACKS";
            case ILLEGAL_GENERATION -> "ILLEGAL_GENERATION";
            case UNKNOWN_MEMBER_ID -> "UNKNOWN_MEMBER_ID";
            case REBALANCE_IN_PROGRESS -> "REBALANCE_IN_PROGRESS";
            case UNSUPPORTED_VERSION -> "UNSUPPORTED_VERSION";
            case INVALID_REQUEST -> "INVALID_REQUEST";
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> "OUT_OF_ORDER_SEQUENCE_NUMBER";
            case DUPLICATE_SEQUENCE_NUMBER -> "DUPLICATE_SEQUENCE_NUMBER";
            case INVALID_PRODUCER_EPOCH -> "INVALID_PRODUCER_EPOCH";
            case KAFKA_STORAGE_ERROR -> "KAFKA_STORAGE_ERROR";
            case UNSUPPORTED_COMPRESSION_TYPE -> "UNSUPPORTED_COMPRESSION_TYPE";
            case MEMBER_ID_REQUIRED -> "MEMBER_ID_REQUIRED";
            case UNKNOWN_TOPIC_ID -> "UNKNOWN_TOPIC_ID";
            case UNKNOWN_SESSION -> "UNKNOWN_SESSION";
            case MALFORMED_MESSAGE -> "MALFORMED_MESSAGE";
            case BACK_PRESSURED -> "BACK_PRESSURED";
            case UNKNOWN_MESSAGE -> "UNKNOWN_MESSAGE";
            case SESSION_CLOSED -> "SESSION_CLOSED";
            default -> "ERROR_" + code;
        };
    }

    /** Whether a client may send the same request again and expect it to succeed (Kafka's retriable codes). */
    public static boolean isRetriable(final short code)
    {
        return switch (code)
        {
            case NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR,
                NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR, BACK_PRESSURED,
                UNKNOWN_TOPIC_OR_PARTITION -> true;
            default -> false;
        };
    }
}
