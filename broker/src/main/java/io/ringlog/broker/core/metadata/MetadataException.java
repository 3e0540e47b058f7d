package io.ringlog.broker.core.metadata;

/**
 * A metadata change the controller refuses, with the reason clients know it by. Control path: thrown by the
 * controller, turned into the matching Kafka error code by the request handlers.
 */
public final class MetadataException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Why a change was refused; each becomes the Kafka error of the same name. */
    public enum Reason
    {
        TOPIC_ALREADY_EXISTS,
        UNKNOWN_TOPIC_OR_PARTITION,
        INVALID_TOPIC_EXCEPTION,
        INVALID_PARTITIONS,
        INVALID_REPLICATION_FACTOR,
        INVALID_CONFIG,
        TOPIC_DELETION_DISABLED,
        INVALID_REQUEST,
        KAFKA_STORAGE_ERROR,
        /** The controller quorum did not answer in time (no quorum leader, or a failover under way): retriable. */
        REQUEST_TIMED_OUT,
        /** The quorum has no active controller to take the change: retriable. */
        NOT_CONTROLLER,
        /** The controller failed the change for a reason it could not name. */
        UNKNOWN_SERVER_ERROR
    }

    private final Reason reason;

    public MetadataException(final Reason reason, final String message)
    {
        super(message);
        this.reason = reason;
    }

    public MetadataException(final Reason reason, final String message, final Throwable cause)
    {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason()
    {
        return reason;
    }
}
