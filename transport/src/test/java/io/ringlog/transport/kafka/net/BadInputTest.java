package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input, over real sockets: the connection is closed (or answered), the counter
 * moves, and the listener still serves a new connection afterwards.
 */
@Timeout(30)
class BadInputTest
{
    private static final int MAX_REQUEST_BYTES = 1024;

    private final TestHandler handler = new TestHandler();
    private ListenerHarness harness;

    @BeforeEach
    void start()
    {
        final KafkaListenerContext ctx = ListenerHarness.context(handler)
            .socketRequestMaxBytes(MAX_REQUEST_BYTES)
            .queuedMaxRequestBytes(64 * 1024);
        harness = ListenerHarness.start(ctx);
    }

    @AfterEach
    void stop()
    {
        harness.close();
    }

    @Test
    void negativeLengthClosesTheConnection() throws IOException
    {
        assertClosedAndCounted(ByteBuffer.allocate(4).putInt(0, -5).array(), harness.counters()::badFrames);
    }

    @Test
    void zeroLengthClosesTheConnection() throws IOException
    {
        assertClosedAndCounted(new byte[4], harness.counters()::badFrames);
    }

    @Test
    void lengthOverSocketRequestMaxBytesClosesTheConnection() throws IOException
    {
        // Only the prefix is sent: the listener must refuse before reading or allocating the body.
        assertClosedAndCounted(ByteBuffer.allocate(4).putInt(0, MAX_REQUEST_BYTES + 1).array(),
            harness.counters()::badFrames);
        assertClosedAndCounted(ByteBuffer.allocate(4).putInt(0, Integer.MAX_VALUE).array(),
            harness.counters()::badFrames);
    }

    @Test
    void truncatedHeaderClosesTheConnection() throws IOException
    {
        // Three bytes cannot hold an api key and version.
        assertClosedAndCounted(new byte[]{ 0, 0, 0, 3, 0, 18, 0 }, harness.counters()::badFrames);
        // ApiVersions v3 uses header v2: correlation id, client id and tagged fields are missing.
        assertClosedAndCounted(new byte[]{ 0, 0, 0, 6, 0, 18, 0, 3, 0, 0 }, harness.counters()::badFrames);
        // A client id longer than the frame.
        assertClosedAndCounted(new byte[]{ 0, 0, 0, 10, 0, 3, 0, 1, 0, 0, 0, 1, 0, 50 },
            harness.counters()::badFrames);
    }

    @Test
    void garbageClosesTheConnection() throws IOException
    {
        // An HTTP request reads as a 1.2 GB length; a TLS ClientHello as 369 MB.
        assertClosedAndCounted("GET / HTTP/1.1\r\nHost: broker\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            harness.counters()::badFrames);
        assertClosedAndCounted(new byte[]{ 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte)0xfc, 0x03, 0x03 },
            harness.counters()::badFrames);
        // A plausible length followed by noise.
        final byte[] noise = new byte[20];
        ByteBuffer.wrap(noise).putInt(16).putLong(0x7f7f_1234_5678_9abcL).putLong(-1L);
        assertClosedAndCounted(noise, harness.counters()::badFrames);
    }

    @Test
    void unknownApiKeyClosesTheConnection() throws IOException
    {
        assertClosedAndCounted(frame(header((short)1000, (short)0)), harness.counters()::badFrames);
        // LeaderAndIsr's key exists in ApiKeys but kafka-clients 4.x has no version of it.
        assertClosedAndCounted(frame(header((short)4, (short)0)), harness.counters()::badFrames);
    }

    @Test
    void unsupportedApiVersionsVersionIsAnsweredInV0SoTheClientCanDowngrade() throws IOException
    {
        try (RawClient client = new RawClient(harness.port()))
        {
            client.send(frame(header(KafkaApis.API_VERSIONS, (short)99).setCorrelationId(31), new byte[]{ 1, 2, 3, 4 }));
            final ByteBuffer answer = client.readFrame();
            assertEquals(31, answer.getInt(0));
            answer.position(4);
            final ApiVersionsResponseData data = (ApiVersionsResponseData)KafkaMessages.parseResponse(
                KafkaApis.API_VERSIONS, (short)0, answer);
            assertEquals(KafkaApis.UNSUPPORTED_VERSION_ERROR, data.errorCode());
            assertEquals(List.of(KafkaApis.API_VERSIONS), data.apiKeys().stream().map(k -> k.apiKey()).toList());
            assertEquals(4, data.apiKeys().find(KafkaApis.API_VERSIONS).maxVersion());
            assertEquals(1, harness.counters().unsupportedVersions());

            // The client retries with a version the broker knows, on the same connection.
            assertTrue(client.isApiVersionsServed());
        }
        assertEquals(0, harness.counters().badFrames());
    }

    @Test
    void unsupportedVersionOfAnotherApiGetsThatApisErrorResponse() throws IOException
    {
        try (RawClient client = new RawClient(harness.port()))
        {
            // The broker's table stops Metadata at v8; kafka-clients can still write v12's error answer.
            client.send(KafkaMessages.serializeRequest(new MetadataRequestData().setTopics(
                List.of(new MetadataRequestData.MetadataRequestTopic().setName("orders"))), (short)12, 8, "c"));
            final ByteBuffer answer = client.readFrame();
            assertEquals(8, answer.getInt(0));
            answer.position(5); // header v1: correlation id and empty tagged fields
            final MetadataResponseData data = (MetadataResponseData)KafkaMessages.parseResponse(
                KafkaApis.METADATA, (short)12, answer);
            assertEquals(KafkaApis.UNSUPPORTED_VERSION_ERROR, data.topics().find("orders").errorCode());
            assertEquals(1, harness.counters().unsupportedVersions());
            assertTrue(client.isApiVersionsServed());
        }
    }

    @Test
    void unsupportedVersionThatCannotBeAnsweredClosesTheConnection() throws IOException
    {
        // Produce v2 was removed from kafka-clients 4.x: nothing can write its answer.
        assertClosedAndCounted(frame(header(KafkaApis.PRODUCE, (short)2), new byte[]{ -1, -1, 0, 1 }),
            harness.counters()::unsupportedVersions);
        // An unsupported version whose body does not parse is bad input.
        assertClosedAndCounted(frame(header(KafkaApis.METADATA, (short)12), new byte[]{ 9, 9, 9 }),
            harness.counters()::badFrames);
    }

    @Test
    void handlerFailureClosesOnlyThatConnection() throws IOException
    {
        final ByteBuffer request = KafkaMessages.serializeRequest(
            new MetadataRequestData(), (short)8, 1, "throw");
        final byte[] bytes = new byte[request.remaining()];
        request.get(bytes);
        assertClosedAndCounted(bytes, harness.counters()::handlerErrors);
    }

    private void assertClosedAndCounted(final byte[] bytes, final LongSupplier counter) throws IOException
    {
        final long before = counter.getAsLong();
        final long closedBefore = harness.counters().closedConnections();
        try (RawClient client = new RawClient(harness.port()))
        {
            client.send(bytes);
            Await.until("connection closed by the listener", client::isClosedByPeer);
        }
        Await.until("counter moved", () -> counter.getAsLong() == before + 1);
        Await.until("close counted", () -> harness.counters().closedConnections() >= closedBefore + 1);

        try (RawClient next = new RawClient(harness.port()))
        {
            assertTrue(next.isApiVersionsServed(), "listener serves a new connection");
        }
    }

    private static RequestHeaderData header(final short apiKey, final short version)
    {
        return new RequestHeaderData().setRequestApiKey(apiKey).setRequestApiVersion(version)
            .setCorrelationId(5).setClientId("bad");
    }

    private static byte[] frame(final RequestHeaderData header, final byte[]... body)
    {
        final short headerVersion = (short)Math.max(1, KafkaApis.requestHeaderVersion(
            header.requestApiKey(), header.requestApiVersion()));
        final ByteBuffer encoded = MessageUtil.toByteBufferAccessor(header, headerVersion).buffer();
        int bodyLength = 0;
        for (final byte[] part : body)
        {
            bodyLength += part.length;
        }
        final ByteBuffer frame = ByteBuffer.allocate(4 + encoded.remaining() + bodyLength);
        frame.putInt(encoded.remaining() + bodyLength).put(encoded);
        for (final byte[] part : body)
        {
            frame.put(part);
        }
        return frame.array();
    }
}
