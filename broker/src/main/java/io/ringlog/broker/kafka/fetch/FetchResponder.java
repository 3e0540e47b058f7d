package io.ringlog.broker.kafka.fetch;

import io.ringlog.transport.kafka.codec.FetchResponseEncoder;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaResponse;

/**
 * Writes a Fetch answer: the header and every field around the records through the {@link FetchResponseEncoder},
 * and each partition's records as a file region of its journal segment, sent with {@code transferTo} (sendfile)
 * by the listener. Nothing of the records passes through the heap.
 * <p>
 * Not thread-safe: one per thread that answers fetches (the selector, each fetch-waiters thread).
 */
final class FetchResponder
{
    private static final int BYTES_PER_TOPIC = 48;
    private static final int BYTES_PER_PARTITION = 80;

    private final FetchResponseEncoder encoder = new FetchResponseEncoder();

    /**
     * Answer with what {@link PendingFetch#readAll()} found.
     *
     * @return {@link KafkaRequest#ACCEPTED}, or {@link KafkaRequest#BACK_PRESSURED} when the listener's completion
     * queue is full (call again later), or {@link KafkaRequest#LISTENER_CLOSED}.
     */
    int respond(final PendingFetch fetch)
    {
        final int capacity = 64 + fetch.topicCount() * BYTES_PER_TOPIC + fetch.partitionCount() * BYTES_PER_PARTITION +
            nameBytes(fetch);
        final KafkaResponse response = new KafkaResponse(capacity).releaseHandler(fetch); // metrics, on release
        encoder.wrap(response.buffer(), 0, fetch.version, fetch.correlationId, 0, fetch.topLevelError, 0, fetch.topicCount());
        final int[] at = new int[fetch.partitionCount()];
        for (int t = 0; t < fetch.topicCount(); t++)
        {
            if (fetch.version >= FetchResponseEncoder.FIRST_TOPIC_ID_VERSION)
            {
                encoder.topic(fetch.topicIdMsb[t], fetch.topicIdLsb[t]);
            }
            else
            {
                encoder.topic(fetch.topicNames[t]);
            }
            final int from = fetch.topicStart[t];
            final int to = fetch.topicStart[t + 1];
            encoder.partitionCount(to - from);
            for (int i = from; i < to; i++)
            {
                final long hw = fetch.partitions[i] == null ? -1 : fetch.highWatermarks[i];
                final long logStart = fetch.partitions[i] == null ? -1 : fetch.logStartOffsets[i];
                at[i] = encoder.partition(
                    fetch.partitionIndexes[i], fetch.errors[i], hw, hw, logStart, -1, fetch.lengths[i]);
            }
        }
        final int headerBytes = encoder.finish();
        response.length(headerBytes);
        for (int i = 0; i < fetch.partitionCount(); i++)
        {
            if (fetch.lengths[i] > 0)
            {
                response.addFileRegion(at[i], fetch.slices[i].channel(), fetch.slices[i].filePosition(), fetch.lengths[i]);
            }
        }
        return fetch.request.respond(response);
    }

    private static int nameBytes(final PendingFetch fetch)
    {
        int bytes = 0;
        for (final String name : fetch.topicNames)
        {
            bytes += name == null ? 0 : name.length() * 3;
        }
        return bytes;
    }
}
