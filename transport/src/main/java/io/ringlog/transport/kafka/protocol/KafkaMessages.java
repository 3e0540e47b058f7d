package io.ringlog.transport.kafka.protocol;

import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

import java.nio.ByteBuffer;

/**
 * The adapter over kafka-clients' generated message classes: the cold-path codec for every
 * request that does not deserve a hand-written flyweight (Metadata, CreateTopics, groups,
 * configs...). It turns request bodies into the generated {@link ApiMessage} data objects
 * ({@code MetadataRequestData}, ...) and response data objects into ready-to-send frames.
 * <p>
 * Every use of kafka-clients' protocol classes in transport stays in this package, because they
 * move between releases (the record classes moved in 4.3); the rest of the module sees only
 * {@link ApiMessage} and plain {@link ByteBuffer}s.
 * <p>
 * Control path: methods allocate and throw {@link MalformedMessageException} on bad input.
 * <p>
 * <b>Thread:</b> stateless; safe from any thread.
 */
public final class KafkaMessages
{
    /** Size of the int32 length prefix of every frame. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    private KafkaMessages()
    {
    }

    /**
     * Parse a request body into its generated data object, e.g. {@code MetadataRequestData}.
     *
     * @param apiKey  from the request header.
     * @param version from the request header.
     * @param body    the body, from its position to its limit; the position is advanced.
     * @return the data object.
     * @throws MalformedMessageException if the body does not parse at this version.
     */
    public static ApiMessage parseRequest(final short apiKey, final short version, final ByteBuffer body)
    {
        return parse(apiKey, version, body, true);
    }

    /**
     * Parse a response body into its generated data object (used by clients and tests).
     *
     * @param apiKey  of the request it answers.
     * @param version of the request it answers.
     * @param body    the body after the response header; the position is advanced.
     * @return the data object.
     * @throws MalformedMessageException if the body does not parse at this version.
     */
    public static ApiMessage parseResponse(final short apiKey, final short version, final ByteBuffer body)
    {
        return parse(apiKey, version, body, false);
    }

    /**
     * Serialize a response into a frame ready to send: int32 length prefix, response header
     * (v0, or v1 with tagged fields for flexible versions; always v0 for ApiVersions), body.
     *
     * @param response      the response data object, e.g. {@code MetadataResponseData}.
     * @param version       the version of the request being answered.
     * @param correlationId of the request being answered.
     * @return a heap buffer positioned at 0 and limited to the frame's end.
     * @throws MalformedMessageException if the message cannot be written at this version.
     */
    public static ByteBuffer serializeResponse(final ApiMessage response, final short version, final int correlationId)
    {
        final ApiKeys key = checkedApiKeys(response.apiKey(), version);
        final ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        return frame(header, key.responseHeaderVersion(version), response, version);
    }

    /**
     * Serialize a request into a frame ready to send: length prefix, request header, body.
     * The listener never sends requests; clients and tests do.
     *
     * @param request       the request data object.
     * @param version       the version to write.
     * @param correlationId to put in the header.
     * @param clientId      to put in the header, may be null.
     * @return a heap buffer positioned at 0 and limited to the frame's end.
     * @throws MalformedMessageException if the message cannot be written at this version.
     */
    public static ByteBuffer serializeRequest(
        final ApiMessage request, final short version, final int correlationId, final String clientId)
    {
        final ApiKeys key = checkedApiKeys(request.apiKey(), version);
        final RequestHeaderData header = new RequestHeaderData()
            .setRequestApiKey(key.id)
            .setRequestApiVersion(version)
            .setCorrelationId(correlationId)
            .setClientId(clientId);
        return frame(header, key.requestHeaderVersion(version), request, version);
    }

    /**
     * The response a request gets for an error that applies to all of it, built by the generated
     * classes' own rule for that api (each knows where its error codes go).
     *
     * @param apiKey    from the request header.
     * @param version   from the request header.
     * @param body      the request body, from its position to its limit; the position is advanced.
     * @param errorCode Kafka error code, e.g. {@link KafkaApis#UNSUPPORTED_VERSION_ERROR}.
     * @return the response data object.
     * @throws MalformedMessageException if the body does not parse at this version.
     */
    public static ApiMessage errorResponse(
        final short apiKey, final short version, final ByteBuffer body, final short errorCode)
    {
        final ApiKeys key = checkedApiKeys(apiKey, version);
        final AbstractRequest request;
        try
        {
            request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(body)).request;
        }
        catch (final RuntimeException ex)
        {
            throw new MalformedMessageException(
                "cannot parse " + key.name + " v" + version + " request: " + ex.getMessage(), ex);
        }
        final Errors error = Errors.forCode(errorCode);
        final Throwable cause = error == Errors.UNSUPPORTED_VERSION ?
            new UnsupportedVersionException(key.name + " v" + version + " is not supported") : error.exception();
        final AbstractResponse response = request.getErrorResponse(0, cause);
        return response.data();
    }

    private static ApiMessage parse(
        final short apiKey, final short version, final ByteBuffer body, final boolean request)
    {
        final ApiKeys key = checkedApiKeys(apiKey, version);
        try
        {
            final ApiMessage message = request ? key.messageType.newRequest() : key.messageType.newResponse();
            message.read(new ByteBufferAccessor(body), version);
            return message;
        }
        catch (final RuntimeException ex)
        {
            throw new MalformedMessageException("cannot parse " + key.name + " v" + version +
                (request ? " request: " : " response: ") + ex.getMessage(), ex);
        }
    }

    private static ByteBuffer frame(
        final ApiMessage header, final short headerVersion, final ApiMessage body, final short version)
    {
        try
        {
            final ObjectSerializationCache cache = new ObjectSerializationCache();
            final int headerSize = header.size(cache, headerVersion);
            final int bodySize = body.size(cache, version);
            final ByteBuffer buffer = ByteBuffer.allocate(LENGTH_PREFIX_BYTES + headerSize + bodySize);
            buffer.putInt(headerSize + bodySize);
            final ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
            header.write(accessor, cache, headerVersion);
            body.write(accessor, cache, version);
            return buffer.flip();
        }
        catch (final RuntimeException ex)
        {
            throw new MalformedMessageException(
                "cannot write " + KafkaApis.name(body.apiKey()) + " v" + version + ": " + ex.getMessage(), ex);
        }
    }

    private static ApiKeys checkedApiKeys(final short apiKey, final short version)
    {
        if (!KafkaApis.hasCodec(apiKey, version))
        {
            throw new MalformedMessageException(
                KafkaApis.name(apiKey) + " v" + version + " is outside what kafka-clients can read and write");
        }
        return KafkaApis.apiKeys(apiKey);
    }
}
