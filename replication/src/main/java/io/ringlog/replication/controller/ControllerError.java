package io.ringlog.replication.controller;

/**
 * Why the controller refused a command. Each name is the Kafka error of the same name, with its Kafka code, so the
 * broker turns it into the protocol's error without a table of its own.
 */
public enum ControllerError
{
    NONE(0),
    UNKNOWN_SERVER_ERROR(-1),
    UNKNOWN_TOPIC_OR_PARTITION(3),
    NOT_LEADER_OR_FOLLOWER(6),
    REQUEST_TIMED_OUT(7),
    INVALID_TOPIC_EXCEPTION(17),
    TOPIC_ALREADY_EXISTS(36),
    INVALID_PARTITIONS(37),
    INVALID_REPLICATION_FACTOR(38),
    INVALID_CONFIG(40),
    NOT_CONTROLLER(41),
    INVALID_REQUEST(42),
    TOPIC_DELETION_DISABLED(73),
    FENCED_LEADER_EPOCH(74),
    STALE_BROKER_EPOCH(77),
    ELIGIBLE_LEADERS_NOT_AVAILABLE(83),
    ELECTION_NOT_NEEDED(84),
    INVALID_UPDATE_VERSION(95),
    UNKNOWN_TOPIC_ID(100),
    DUPLICATE_BROKER_REGISTRATION(101),
    BROKER_ID_NOT_REGISTERED(102),
    INCONSISTENT_CLUSTER_ID(104),
    INELIGIBLE_REPLICA(107);

    private final short code;

    ControllerError(final int code)
    {
        this.code = (short)code;
    }

    /** Kafka's error code. */
    public short code()
    {
        return code;
    }

    public static ControllerError forCode(final short code)
    {
        for (final ControllerError e : values())
        {
            if (e.code == code)
            {
                return e;
            }
        }
        return UNKNOWN_SERVER_ERROR;
    }
}
