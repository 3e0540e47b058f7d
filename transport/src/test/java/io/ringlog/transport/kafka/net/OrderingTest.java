package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pipelined requests: responses leave each connection in request order whatever order, and from
 * whatever thread, the handler answers them in, and a handler never sees a second request of a
 * connection before it answered the first.
 */
@Timeout(30)
class OrderingTest
{
    /** The highest Metadata version in {@link ListenerHarness#TEST_APIS}. */
    private static final short METADATA_VERSION = 8;

    @Test
    void pipelinedRequestsAreAnsweredInOrderWhateverOrderTheHandlerCompletesThem() throws Exception
    {
        final BlockingQueue<KafkaRequest> deferred = new LinkedBlockingQueue<>();
        final Map<Long, Boolean> outstanding = new ConcurrentHashMap<>();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final KafkaRequestHandler handler = request ->
        {
            if (null != outstanding.put(request.connectionId(), Boolean.TRUE))
            {
                violations.add("second request before the first was answered: " + request);
            }
            // Even correlation ids are answered at once on the selector thread, odd ones later
            // from another thread: the two completion paths interleave on one connection.
            if (request.correlationId() % 2 == 0)
            {
                outstanding.remove(request.connectionId());
                request.respond(metadataResponse(request));
            }
            else
            {
                deferred.add(request);
            }
        };
        final ExecutorService completer = Executors.newSingleThreadExecutor();
        try (ListenerHarness harness = ListenerHarness.start(context(handler));
            RawClient a = new RawClient(harness.port());
            RawClient b = new RawClient(harness.port()))
        {
            final int perConnection = 9;
            a.send(pipeline(1_000, perConnection));
            b.send(pipeline(2_000, perConnection));

            // Complete from another thread, holding connection a's request back until b's next
            // one is deferred too, so that the two connections are answered out of arrival order.
            // Each connection has one request in flight at most, so its odd requests are deferred one
            // at a time and pairs form, one request of each connection.
            final int deferredTotal = 2 * (perConnection / 2);
            final AtomicInteger completed = new AtomicInteger();
            final Future<?> completions = completer.submit(() ->
            {
                final List<KafkaRequest> parked = new ArrayList<>();
                while (completed.get() < deferredTotal)
                {
                    final KafkaRequest request = deferred.poll(10, TimeUnit.SECONDS);
                    assertNotNull(request);
                    parked.add(request);
                    if (parked.size() == 2)
                    {
                        for (int i = parked.size() - 1; i >= 0; i--)
                        {
                            final KafkaRequest next = parked.get(i);
                            outstanding.remove(next.connectionId());
                            assertEquals(KafkaRequest.ACCEPTED, next.respond(metadataResponse(next)));
                            completed.incrementAndGet();
                        }
                        parked.clear();
                    }
                }
                return null;
            });

            for (int i = 0; i < perConnection; i++)
            {
                assertEquals(1_000 + i, correlationIdOf(a.readFrame()), "connection a, response " + i);
                assertEquals(2_000 + i, correlationIdOf(b.readFrame()), "connection b, response " + i);
            }
            completions.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), violations);
            Await.until("responses counted", () -> harness.counters().responses() == 2L * perConnection);
        }
        finally
        {
            completer.shutdownNow();
            assertTrue(completer.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void noResponseUnmutesAtOnceAndTheNextAnswerKeepsItsPlace() throws Exception
    {
        final AtomicInteger silent = new AtomicInteger();
        final KafkaRequestHandler handler = request ->
        {
            // Like a Produce with acks=0: every third request gets no answer.
            if (request.correlationId() % 3 == 0)
            {
                silent.incrementAndGet();
                request.noResponse();
            }
            else
            {
                request.respond(metadataResponse(request));
            }
        };
        try (ListenerHarness harness = ListenerHarness.start(context(handler));
            RawClient client = new RawClient(harness.port()))
        {
            client.send(pipeline(1, 12));
            for (int i = 1; i <= 12; i++)
            {
                if (i % 3 != 0)
                {
                    assertEquals(i, correlationIdOf(client.readFrame()));
                }
            }
            // The last request gets no answer, so only waiting tells when it was handled.
            Await.until("every request handled", () -> silent.get() == 4 && harness.counters().requests() == 12);
        }
    }

    static KafkaListenerContext context(final KafkaRequestHandler handler)
    {
        return ListenerHarness.context(handler).name("ordering");
    }

    static KafkaResponse metadataResponse(final KafkaRequest request)
    {
        final MetadataResponseData data = new MetadataResponseData().setClusterId("c-" + request.correlationId());
        return KafkaResponse.ofFrame(KafkaMessages.serializeResponse(
            data, request.apiVersion(), request.correlationId()));
    }

    static byte[] pipeline(final int firstCorrelationId, final int count)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++)
        {
            final ByteBuffer frame = KafkaMessages.serializeRequest(
                new MetadataRequestData(), METADATA_VERSION, firstCorrelationId + i, "pipeline");
            out.write(frame.array(), frame.position(), frame.remaining());
        }
        return out.toByteArray();
    }

    static int correlationIdOf(final ByteBuffer frame) throws IOException
    {
        final int correlationId = frame.getInt(0);
        frame.position(4);
        final MetadataResponseData data = (MetadataResponseData)KafkaMessages.parseResponse(
            KafkaApis.METADATA, METADATA_VERSION, frame);
        if (!data.clusterId().equals("c-" + correlationId))
        {
            throw new IOException("body of another response: " + data.clusterId());
        }
        return correlationId;
    }
}
