package io.ringlog.client.consumer;

/** Told of each partition's asynchronous commit outcome, on the client's thread from inside a poll. */
@FunctionalInterface
public interface OffsetCommitCallback
{
    /**
     * @param offset    the offset committed (the next one the group will read).
     * @param errorCode {@code NativeErrors.NONE} on success.
     */
    void onComplete(String topic, int partition, long offset, short errorCode);
}
