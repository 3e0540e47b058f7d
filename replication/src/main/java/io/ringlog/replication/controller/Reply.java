package io.ringlog.replication.controller;

/**
 * The answer to one command.
 *
 * @param error   {@link ControllerError#NONE} when it was applied (or would be, for validate-only).
 * @param message why it was refused, Kafka's wording where Kafka has one; empty on success.
 * @param value   the command's result: the broker epoch for a registration, the first id of a producer-id block,
 *                the new partition epoch for AlterPartition, the new leader for an election, the partition count
 *                for topic creation and growth; 0 otherwise.
 */
public record Reply(ControllerError error, String message, long value)
{
    public Reply
    {
        message = null == message ? "" : message;
    }

    public static Reply ok(final long value)
    {
        return new Reply(ControllerError.NONE, "", value);
    }

    public static Reply error(final ControllerError error, final String message)
    {
        return new Reply(error, message, 0);
    }

    public boolean isOk()
    {
        return ControllerError.NONE == error;
    }
}
