package io.ringlog.broker.nativeapi;

import io.aeron.ExclusivePublication;

import java.util.ArrayList;
import java.util.List;

/**
 * One client session: who it is, where its answers go (an exclusive publication on the client's response channel
 * and stream), when it was last heard from, and its subscriptions. Gateway thread only.
 */
final class NativeSession
{
    enum State
    {
        /** The egress publication is being added (asynchronously, by the driver). */
        ADDING_PUBLICATION,
        /** The publication exists; waiting for the client's subscription to connect, then SessionOpened. */
        AWAITING_CONNECTION,
        /** SessionOpened sent: requests are served. */
        OPEN,
        /** Refused (too many sessions): an ErrorResponse is sent once connected, then it closes. */
        REFUSING,
        /** Closed: expired, closed by the client, or its egress failed. Answers still due to it are dropped. */
        CLOSED
    }

    final long sessionId;
    final long connectCorrelationId;
    final String clientId;
    final String responseChannel;
    final int responseStreamId;
    final int ingressAeronSessionId;
    final List<NativeSubscription> subscriptions = new ArrayList<>();
    State state = State.ADDING_PUBLICATION;
    long registrationId = -1;
    ExclusivePublication publication;
    long lastHeardMs;
    long connectDeadlineMs;
    short refusal;
    int producesInFlight;
    /** The egress publication answered CLOSED or MAX_POSITION_EXCEEDED: the session closes next duty cycle. */
    boolean egressFailed;

    NativeSession(
        final long sessionId,
        final long connectCorrelationId,
        final String clientId,
        final String responseChannel,
        final int responseStreamId,
        final int ingressAeronSessionId,
        final long nowMs,
        final long connectDeadlineMs)
    {
        this.sessionId = sessionId;
        this.connectCorrelationId = connectCorrelationId;
        this.clientId = clientId;
        this.responseChannel = responseChannel;
        this.responseStreamId = responseStreamId;
        this.ingressAeronSessionId = ingressAeronSessionId;
        this.lastHeardMs = nowMs;
        this.connectDeadlineMs = connectDeadlineMs;
    }

    boolean isOpen()
    {
        return state == State.OPEN;
    }

    @Override
    public String toString()
    {
        return "session " + sessionId + " (" + clientId + ", " + responseChannel + " stream " + responseStreamId + ")";
    }
}
