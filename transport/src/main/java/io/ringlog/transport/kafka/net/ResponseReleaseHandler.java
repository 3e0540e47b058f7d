package io.ringlog.transport.kafka.net;

/**
 * Told when the listener is done with a {@link KafkaResponse}: it has been sent in full, or
 * dropped because its connection closed. The owner may then reuse the response and release
 * whatever its file regions hold (a segment reference, so retention may delete the file).
 * <p>
 * <b>Thread:</b> called on the listener's selector thread; it must be quick and must not block.
 */
@FunctionalInterface
public interface ResponseReleaseHandler
{
    /**
     * @param response the response, no longer used by the listener.
     * @param sent     true if every byte went to the socket, false if it was dropped.
     */
    void onResponseReleased(KafkaResponse response, boolean sent);
}
