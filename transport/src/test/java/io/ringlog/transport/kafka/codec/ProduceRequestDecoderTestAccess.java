package io.ringlog.transport.kafka.codec;

import io.ringlog.transport.kafka.protocol.KafkaMessages;

import java.nio.ByteBuffer;

/**
 * Produce request frames built by the generated classes, for tests in other packages.
 */
public final class ProduceRequestDecoderTestAccess
{
    private ProduceRequestDecoderTestAccess()
    {
    }

    /**
     * @param version Produce version.
     * @return a whole frame (length prefix, header, body) with one topic and real records.
     */
    public static byte[] produceFrame(final short version)
    {
        final ByteBuffer frame = KafkaMessages.serializeRequest(
            ProduceRequestDecoderTest.request(version, null, (short)1, 1), version, 1, "producer");
        final byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        return bytes;
    }
}
