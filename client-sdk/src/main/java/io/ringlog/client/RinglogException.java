package io.ringlog.client;

import io.ringlog.transport.nativeproto.NativeErrors;

/**
 * A control-path call failed: the broker answered with an error, or no answer came before the deadline, or the
 * session was lost while waiting. The code is a {@link NativeErrors} value (Kafka's number where Kafka has one) and
 * the message starts with its name, so a log line says what happened without a table.
 * <p>
 * The hot path (send, poll) never throws this for flow control: it returns codes.
 */
public class RinglogException extends RuntimeException
{
    private final short errorCode;

    public RinglogException(final short errorCode, final String message)
    {
        super(NativeErrors.name(errorCode) + ": " + message);
        this.errorCode = errorCode;
    }

    public RinglogException(final short errorCode, final String message, final Throwable cause)
    {
        super(NativeErrors.name(errorCode) + ": " + message, cause);
        this.errorCode = errorCode;
    }

    /**
     * For a condition {@link NativeErrors} has no name for: the message starts with {@code name} instead.
     */
    protected RinglogException(final short errorCode, final String name, final String message, final Throwable cause)
    {
        super(name + ": " + message, cause);
        this.errorCode = errorCode;
    }

    /** The {@link NativeErrors} code. */
    public short errorCode()
    {
        return errorCode;
    }

    /** The code's name, e.g. {@code REQUEST_TIMED_OUT}. */
    public String errorName()
    {
        return NativeErrors.name(errorCode);
    }

    /** Whether the same call may succeed if made again (Kafka's retriable errors, and a lost session). */
    public boolean isRetriable()
    {
        return NativeErrors.isRetriable(errorCode) || errorCode == NativeErrors.UNKNOWN_SESSION ||
            errorCode == NativeErrors.SESSION_CLOSED;
    }
}
