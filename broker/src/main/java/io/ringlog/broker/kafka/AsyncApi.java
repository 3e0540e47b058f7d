package io.ringlog.broker.kafka;

import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A Kafka API whose answer may come later, from another thread: a JoinGroup that waits for the rest of the group,
 * a SyncGroup that waits for the leader's assignment, an OffsetCommit that waits for its record to be appended.
 * {@link #handle} is called on the selector thread and must not block; it hands the request to whoever owns the
 * state (the group coordinator's thread) and returns.
 */
@FunctionalInterface
public interface AsyncApi
{
    /**
     * @param request  the decoded request.
     * @param response called exactly once, from any thread, with the response data.
     */
    void handle(ColdPathApi.ApiRequest request, ResponseSink response);

    /** Where an asynchronous answer goes. Thread-safe; call {@link #send} exactly once. */
    @FunctionalInterface
    interface ResponseSink
    {
        void send(ApiMessage response);
    }
}
