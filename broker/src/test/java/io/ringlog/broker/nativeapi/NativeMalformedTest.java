package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.ErrorResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.MetadataRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestEncoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input: counted, answered with ErrorResponse when the session can be told (by the id in the
 * message, or by the ingress image it came on), never a crash; the broker keeps serving.
 */
@Timeout(60)
class NativeMalformedTest
{
    @TempDir
    Path dir;

    @Test
    void badMessagesAreCountedAnsweredAndSurvived() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir);
            NativeTestClient client = broker.client();
            NativeTestClient stranger = broker.client())
        {
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "bad");
            final GatewayCounters counters = broker.counters();
            final MutableDirectBuffer out = new UnsafeBuffer(new byte[256]);
            final MessageHeaderEncoder header = new MessageHeaderEncoder();
            long malformed = 0;

            // 1. Shorter than a message header: known only by the ingress image it came on.
            client.send(out, 0, 5);
            assertError(client, -1, NativeErrors.MALFORMED_MESSAGE);
            assertEquals(++malformed, counters.malformedMessages.get());

            // 2. Another schema's message.
            header.wrap(out, 0).blockLength(8).templateId(3).schemaId(42).version(0);
            out.putLong(8, client.sessionId, ByteOrder.LITTLE_ENDIAN);
            client.send(out, 0, 16);
            assertError(client, -1, NativeErrors.MALFORMED_MESSAGE);
            assertEquals(++malformed, counters.malformedMessages.get());

            // 3. A template no broker takes: a future message, and a response sent as a request.
            header.wrap(out, 0).blockLength(8).templateId(999).schemaId(7701).version(1);
            client.send(out, 0, 16);
            assertError(client, -1, NativeErrors.UNKNOWN_MESSAGE);
            new ProduceResponseEncoder().wrapAndApplyHeader(out, 0, header).correlationId(77);
            client.send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + ProduceResponseEncoder.BLOCK_LENGTH);
            assertError(client, -1, NativeErrors.UNKNOWN_MESSAGE);
            malformed += 2;
            assertEquals(malformed, counters.malformedMessages.get());

            // 4. A var-length field that runs past the message: answered with the request's own correlation id.
            final MetadataRequestEncoder metadata = new MetadataRequestEncoder().wrapAndApplyHeader(out, 0, header)
                .sessionId(client.sessionId).correlationId(555).topic("abcde");
            final int metadataLength = MessageHeaderEncoder.ENCODED_LENGTH + metadata.encodedLength();
            out.putInt(MessageHeaderEncoder.ENCODED_LENGTH + MetadataRequestEncoder.BLOCK_LENGTH, 1_000_000,
                ByteOrder.LITTLE_ENDIAN);
            client.send(out, 0, metadataLength);
            assertError(client, 555, NativeErrors.MALFORMED_MESSAGE);
            // ...and a length with the top bit set (negative as an int).
            out.putInt(MessageHeaderEncoder.ENCODED_LENGTH + MetadataRequestEncoder.BLOCK_LENGTH, 0x8000_0001,
                ByteOrder.LITTLE_ENDIAN);
            client.send(out, 0, metadataLength);
            assertError(client, 555, NativeErrors.MALFORMED_MESSAGE);
            // ...and a group whose entries run past the message.
            final SyncGroupRequestEncoder sync = new SyncGroupRequestEncoder().wrapAndApplyHeader(out, 0, header)
                .sessionId(client.sessionId).correlationId(556).generationId(1);
            sync.assignmentsCount(1).next().memberId("m").putAssignment(new byte[] {1, 2, 3}, 0, 3);
            sync.groupId("g").memberId("m").protocolType("consumer").protocolName("range");
            final int syncLength = MessageHeaderEncoder.ENCODED_LENGTH + sync.encodedLength();
            out.putShort(MessageHeaderEncoder.ENCODED_LENGTH + SyncGroupRequestEncoder.BLOCK_LENGTH + 2, (short)500,
                ByteOrder.LITTLE_ENDIAN); // 500 entries claimed, one present
            client.send(out, 0, syncLength);
            assertError(client, 556, NativeErrors.MALFORMED_MESSAGE);
            malformed += 3;
            assertEquals(malformed, counters.malformedMessages.get());

            // 5. A block shorter than the template's.
            new ProduceRequestEncoder().wrapAndApplyHeader(out, 0, header).sessionId(client.sessionId).correlationId(557);
            header.blockLength(16);
            client.send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + 16);
            assertError(client, 557, NativeErrors.MALFORMED_MESSAGE);
            assertEquals(++malformed, counters.malformedMessages.get());

            // 6. A session id the broker never gave: UNKNOWN_SESSION on the image's session.
            final MetadataRequestEncoder unknown = new MetadataRequestEncoder().wrapAndApplyHeader(out, 0, header)
                .sessionId(client.sessionId + 1).correlationId(558).topic("bad");
            client.send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + unknown.encodedLength());
            assertError(client, 558, NativeErrors.UNKNOWN_SESSION, client.sessionId + 1);
            assertEquals(1, counters.unknownSessions.get());

            // 7. From a client with no session at all: counted, nothing to answer on.
            stranger.send(out, 0, 5);
            header.wrap(out, 0).blockLength(8).templateId(3).schemaId(1).version(0);
            stranger.send(out, 0, 16);
            malformed += 2;
            NativeTestClient.awaitCondition("the stranger's messages are counted",
                () -> counters.malformedMessages.get() == 10);
            assertEquals(malformed, counters.malformedMessages.get());

            // 8. A Connect whose response channel Aeron cannot use.
            stranger.sendConnect(1, 0, "tcp://nowhere:1", 9, "stranger");
            NativeTestClient.awaitCondition("the bad Connect is counted",
                () -> counters.malformedMessages.get() == 11);
            assertEquals(1, counters.sessionsOpen.get());

            // Still serving.
            assertEquals(NativeErrors.NONE, client.produce(topic, 0, 1, NativeTests.batch("after")).errorCode());
            assertTrue(broker.gateway().isRunning());
            assertEquals(1, NativeProduceTest.consumeAll(broker, "bad", 1).size());
        }
    }

    private static void assertError(final NativeTestClient client, final long correlationId, final short code)
    {
        assertError(client, correlationId, code, client.sessionId);
    }

    /** @param sessionId the session the error names: the client's, or for UNKNOWN_SESSION the id that was unknown. */
    private static void assertError(final NativeTestClient client, final long correlationId, final short code,
        final long sessionId)
    {
        final ErrorResponseDecoder e = client.await("ErrorResponse " + NativeErrors.name(code),
            m -> m.templateId() == ErrorResponseDecoder.TEMPLATE_ID).decode(new ErrorResponseDecoder()::wrapAndApplyHeader);
        assertEquals(code, e.errorCode(), e.message());
        assertEquals(correlationId, e.correlationId());
        assertEquals(sessionId, e.sessionId());
    }
}
