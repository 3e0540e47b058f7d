package io.ringlog.journal;

/**
 * Result codes of the journal's hot-path operations ({@code append}, {@code slice}, ...).
 * <p>
 * The hot path answers with codes, never exceptions (as Aeron's {@code Publication.offer} does). {@link #OK} is zero;
 * every failure is negative, and a failed append leaves the log exactly as it was. The broker maps each code onto
 * the Kafka error its clients expect; the mapping is given beside each code.
 */
public final class JournalStatus
{
    /** The operation succeeded. */
    public static final int OK = 0;

    /**
     * A batch is malformed: CRC32C mismatch, a length field that does not fit the buffer, or a header field out of
     * range. Kafka: CORRUPT_MESSAGE. Nothing was written; the producer may retry with intact bytes.
     */
    public static final int CORRUPT_MESSAGE = -1;

    /**
     * A batch's CRC is valid but its records contradict its header: the record count, the last offset delta or
     * the record lengths disagree. Kafka: INVALID_RECORD. Nothing was written.
     */
    public static final int INVALID_RECORD = -2;

    /** A batch uses a magic other than 2. Kafka: UNSUPPORTED_FOR_MESSAGE_FORMAT. Nothing was written. */
    public static final int UNSUPPORTED_MAGIC = -3;

    /** A batch is larger than {@code max.message.bytes}. Kafka: MESSAGE_TOO_LARGE. Nothing was written. */
    public static final int MESSAGE_TOO_LARGE = -4;

    /** The batches of one append together exceed {@code segment.bytes}. Kafka: RECORD_LIST_TOO_LARGE. */
    public static final int RECORD_LIST_TOO_LARGE = -5;

    /**
     * The disk has too little free space to take the append or map the next segment. Kafka: KAFKA_STORAGE_ERROR.
     * Nothing was written and the log stays readable; appends succeed again once space is freed.
     */
    public static final int STORAGE_FULL = -6;

    /** An I/O error other than a full disk. Kafka: KAFKA_STORAGE_ERROR. Nothing was written. */
    public static final int STORAGE_ERROR = -7;

    /**
     * A follower append whose first base offset is not the log end offset, or whose batches are not contiguous.
     * Kafka: the follower must truncate and fetch again (OFFSET_OUT_OF_RANGE on the leader's side).
     */
    public static final int OFFSET_NOT_CONTIGUOUS = -8;

    /** An offset below the log start offset or above the log end offset. Kafka: OFFSET_OUT_OF_RANGE. */
    public static final int OFFSET_OUT_OF_RANGE = -9;

    /** The log has been closed. Kafka: NOT_LEADER_OR_FOLLOWER (the partition is gone from this broker). */
    public static final int CLOSED = -10;

    /** Nothing matches the look-up (for example, no record has a timestamp at or after the one asked for). */
    public static final int NOT_FOUND = -11;

    private JournalStatus()
    {
    }

    /**
     * A short name for a code, for logs and error messages.
     *
     * @param code a code returned by the journal.
     * @return its name, or {@code UNKNOWN(code)}.
     */
    public static String describe(final int code)
    {
        return switch (code)
        {
            case OK -> "OK";
            case CORRUPT_MESSAGE -> "CORRUPT_MESSAGE";
            case INVALID_RECORD -> "INVALID_RECORD";
            case UNSUPPORTED_MAGIC -> "UNSUPPORTED_MAGIC";
            case MESSAGE_TOO_LARGE -> "MESSAGE_TOO_LARGE";
            case RECORD_LIST_TOO_LARGE -> "RECORD_LIST_TOO_LARGE";
            case STORAGE_FULL -> "STORAGE_FULL";
            case STORAGE_ERROR -> "STORAGE_ERROR";
            case OFFSET_NOT_CONTIGUOUS -> "OFFSET_NOT_CONTIGUOUS";
            case OFFSET_OUT_OF_RANGE -> "OFFSET_OUT_OF_RANGE";
            case CLOSED -> "CLOSED";
            case NOT_FOUND -> "NOT_FOUND";
            default -> "UNKNOWN(" + code + ")";
        };
    }
}
