package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.codec.ProduceRequestDecoder;
import io.ringlog.transport.kafka.codec.ProduceRequestDecoderTestAccess;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import org.agrona.concurrent.AgentRunner;
import org.apache.kafka.common.message.ProduceResponseData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The selector thread allocates nothing per request in steady state: read, header decode,
 * dispatch, Produce flyweight, synchronous completion and send of a reused response.
 */
@Timeout(60)
class SelectorGarbageTest
{
    private static final int WARM_UP = 5_000;
    private static final int MEASURED = 20_000;

    @Test
    void requestResponseCycleAllocatesNothingOnTheSelectorThread() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final short version = 9;
        final KafkaResponse response = new KafkaResponse(256);
        final ByteBuffer frame = KafkaMessages.serializeResponse(new ProduceResponseData(), version, 0);
        response.buffer().putBytes(0, frame, 0, frame.remaining());
        response.length(frame.remaining());
        final ProduceRequestDecoder decoder = new ProduceRequestDecoder();
        final long[] recordsBytes = new long[1];

        final KafkaRequestHandler handler = request ->
        {
            if (decoder.wrap(request.buffer(), request.bodyOffset(), request.bodyLength(), request.apiVersion()) ==
                ProduceRequestDecoder.OK)
            {
                while (decoder.nextTopic())
                {
                    while (decoder.nextPartition())
                    {
                        recordsBytes[0] += decoder.recordsLength();
                    }
                }
            }
            response.buffer().putInt(4, request.correlationId(), ByteOrder.BIG_ENDIAN);
            request.respond(response);
        };
        final KafkaListenerContext ctx = new KafkaListenerContext()
            .name("garbage")
            .handler(handler)
            .supportedApis(SupportedApis.builder()
                .add(KafkaApis.API_VERSIONS, (short)0, (short)4)
                .add(KafkaApis.PRODUCE, (short)3, (short)13)
                .build());

        try (ListenerHarness harness = ListenerHarness.start(ctx);
            RawClient client = new RawClient(harness.port()))
        {
            final byte[] request = ProduceRequestDecoderTestAccess.produceFrame(version);
            roundTrips(client, request, WARM_UP); // the selector thread has run by now, so the runner knows it
            final Thread selectorThread = harness.thread();
            final long before = threads.getThreadAllocatedBytes(selectorThread.getId());
            roundTrips(client, request, MEASURED);
            final long allocated = threads.getThreadAllocatedBytes(selectorThread.getId()) - before;

            assertTrue(recordsBytes[0] > 0);
            Await.until("responses counted", () -> harness.counters().responses() == WARM_UP + MEASURED);
            // One object per request would be at least 16 B x 20,000 = 320 KB. Measured here: about 2.5 KB
            // in all, one-off allocations of the JIT and the JDK; the bound leaves room for them.
            assertTrue(allocated < 64 * 1024, "selector thread allocated " + allocated + " bytes over " + MEASURED +
                " requests");
        }
    }

    private static void roundTrips(final RawClient client, final byte[] request, final int count) throws Exception
    {
        for (int i = 0; i < count; i++)
        {
            client.send(request);
            client.readFrame();
        }
    }
}
