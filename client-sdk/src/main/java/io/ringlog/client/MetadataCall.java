package io.ringlog.client;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseDecoder;
import org.agrona.DirectBuffer;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Consumer;

/** Decodes a {@code MetadataResponse} into a {@link TopicMetadata}. Cold path: allocates the result. */
final class MetadataCall extends SyncCall
{
    private final MetadataResponseDecoder decoder = new MetadataResponseDecoder();
    private final String topic;
    private final Consumer<TopicMetadata> onResult;
    private TopicMetadata result;

    /**
     * @param onResult told of a successful answer (the cache's put), or null.
     */
    MetadataCall(final String topic, final Consumer<TopicMetadata> onResult)
    {
        this.topic = topic;
        this.onResult = onResult;
    }

    TopicMetadata result()
    {
        return result;
    }

    @Override
    protected short decode(
        final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
    {
        if (templateId != MetadataResponseDecoder.TEMPLATE_ID)
        {
            return NativeErrors.MALFORMED_MESSAGE;
        }
        final MetadataResponseDecoder d = decoder.wrap(buffer, offset, blockLength, version);
        final short errorCode = d.errorCode();
        final long msb = d.topicIdMsb();
        final long lsb = d.topicIdLsb();
        final MetadataResponseDecoder.PartitionsDecoder group = d.partitions();
        final PartitionMetadata[] partitions = new PartitionMetadata[group.count()];
        int i = 0;
        for (final MetadataResponseDecoder.PartitionsDecoder p : group)
        {
            partitions[i++] = new PartitionMetadata(p.partition(), p.leaderId(), p.leaderEpoch(),
                p.highWatermarkCounterId(), p.segmentBaseCounterId(), p.logDir());
        }
        final String name = d.topic();
        if (errorCode != NativeErrors.NONE)
        {
            return errorCode;
        }
        Arrays.sort(partitions, Comparator.comparingInt(PartitionMetadata::partition));
        try
        {
            result = new TopicMetadata(name.isEmpty() ? topic : name, msb, lsb, partitions);
        }
        catch (final IllegalArgumentException ex)
        {
            return NativeErrors.MALFORMED_MESSAGE;
        }
        if (null != onResult)
        {
            onResult.accept(result);
        }
        return NativeErrors.NONE;
    }
}
