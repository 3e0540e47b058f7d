package io.ringlog.client;

import io.aeron.logbuffer.ControlledFragmentHandler;
import org.agrona.DirectBuffer;

/**
 * A part of the client driven by its duty cycle and fed by its egress: the producer and the consumer. This is the
 * SDK's internal contract, public only because they live in their own packages; applications do not implement it.
 * Every method is called on the client's thread.
 */
public interface ClientComponent
{
    /** One turn of the component's own work (timers, sends). @return work done, 0 when idle. */
    int doWork(long nowMs);

    /** A session with one broker opened; {@code reconnected} when it replaces a lost one of that connection. */
    void onSessionOpened(BrokerConnection connection, boolean reconnected);

    /**
     * A broker's session was lost: nothing in flight on it will be answered.
     *
     * @param controlConnection whether it carried the control calls (metadata, groups, offsets): those failed.
     */
    void onSessionLost(BrokerConnection connection, boolean controlConnection, String reason);

    /**
     * An egress message neither the session nor a control call consumed.
     *
     * @param templateId  from the SBE header.
     * @param buffer      holding the message.
     * @param offset      of the SBE header.
     * @param length      of the whole message.
     * @param blockLength from the header.
     * @param version     from the header.
     * @return null when the message is not this component's; else {@code CONTINUE}, or {@code ABORT} to see it again
     * on a later poll (its bounded buffer is full: back-pressure to the broker).
     */
    ControlledFragmentHandler.Action onMessage(
        int templateId, DirectBuffer buffer, int offset, int length, int blockLength, int version);

    /** An {@code ErrorResponse} no control call claimed. @return true when the correlation id was this component's. */
    boolean onError(long correlationId, short errorCode, String message);

    /** The client is closing. */
    void onClose();
}
