package io.ringlog.sequencer;

import io.ringlog.journal.JournalStatus;

/**
 * Result codes of the produce path: returned by {@link PartitionSequencer#offer} and passed to
 * {@link ProduceCompletion#onComplete}.
 * <p>
 * As in the journal, the hot path answers with codes, never exceptions. A code of zero or more is a success
 * ({@link #OK}, {@link #DUPLICATE}); every failure is negative. The sequencer's own failures lie at -101 and below;
 * the journal's {@link JournalStatus} codes (-1 to -11) pass through unchanged, so the broker maps both ranges with
 * one switch. Beside each code: the Kafka error the broker answers with (name and protocol number).
 */
public final class ProduceStatus
{
    /** Appended (and, for acks=all, replicated to the high watermark). Kafka: NONE (0). Same value as the journal's. */
    public static final int OK = JournalStatus.OK;

    /**
     * An idempotent producer sent a batch again that is one of its last five for this partition: nothing was
     * appended, and the base offset given is the one the original append got. A success. Kafka: NONE (0), with the
     * original base offset, as Kafka 4.x answers a duplicate.
     */
    public static final int DUPLICATE = 1;

    /**
     * {@link PartitionSequencer#offer} only: the partition's ring is full. Nothing was taken and the completion will
     * not be called; the caller still owns the request. Not a Kafka error: the broker stops reading from that
     * connection and offers again shortly (the network thread's back-pressure), answering REQUEST_TIMED_OUT (7) only
     * if the request's own timeout passes first.
     */
    public static final int BACK_PRESSURED = -101;

    /**
     * An idempotent batch whose first sequence does not follow the producer's last one (a gap or a reordering), a
     * new epoch that does not start at sequence 0, or an unknown producer id whose first sequence is not 0. Nothing
     * was appended. Kafka: OUT_OF_ORDER_SEQUENCE_NUMBER (45).
     */
    public static final int OUT_OF_ORDER_SEQUENCE_NUMBER = -102;

    /**
     * An idempotent batch with a producer epoch below the one this partition has seen for that producer id (a
     * zombie). Nothing was appended. Kafka: INVALID_PRODUCER_EPOCH (90).
     */
    public static final int INVALID_PRODUCER_EPOCH = -103;

    /**
     * acks=all while the partition's in-sync replicas are fewer than {@code min.insync.replicas}. Nothing was
     * appended. Kafka: NOT_ENOUGH_REPLICAS (19).
     */
    public static final int NOT_ENOUGH_REPLICAS = -104;

    /**
     * acks=all: the records were appended and the high watermark passed them, but by then the in-sync replicas had
     * shrunk below {@code min.insync.replicas}. Kafka: NOT_ENOUGH_REPLICAS_AFTER_APPEND (20).
     */
    public static final int NOT_ENOUGH_REPLICAS_AFTER_APPEND = -105;

    /**
     * acks=all: the high watermark did not reach the records within the request's timeout. They are in the leader's
     * log and may still be replicated. Kafka: REQUEST_TIMED_OUT (7).
     */
    public static final int REQUEST_TIMED_OUT = -106;

    /** {@link PartitionSequencer#offer} only: acks other than 0, 1 or -1. Kafka: INVALID_REQUIRED_ACKS (21). */
    public static final int INVALID_REQUIRED_ACKS = -107;

    /**
     * The partition is being removed from (or has left) its shard, or was truncated below the records an acks=all
     * request waited for. Nothing more will be appended through this sequencer. Kafka: NOT_LEADER_OR_FOLLOWER (6);
     * the client refreshes its metadata and retries.
     */
    public static final int NOT_LEADER_OR_FOLLOWER = -108;

    /** A bug: an unexpected exception while handling the request (it is logged). Kafka: UNKNOWN_SERVER_ERROR (-1). */
    public static final int UNKNOWN_SERVER_ERROR = -109;

    private ProduceStatus()
    {
    }

    /** True for {@link #OK} and {@link #DUPLICATE}. */
    public static boolean isSuccess(final int code)
    {
        return code >= 0;
    }

    /**
     * A short name for a code, for logs and error messages; journal codes get the journal's names.
     *
     * @param code a code from the sequencer or the journal.
     * @return its name, or {@code UNKNOWN(code)}.
     */
    public static String describe(final int code)
    {
        return switch (code)
        {
            case DUPLICATE -> "DUPLICATE";
            case BACK_PRESSURED -> "BACK_PRESSURED";
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> "OUT_OF_ORDER_SEQUENCE_NUMBER";
            case INVALID_PRODUCER_EPOCH -> "INVALID_PRODUCER_EPOCH";
            case NOT_ENOUGH_REPLICAS -> "NOT_ENOUGH_REPLICAS";
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
            case REQUEST_TIMED_OUT -> "REQUEST_TIMED_OUT";
            case INVALID_REQUIRED_ACKS -> "INVALID_REQUIRED_ACKS";
            case NOT_LEADER_OR_FOLLOWER -> "NOT_LEADER_OR_FOLLOWER";
            case UNKNOWN_SERVER_ERROR -> "UNKNOWN_SERVER_ERROR";
            default -> JournalStatus.describe(code);
        };
    }
}
