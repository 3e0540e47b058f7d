package io.ringlog.transport.kafka.net;

/**
 * What a broker plugs into a {@link KafkaListener}: it receives each request whose api key and
 * version the broker's table supports, and completes it exactly once, on any thread, with
 * {@link KafkaRequest#respond}, {@link KafkaRequest#noResponse} or {@link KafkaRequest#closeConnection}.
 * <p>
 * The listener reads nothing more from a connection until its request is completed (and the
 * response sent), so answers go out in request order and a handler sees at most one request per
 * connection at a time.
 * <p>
 * <b>Thread:</b> every method is called on the listener's selector thread. They must not block:
 * a request that waits (acks=all, a long-poll fetch) is completed later from another thread.
 */
public interface KafkaRequestHandler
{
    /**
     * A request arrived. The request object, and the memory of its body, are the handler's until
     * it completes the request. If this method throws, the listener counts it, closes the
     * connection and treats the request as completed.
     *
     * @param request header fields, body and completion handle.
     */
    void onRequest(KafkaRequest request);

    /**
     * The listener took a request's completion (a response about to be written, no response, or a close), from
     * whichever thread completed it; {@link KafkaRequest#apiKey()} and {@link KafkaRequest#receivedNanos()} are
     * still valid during the call. One call per completed request, on the selector thread, so whatever it records
     * has a single writer: request latency, for one. It runs once per request on the selector, so it must be a
     * few nanoseconds and allocate nothing. If it throws, the listener counts a handler error and goes on.
     *
     * @param request the completed request; not to be kept.
     */
    default void onRequestCompleted(final KafkaRequest request)
    {
    }

    /**
     * A connection was accepted.
     *
     * @param connectionId  unique within the listener.
     * @param remoteAddress the peer, as text.
     */
    default void onConnectionOpened(final long connectionId, final String remoteAddress)
    {
    }

    /**
     * A connection was closed. A request still in flight on it may be completed as usual; its
     * response is then dropped.
     *
     * @param connectionId the connection.
     */
    default void onConnectionClosed(final long connectionId)
    {
    }
}
