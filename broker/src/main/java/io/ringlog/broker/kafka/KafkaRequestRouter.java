package io.ringlog.broker.kafka;

import io.ringlog.broker.kafka.fetch.FetchApi;
import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.broker.kafka.produce.ProduceApi;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaRequestHandler;
import io.ringlog.transport.kafka.net.KafkaResponse;
import io.ringlog.transport.kafka.net.ResponseReleaseHandler;
import io.ringlog.transport.kafka.protocol.ApiVersionsResponseBuilder;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import io.ringlog.transport.kafka.protocol.MalformedMessageException;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends each Kafka request where it is answered. Produce and Fetch, the hot path, are handled on the selector
 * thread with flyweights and handed to the sequencer rings and the journal (Produce's answers come back through a
 * completion ring that this router's {@link #doWork} drains on the selector thread, where they are encoded); ApiVersions is answered inline; the
 * {@link AsyncApi}s (consumer groups) are handed to the thread that owns their state and answer when ready; every
 * other API is parsed with the generated classes and answered on the admin thread, so a slow admin request (a topic
 * creation mapping files) never stalls the selector.
 * <p>
 * Metrics: {@link #onRequestCompleted} records every request's latency on the selector thread; a cold-path answer
 * carrying errors has them counted on the building thread and recorded when the listener releases the answer, on
 * the selector thread again (see {@link KafkaApiMetrics}).
 * <p>
 * Selector thread, except {@link #answerOnAdminThread} which runs on the admin executor, and the answers of the
 * {@link AsyncApi}s, which run on the thread that owns their state.
 */
public final class KafkaRequestRouter implements KafkaRequestHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRequestRouter.class);

    private final ApiVersionsResponseBuilder apiVersions;
    private final ProduceApi produce;
    private final FetchApi fetch;
    private final Map<Short, ColdPathApi> coldPath;
    private final Map<Short, AsyncApi> async;
    private final ExecutorService admin;
    private final KafkaApiMetrics metrics;

    public KafkaRequestRouter(
        final SupportedApis apis,
        final ProduceApi produce,
        final FetchApi fetch,
        final Map<Short, ColdPathApi> coldPath,
        final Map<Short, AsyncApi> async,
        final ExecutorService admin,
        final KafkaApiMetrics metrics)
    {
        this.metrics = metrics;
        this.apiVersions = new ApiVersionsResponseBuilder(apis);
        this.produce = produce;
        this.fetch = fetch;
        this.coldPath = Map.copyOf(coldPath);
        this.async = Map.copyOf(async);
        this.admin = admin;
    }

    @Override
    public void onRequest(final KafkaRequest request)
    {
        final short apiKey = request.apiKey();
        try
        {
            switch (apiKey)
            {
                case KafkaApis.PRODUCE -> produce.onRequest(request);
                case KafkaApis.FETCH -> fetch.onRequest(request);
                case KafkaApis.API_VERSIONS -> request.respond(
                    KafkaResponse.ofFrame(apiVersions.buildFrame(request.apiVersion(), request.correlationId())));
                default -> dispatchColdPath(request);
            }
        }
        catch (final MalformedMessageException ex)
        {
            LOG.debug("closing connection {}: {}", request.remoteAddress(), ex.getMessage());
            request.closeConnection();
        }
    }

    /** The shards' produce completions, encoded into answers here; produces held back for room, retried. */
    @Override
    public int doWork()
    {
        return produce.doWork();
    }

    @Override
    public boolean hasPendingWork()
    {
        return produce.hasPendingWork();
    }

    @Override
    public boolean hasRequestsHeldBack()
    {
        return produce.hasRequestsHeldBack();
    }

    /** Request latency, per api. Selector thread, once per request; allocation-free. */
    @Override
    public void onRequestCompleted(final KafkaRequest request)
    {
        metrics.onCompleted(request);
    }

    private void dispatchColdPath(final KafkaRequest request)
    {
        final AsyncApi asyncApi = async.get(request.apiKey());
        if (asyncApi != null)
        {
            final ApiMessage data = KafkaMessages.parseRequest(
                request.apiKey(), request.apiVersion(), request.bodyByteBuffer());
            final short apiKey = request.apiKey();
            final short version = request.apiVersion();
            final int correlationId = request.correlationId();
            asyncApi.handle(new ColdPathApi.ApiRequest(apiKey, version, correlationId, request.clientId(), data),
                response -> respond(request, KafkaMessages.serializeResponse(response, version, correlationId),
                    metrics.errorsOnRelease(apiKey, version, response)));
            return;
        }
        final ColdPathApi api = coldPath.get(request.apiKey());
        if (api == null)
        {
            // The table lists only what this router answers; this is a wiring bug, so say so plainly.
            LOG.error("no handler for {} v{}", KafkaApis.name(request.apiKey()), request.apiVersion());
            request.closeConnection();
            return;
        }
        final ApiMessage data = KafkaMessages.parseRequest(request.apiKey(), request.apiVersion(), request.bodyByteBuffer());
        final ColdPathApi.ApiRequest parsed = new ColdPathApi.ApiRequest(
            request.apiKey(), request.apiVersion(), request.correlationId(), request.clientId(), data);
        try
        {
            admin.execute(() -> answerOnAdminThread(request, api, parsed));
        }
        catch (final RejectedExecutionException ex)
        {
            respond(request, errorFrame(request, Errors.BROKER_NOT_AVAILABLE),
                metrics.errorOnRelease(request.apiKey(), Errors.BROKER_NOT_AVAILABLE));
        }
    }

    private void answerOnAdminThread(final KafkaRequest request, final ColdPathApi api, final ColdPathApi.ApiRequest parsed)
    {
        ByteBuffer frame;
        ResponseReleaseHandler errors;
        try
        {
            final ApiMessage response = api.handle(parsed);
            frame = KafkaMessages.serializeResponse(response, parsed.version(), parsed.correlationId());
            errors = metrics.errorsOnRelease(parsed.apiKey(), parsed.version(), response);
        }
        catch (final RuntimeException ex)
        {
            LOG.error("{} v{} failed", KafkaApis.name(parsed.apiKey()), parsed.version(), ex);
            final Errors error = KafkaErrors.fromThrowable(ex);
            frame = errorFrame(request, error);
            errors = metrics.errorOnRelease(parsed.apiKey(), error);
        }
        respond(request, frame, errors);
    }

    private ByteBuffer errorFrame(final KafkaRequest request, final Errors error)
    {
        final ApiMessage response = KafkaMessages.errorResponse(
            request.apiKey(), request.apiVersion(), request.bodyByteBuffer(), error.code());
        return KafkaMessages.serializeResponse(response, request.apiVersion(), request.correlationId());
    }

    /** @param errors counts the answer's errors on release (selector thread); null when it has none. */
    private static void respond(final KafkaRequest request, final ByteBuffer frame, final ResponseReleaseHandler errors)
    {
        final KafkaResponse response = KafkaResponse.ofFrame(frame).releaseHandler(errors);
        while (request.respond(response) == KafkaRequest.BACK_PRESSURED)
        {
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
