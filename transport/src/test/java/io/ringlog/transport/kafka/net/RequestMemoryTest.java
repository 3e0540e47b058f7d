package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * queued.max.request.bytes: a connection whose next request does not fit in the pool stops
 * reading, and resumes when a request held by the handler is completed and its memory freed.
 */
@Timeout(30)
class RequestMemoryTest
{
    /** One request of about 3 KB takes a 4 KiB buffer: the whole pool. */
    private static final long POOL_BYTES = 4096;

    @Test
    void exhaustedPoolMutesReadingUntilMemoryIsFreed() throws Exception
    {
        final TestHandler handler = new TestHandler();
        final KafkaListenerContext ctx = ListenerHarness.context(handler).queuedMaxRequestBytes(POOL_BYTES);
        try (ListenerHarness harness = ListenerHarness.start(ctx);
            RawClient a = new RawClient(harness.port());
            RawClient b = new RawClient(harness.port()))
        {
            final ByteBuffer big = largeMetadataRequest(1);
            assertTrue(big.remaining() > 2048 && big.remaining() <= POOL_BYTES, "size " + big.remaining());

            a.send(big);
            final KafkaRequest first = handler.takeHeld();
            assertEquals(1, first.correlationId());

            b.send(largeMetadataRequest(2));
            Await.until("b waits for memory", () -> harness.counters().memoryWaits() == 1);
            assertNull(handler.pollHeld(), "b's request must not be read while the pool is full");
            assertEquals(1, harness.counters().requests());

            assertEquals(KafkaRequest.ACCEPTED, first.respond(OrderingTest.metadataResponse(first)));
            assertEquals(1, OrderingTest.correlationIdOf(a.readFrame()));

            final KafkaRequest second = handler.takeHeld();
            assertEquals(2, second.correlationId());
            assertEquals(KafkaRequest.ACCEPTED, second.respond(OrderingTest.metadataResponse(second)));
            assertEquals(2, OrderingTest.correlationIdOf(b.readFrame()));
        }
    }

    @Test
    void frameLargerThanThePoolIsRefusedNotWaitedFor() throws Exception
    {
        final TestHandler handler = new TestHandler();
        final KafkaListenerContext ctx = ListenerHarness.context(handler).queuedMaxRequestBytes(1024);
        try (ListenerHarness harness = ListenerHarness.start(ctx);
            RawClient client = new RawClient(harness.port()))
        {
            client.send(largeMetadataRequest(3));
            Await.until("connection closed", client::isClosedByPeer);
            assertEquals(1, harness.counters().badFrames());
            assertEquals(0, harness.counters().memoryWaits());
        }
    }

    private static ByteBuffer largeMetadataRequest(final int correlationId)
    {
        final List<MetadataRequestTopic> topics = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            topics.add(new MetadataRequestTopic().setName("a-rather-long-topic-name-" + i));
        }
        return KafkaMessages.serializeRequest(
            new MetadataRequestData().setTopics(topics), (short)8, correlationId, "memory");
    }
}
