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

    /**
     * The handler's own work on the selector thread, once per duty cycle: answers other threads left for it to
     * encode (a ring of completions it drains with a cap), requests it held back for room and can now dispatch. Must
     * not block, and should allocate nothing per record. If it throws, the listener counts a handler error and goes
     * on.
     *
     * @return how much work was done, 0 for none (the listener may then block in {@code select}).
     */
    default int doWork()
    {
        return 0;
    }

    /**
     * Whether {@link #doWork} has something to do now: checked after the listener announced that it is about to
     * block in {@code select}, so a thread that leaves work and then calls {@link KafkaListener#wakeUp} is never
     * missed. Any cheap check of a volatile position; selector thread.
     */
    default boolean hasPendingWork()
    {
        return false;
    }

    /**
     * Whether the handler holds a request back until there is room for it (a full ring): the connection reads
     * nothing more meanwhile, which is the push-back, and the listener blocks in {@code select} for at most a
     * millisecond so that {@link #doWork} retries it promptly. Selector thread.
     */
    default boolean hasRequestsHeldBack()
    {
        return false;
    }
}
