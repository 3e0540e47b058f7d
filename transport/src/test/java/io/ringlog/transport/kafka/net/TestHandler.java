package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.ApiVersionsResponseBuilder;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.SupportedApis;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Answers ApiVersions at once on the selector thread; holds every other request for the test
 * thread to complete. A request whose client id is "throw" makes it throw.
 */
class TestHandler implements KafkaRequestHandler
{
    private final BlockingQueue<KafkaRequest> held = new LinkedBlockingQueue<>();
    private final SupportedApis apis = ListenerHarness.TEST_APIS;

    public void onRequest(final KafkaRequest request)
    {
        if ("throw".equals(request.clientId()))
        {
            throw new IllegalStateException("handler failure on purpose");
        }
        if (request.apiKey() == KafkaApis.API_VERSIONS)
        {
            request.respond(apiVersionsResponse(apis, request));
        }
        else
        {
            held.add(request);
        }
    }

    static KafkaResponse apiVersionsResponse(final SupportedApis apis, final KafkaRequest request)
    {
        return KafkaResponse.ofFrame(
            new ApiVersionsResponseBuilder(apis).buildFrame(request.apiVersion(), request.correlationId()));
    }

    KafkaRequest takeHeld() throws InterruptedException
    {
        final KafkaRequest request = held.poll(10, TimeUnit.SECONDS);
        assertNotNull(request, "no request arrived");
        return request;
    }

    KafkaRequest pollHeld()
    {
        return held.poll();
    }
}
