package io.ringlog.client;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.BrokersResponseDecoder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.function.Consumer;

/** Decodes a {@code BrokersResponse} into node id -> native ingress channel. Cold path: allocates the result. */
final class BrokersCall extends SyncCall
{
    private final BrokersResponseDecoder decoder = new BrokersResponseDecoder();
    private final Consumer<Int2ObjectHashMap<String>> onResult;

    BrokersCall(final Consumer<Int2ObjectHashMap<String>> onResult)
    {
        this.onResult = onResult;
    }

    @Override
    protected short decode(
        final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
    {
        if (templateId != BrokersResponseDecoder.TEMPLATE_ID)
        {
            return NativeErrors.MALFORMED_MESSAGE;
        }
        final BrokersResponseDecoder d = decoder.wrap(buffer, offset, blockLength, version);
        final short errorCode = d.errorCode();
        final Int2ObjectHashMap<String> channels = new Int2ObjectHashMap<>();
        for (final BrokersResponseDecoder.BrokersDecoder b : d.brokers())
        {
            final int nodeId = b.nodeId();
            final String channel = b.ingressChannel();
            if (!channel.isEmpty())
            {
                channels.put(nodeId, channel);
            }
        }
        if (errorCode == NativeErrors.NONE)
        {
            onResult.accept(channels);
        }
        return errorCode;
    }
}
