package io.ringlog.transport.kafka.protocol;

/**
 * A Kafka message could not be read or written at the version asked for. Thrown on the control
 * path only; the broker answers it by closing the connection, as Kafka does for a request it
 * cannot parse.
 */
public class MalformedMessageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(final String message)
    {
        super(message);
    }

    public MalformedMessageException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
