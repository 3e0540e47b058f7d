package io.ringlog.client.consumer;

import io.ringlog.client.RinglogException;
import io.ringlog.client.TopicMetadata;

/**
 * One assigned partition as the consumer sees it: where the application is (its position: the next offset to
 * deliver), which broker subscription currently feeds it, and what is next to do for it.
 *
 * <pre>
 *   NEEDS_POSITION --(group: OffsetFetch)--> FETCHING_COMMITTED --> NEEDS_SUBSCRIBE --> SUBSCRIBING --> STREAMING
 *        no committed offset, or no group: auto.offset.reset -------^        ^                              |
 *                                     seek, reconnect, retriable end --------+------------------------------+
 * </pre>
 * A RecordsMessage counts only when it carries the current subscription id, so records of a replaced subscription
 * (after a seek or a reconnect) are dropped, never delivered twice or out of order.
 * <p>
 * Owned by the client's thread.
 */
final class PartitionStream
{
    static final int NEEDS_POSITION = 0;
    static final int FETCHING_COMMITTED = 1;
    static final int NEEDS_SUBSCRIBE = 2;
    static final int SUBSCRIBING = 3;
    static final int STREAMING = 4;
    static final int FAILED = 5;

    /** No position yet: the next subscription starts from {@link #resetTo}. */
    static final long UNKNOWN = -1;

    final String topic;
    final int partition;
    TopicMetadata metadata;
    int state = NEEDS_POSITION;
    long position = UNKNOWN;
    long resetTo;
    long subscriptionId;
    long retryAtMs;
    long highWatermark = -1;
    long logStartOffset = -1;
    long lastCommitted = -1;
    int leaderEpoch = -1;
    /** The leader's connection the current subscription was sent on, and the routing version it was looked up at. */
    io.ringlog.client.BrokerConnection connection;
    int routingVersion = -1;
    RinglogException failure;
    private RinglogConsumer.CommitListener commitListener;

    PartitionStream(final TopicMetadata metadata, final int partition, final long resetTo)
    {
        this.metadata = metadata;
        this.topic = metadata.name();
        this.partition = partition;
        this.resetTo = resetTo;
    }

    RinglogConsumer.CommitListener commitListener()
    {
        if (null == commitListener)
        {
            commitListener = new RinglogConsumer.CommitListener(this);
        }
        return commitListener;
    }

    @Override
    public String toString()
    {
        return topic + "-" + partition + "{state=" + state + ", position=" + position + ", subscription=" +
            subscriptionId + '}';
    }
}
