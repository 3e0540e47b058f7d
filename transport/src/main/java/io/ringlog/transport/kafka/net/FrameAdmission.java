package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.codec.RequestHeaderDecoder;
import io.ringlog.transport.kafka.protocol.ApiVersionsResponseBuilder;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import io.ringlog.transport.kafka.protocol.MalformedMessageException;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import io.ringlog.transport.memory.BoundedBufferPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * The listener's policy for what comes off the wire before a handler sees it: the length prefix,
 * the request header, and versions the broker does not support. Bad input closes its connection,
 * is counted, and is logged at WARN the first time for each kind (DEBUG after): logging can
 * block, and a hostile client must not make the duty cycle log on every frame.
 * <p>
 * <b>Thread:</b> owned by the listener's selector thread.
 */
final class FrameAdmission
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaListener.class);

    private final KafkaListener listener;
    private final String listenerName;
    private final int socketRequestMaxBytes;
    private final SupportedApis supportedApis;
    private final BoundedBufferPool pool;
    private final KafkaListenerCounters counters;
    private final RequestHeaderDecoder headerDecoder = new RequestHeaderDecoder();
    private final UnsafeBuffer frameView = new UnsafeBuffer(0, 0);
    private final boolean[] logged = new boolean[FrameError.values().length];

    FrameAdmission(
        final KafkaListener listener,
        final KafkaListenerContext ctx,
        final BoundedBufferPool pool,
        final KafkaListenerCounters counters)
    {
        this.listener = listener;
        this.listenerName = ctx.name();
        this.socketRequestMaxBytes = ctx.socketRequestMaxBytes();
        this.supportedApis = ctx.supportedApis();
        this.pool = pool;
        this.counters = counters;
    }

    /**
     * Check a frame's length prefix; a bad one closes the connection before any body is read or
     * allocated.
     *
     * @return true if the frame may be read.
     */
    boolean acceptFrameSize(final KafkaConnection connection, final int size)
    {
        if (size < 0)
        {
            reject(connection, FrameError.NEGATIVE_LENGTH, size);
            return false;
        }
        if (size == 0)
        {
            reject(connection, FrameError.ZERO_LENGTH, size);
            return false;
        }
        // A frame the pool could never hold would wait for memory for ever: refuse it like an oversize one.
        if (size > socketRequestMaxBytes || !pool.canEverAcquire(size))
        {
            reject(connection, FrameError.OVERSIZE, size);
            return false;
        }
        return true;
    }

    /**
     * Decode the header of the whole frame held in the connection's body buffer.
     *
     * @return the decoder holding the header, or null if the frame was refused and its connection closed.
     */
    RequestHeaderDecoder decodeHeader(final KafkaConnection connection)
    {
        final int size = connection.frameSize();
        frameView.wrap(connection.body(), 0, size);
        if (size < RequestHeaderDecoder.API_KEY_AND_VERSION_LENGTH)
        {
            reject(connection, FrameError.TRUNCATED_HEADER, size);
            return null;
        }
        final short apiKey = RequestHeaderDecoder.peekApiKey(frameView, 0);
        if (!KafkaApis.isKnown(apiKey))
        {
            reject(connection, FrameError.UNKNOWN_API_KEY, apiKey);
            return null;
        }
        final short headerVersion = KafkaApis.requestHeaderVersion(apiKey, RequestHeaderDecoder.peekApiVersion(frameView, 0));
        if (headerDecoder.decode(frameView, 0, size, headerVersion) != RequestHeaderDecoder.OK)
        {
            reject(connection, FrameError.TRUNCATED_HEADER, size);
            return null;
        }
        return headerDecoder;
    }

    /**
     * Answer a request at a version the broker's table does not list, as Kafka does: ApiVersions
     * gets a v0 response with UNSUPPORTED_VERSION and the supported ApiVersions range (KIP-511),
     * so the client retries lower; other apis get their own error response at the request's
     * version when kafka-clients can write it. Kafka's broker closes the connection in that second
     * case; an answer tells the client why. A version kafka-clients cannot write closes the connection.
     */
    void answerUnsupportedVersion(final KafkaRequest request)
    {
        counters.unsupportedVersions.incrementRelease();
        final short apiKey = request.apiKey();
        final short apiVersion = request.apiVersion();
        ByteBuffer answer = null;
        if (apiKey == KafkaApis.API_VERSIONS)
        {
            answer = ApiVersionsResponseBuilder.unsupportedVersionFrame(supportedApis, request.correlationId());
        }
        else if (KafkaApis.hasCodec(apiKey, apiVersion))
        {
            try
            {
                answer = KafkaMessages.serializeResponse(
                    KafkaMessages.errorResponse(
                        apiKey, apiVersion, request.bodyByteBuffer(), KafkaApis.UNSUPPORTED_VERSION_ERROR),
                    apiVersion, request.correlationId());
            }
            catch (final MalformedMessageException ex)
            {
                reject(request.connection(), FrameError.MALFORMED_BODY, apiKey);
                listener.completeFromListener(request, KafkaRequest.CLOSE);
                return;
            }
        }

        if (null != answer)
        {
            request.respond(KafkaResponse.ofFrame(answer));
        }
        else
        {
            logOnce(FrameError.UNANSWERABLE_VERSION, request.connection(), apiVersion);
            listener.completeFromListener(request, KafkaRequest.CLOSE);
        }
    }

    private void reject(final KafkaConnection connection, final FrameError error, final long detail)
    {
        counters.badFrames.incrementRelease();
        logOnce(error, connection, detail);
        connection.close();
    }

    private void logOnce(final FrameError error, final KafkaConnection connection, final long detail)
    {
        if (!logged[error.ordinal()])
        {
            logged[error.ordinal()] = true;
            LOG.warn("closing connection {} on {}: {} ({}); further occurrences are counted and logged at debug",
                connection.remoteAddress(), listenerName, error.description, detail);
        }
        else if (LOG.isDebugEnabled())
        {
            LOG.debug("closing connection {}: {} ({})", connection.remoteAddress(), error.description, detail);
        }
    }

    /**
     * Kinds of bad input, each logged once at WARN.
     */
    enum FrameError
    {
        NEGATIVE_LENGTH("negative frame length"),
        ZERO_LENGTH("zero frame length"),
        OVERSIZE("frame length above socket.request.max.bytes or the request memory pool"),
        TRUNCATED_HEADER("frame too short for its request header"),
        UNKNOWN_API_KEY("unknown api key"),
        MALFORMED_BODY("request body that does not parse"),
        UNANSWERABLE_VERSION("api version unsupported and unknown to kafka-clients, cannot answer");

        final String description;

        FrameError(final String description)
        {
            this.description = description;
        }
    }
}
