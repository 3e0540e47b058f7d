package io.ringlog.client.producer;

/**
 * Told once per record sent, on the client's thread from inside {@code poll()}, when the broker acknowledged its
 * batch (at the producer's {@code acks}) or the record failed for good. Records of one partition complete in the
 * order they were sent. It must not block, nor call a synchronous method ({@code sendSync}, {@code flush}): it runs
 * inside the client's duty cycle. An exception it throws is reported to the client's error handler.
 */
@FunctionalInterface
public interface SendCompletionHandler
{
    /**
     * @param topic     the topic (the producer's String instance, not a copy).
     * @param partition the partition the record went to.
     * @param offset    the record's offset; -1 when failed, or with acks=0 (the broker does not answer).
     * @param errorCode {@code NativeErrors.NONE} on success, else the error (Kafka's number where Kafka has one).
     * @param token     the value passed to {@code send}, to tie the completion to the caller's record.
     */
    void onComplete(String topic, int partition, long offset, short errorCode, long token);
}
