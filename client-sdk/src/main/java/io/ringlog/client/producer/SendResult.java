package io.ringlog.client.producer;

/**
 * What {@link RinglogProducer#send} returns: the record was taken ({@link #OK}) or, with a negative code, it was not
 * and nothing about the producer changed. As Aeron's {@code Publication.offer}, each code says what to do next.
 */
public final class SendResult
{
    /** Taken: it will be sent and its completion handler called once. */
    public static final int OK = 0;

    /**
     * No room: the partition already has {@code 2 * max.in.flight.requests.per.connection} batches waiting or in
     * flight, or {@code buffer.memory} is all in use. Poll the client (acknowledgements free room) and send again.
     */
    public static final int BACK_PRESSURED = -1;

    /**
     * No session with the broker right now (it is being re-established). Poll the client and send again. Records
     * already taken are kept and sent once the session is back.
     */
    public static final int NOT_CONNECTED = -2;

    /** The record cannot fit in one batch of {@code batch.size} bytes: raise {@code batch.size}. Never retry as is. */
    public static final int RECORD_TOO_LARGE = -3;

    /** The partition is not one of the topic's (negative, or at least the partition count). Never retry as is. */
    public static final int UNKNOWN_PARTITION = -4;

    /** The producer or its client is closed. */
    public static final int CLOSED = -5;

    private SendResult()
    {
    }

    public static String name(final int code)
    {
        return switch (code)
        {
            case OK -> "OK";
            case BACK_PRESSURED -> "BACK_PRESSURED";
            case NOT_CONNECTED -> "NOT_CONNECTED";
            case RECORD_TOO_LARGE -> "RECORD_TOO_LARGE";
            case UNKNOWN_PARTITION -> "UNKNOWN_PARTITION";
            case CLOSED -> "CLOSED";
            default -> "SEND_RESULT_" + code;
        };
    }
}
