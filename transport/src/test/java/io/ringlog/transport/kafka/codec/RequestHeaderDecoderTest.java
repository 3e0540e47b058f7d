package io.ringlog.transport.kafka.codec;

import io.ringlog.transport.kafka.protocol.KafkaApis;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(30)
class RequestHeaderDecoderTest
{
    private final RequestHeaderDecoder decoder = new RequestHeaderDecoder();

    @Test
    void decodesEveryHeaderKafkaClientsWrites()
    {
        for (final ApiKeys key : ApiKeys.values())
        {
            if (!key.hasValidVersion())
            {
                continue;
            }
            for (short version = key.oldestVersion(); version <= key.latestVersion(true); version++)
            {
                final short headerVersion = key.requestHeaderVersion(version);
                assertEquals(headerVersion, KafkaApis.requestHeaderVersion(key.id, version), key + " v" + version);
                for (final String clientId : new String[]{ null, "", "producer-1-ü" })
                {
                    final RequestHeaderData header = new RequestHeaderData()
                        .setRequestApiKey(key.id).setRequestApiVersion(version)
                        .setCorrelationId(version * 1000 + key.id).setClientId(clientId);
                    if (headerVersion >= 2)
                    {
                        header.unknownTaggedFields().add(new RawTaggedField(5, new byte[]{ 1, 2 }));
                    }
                    final ByteBuffer encoded = MessageUtil.toByteBufferAccessor(header, headerVersion).buffer();
                    final int length = encoded.remaining();
                    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length + 3]);
                    buffer.putBytes(0, encoded, encoded.position(), length);
                    buffer.putBytes(length, new byte[]{ 7, 7, 7 });

                    assertEquals(key.id, RequestHeaderDecoder.peekApiKey(buffer, 0));
                    assertEquals(version, RequestHeaderDecoder.peekApiVersion(buffer, 0));
                    assertEquals(RequestHeaderDecoder.OK, decoder.decode(buffer, 0, length + 3, headerVersion));
                    assertEquals(key.id, decoder.apiKey());
                    assertEquals(version, decoder.apiVersion());
                    assertEquals(header.correlationId(), decoder.correlationId());
                    assertEquals(length, decoder.encodedLength(), key + " v" + version);
                    if (null == clientId)
                    {
                        assertEquals(-1, decoder.clientIdLength());
                    }
                    else
                    {
                        assertEquals(clientId, buffer.getStringWithoutLengthUtf8(
                            decoder.clientIdOffset(), decoder.clientIdLength()));
                    }
                }
            }
        }
    }

    @Test
    void truncatedHeadersAreMalformed()
    {
        final RequestHeaderData header = new RequestHeaderData()
            .setRequestApiKey((short)3).setRequestApiVersion((short)12).setCorrelationId(1).setClientId("abc");
        final ByteBuffer encoded = MessageUtil.toByteBufferAccessor(header, (short)2).buffer();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[encoded.remaining()]);
        buffer.putBytes(0, encoded, encoded.position(), encoded.remaining());
        for (int cut = 0; cut < buffer.capacity(); cut++)
        {
            assertEquals(RequestHeaderDecoder.MALFORMED, decoder.decode(buffer, 0, cut, 2), "cut " + cut);
        }
        assertEquals(RequestHeaderDecoder.UNKNOWN_HEADER_VERSION, decoder.decode(buffer, 0, buffer.capacity(), 3));

        final UnsafeBuffer lying = new UnsafeBuffer("xxxxyyyy\u0000\u0040abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(RequestHeaderDecoder.MALFORMED, decoder.decode(lying, 0, lying.capacity(), 1));
    }
}
