package io.ringlog.client.producer;

import io.ringlog.client.TopicMetadata;

/**
 * A topic the producer sends to: its id and one {@link PartitionQueue} per partition, created once by
 * {@link RinglogProducer#topic(String)} and then used by every send, so a send does no look-up by name. The
 * partition count is the one metadata gave when the topic was first used.
 * <p>
 * Owned by the client's thread.
 */
public final class ProducerTopic
{
    private final String name;
    private final long topicIdMsb;
    private final long topicIdLsb;
    final PartitionQueue[] queues;

    ProducerTopic(final TopicMetadata metadata, final int ringCapacity)
    {
        this.name = metadata.name();
        this.topicIdMsb = metadata.topicIdMsb();
        this.topicIdLsb = metadata.topicIdLsb();
        this.queues = new PartitionQueue[metadata.partitionCount()];
        for (int p = 0; p < queues.length; p++)
        {
            queues[p] = new PartitionQueue(this, p, ringCapacity);
        }
    }

    public String name()
    {
        return name;
    }

    public long topicIdMsb()
    {
        return topicIdMsb;
    }

    public long topicIdLsb()
    {
        return topicIdLsb;
    }

    public int partitionCount()
    {
        return queues.length;
    }

    @Override
    public String toString()
    {
        return "ProducerTopic{" + name + ", partitions=" + queues.length + '}';
    }
}
