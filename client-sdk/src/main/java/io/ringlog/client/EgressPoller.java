package io.ringlog.client;

import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.codecs.BrokersResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.ErrorResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.HeartbeatResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SessionOpenedDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupResponseDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.CachedEpochClock;

import static io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder.ENCODED_LENGTH;

/**
 * Polls the session's egress subscription and routes each message: {@code SessionOpened} to the session,
 * {@code ErrorResponse} and the control answers to the waiting {@link ControlCalls} by correlation id, and the rest
 * (produce answers, records, subscription ends) to the {@link ClientComponent}s. Messages longer than one MTU
 * arrive in fragments and are reassembled by a {@link ControlledFragmentAssembler} (one growable buffer per image,
 * reused, so steady state allocates nothing).
 * <p>
 * A message whose header names another schema, or which is shorter than its header and block, is counted
 * ({@link #malformedCount()}) and skipped; so is an unknown template id ({@link #unknownCount()}), which a newer
 * broker may send. A control answer that fails to decode is reported to the error handler and skipped: a broker bug
 * must not stop the client.
 * <p>
 * Owned by the client's thread.
 */
final class EgressPoller implements ControlledFragmentHandler
{
    static
    {
        // Every control answer starts with its correlation id, so routing reads it without a decoder per template.
        if (MetadataResponseDecoder.correlationIdEncodingOffset() != 0 ||
            InitProducerIdResponseDecoder.correlationIdEncodingOffset() != 0 ||
            SubscribeResponseDecoder.correlationIdEncodingOffset() != 0 ||
            OffsetCommitResponseDecoder.correlationIdEncodingOffset() != 0 ||
            OffsetFetchResponseDecoder.correlationIdEncodingOffset() != 0 ||
            JoinGroupResponseDecoder.correlationIdEncodingOffset() != 0 ||
            SyncGroupResponseDecoder.correlationIdEncodingOffset() != 0 ||
            HeartbeatResponseDecoder.correlationIdEncodingOffset() != 0 ||
            LeaveGroupResponseDecoder.correlationIdEncodingOffset() != 0 ||
            BrokersResponseDecoder.correlationIdEncodingOffset() != 0)
        {
            throw new ExceptionInInitializerError("a control answer no longer starts with its correlation id");
        }
    }

    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this, 64 * 1024, true);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final SessionOpenedDecoder sessionOpened = new SessionOpenedDecoder();
    private final ErrorResponseDecoder errorResponse = new ErrorResponseDecoder();
    private final ControlCalls calls;
    private final ErrorHandler errorHandler;
    private final CachedEpochClock clock;
    private Session session;
    private ClientComponent[] components = new ClientComponent[0];
    private Subscription subscription;
    private long malformedCount;
    private long unknownCount;

    EgressPoller(final ControlCalls calls, final ErrorHandler errorHandler, final CachedEpochClock clock)
    {
        this.calls = calls;
        this.errorHandler = errorHandler;
        this.clock = clock;
    }

    void session(final Session session)
    {
        this.session = session;
    }

    void addComponent(final ClientComponent component)
    {
        final ClientComponent[] grown = java.util.Arrays.copyOf(components, components.length + 1);
        grown[components.length] = component;
        components = grown;
    }

    /** A new subscription for a new connect attempt: partial messages of the old one are dropped. */
    void subscription(final Subscription subscription)
    {
        this.subscription = subscription;
        assembler.clear();
    }

    long malformedCount()
    {
        return malformedCount;
    }

    long unknownCount()
    {
        return unknownCount;
    }

    int poll(final int fragmentLimit)
    {
        final Subscription sub = subscription;
        if (null == sub || sub.isClosed())
        {
            return 0;
        }
        return sub.controlledPoll(assembler, fragmentLimit);
    }

    @Override
    public Action onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < ENCODED_LENGTH)
        {
            malformedCount++;
            return Action.CONTINUE;
        }
        final MessageHeaderDecoder h = headerDecoder.wrap(buffer, offset);
        final int blockLength = h.blockLength();
        if (h.schemaId() != NativeProtocol.SCHEMA_ID || length < ENCODED_LENGTH + blockLength)
        {
            malformedCount++;
            return Action.CONTINUE;
        }
        final int templateId = h.templateId();
        final int version = h.version();
        final int body = offset + ENCODED_LENGTH;

        switch (templateId)
        {
            case SessionOpenedDecoder.TEMPLATE_ID:
                sessionOpened.wrap(buffer, body, blockLength, version);
                session.onSessionOpened(
                    sessionOpened.correlationId(),
                    sessionOpened.sessionId(),
                    sessionOpened.brokerId(),
                    sessionOpened.sessionTimeoutMs(),
                    sessionOpened.heartbeatIntervalMs(),
                    clock.time());
                return Action.CONTINUE;

            case ErrorResponseDecoder.TEMPLATE_ID:
                onErrorResponse(buffer, body, blockLength, version);
                return Action.CONTINUE;

            case MetadataResponseDecoder.TEMPLATE_ID:
            case InitProducerIdResponseDecoder.TEMPLATE_ID:
            case SubscribeResponseDecoder.TEMPLATE_ID:
            case OffsetCommitResponseDecoder.TEMPLATE_ID:
            case OffsetFetchResponseDecoder.TEMPLATE_ID:
            case JoinGroupResponseDecoder.TEMPLATE_ID:
            case SyncGroupResponseDecoder.TEMPLATE_ID:
            case HeartbeatResponseDecoder.TEMPLATE_ID:
            case LeaveGroupResponseDecoder.TEMPLATE_ID:
            case BrokersResponseDecoder.TEMPLATE_ID:
                onControlAnswer(templateId, buffer, body, blockLength, version);
                return Action.CONTINUE;

            default:
                for (final ClientComponent component : components)
                {
                    final Action action = component.onMessage(templateId, buffer, offset, length, blockLength, version);
                    if (null != action)
                    {
                        return action;
                    }
                }
                unknownCount++;
                return Action.CONTINUE;
        }
    }

    private void onControlAnswer(
        final int templateId, final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final long correlationId = buffer.getLong(body, MetadataResponseDecoder.BYTE_ORDER);
        try
        {
            calls.onResponse(correlationId, templateId, buffer, body, blockLength, version);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            malformedCount++;
            errorHandler.onError(new RinglogException(NativeErrors.MALFORMED_MESSAGE,
                "answer " + templateId + " to request " + correlationId + " did not decode", ex));
        }
        catch (final RuntimeException ex)
        {
            // A listener's failure (an application callback, or a synchronous call re-entering the duty cycle from
            // one): reported, and the client goes on. Aeron would swallow it into the same handler anyway.
            errorHandler.onError(ex);
        }
    }

    private void onErrorResponse(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final ErrorResponseDecoder e = errorResponse.wrap(buffer, body, blockLength, version);
        final long correlationId = e.correlationId();
        final short code = e.errorCode();
        final long sessionId = e.sessionId();
        final String message = e.message(); // cold path: an error answer
        if (code == NativeErrors.UNKNOWN_SESSION || code == NativeErrors.SESSION_CLOSED)
        {
            // Whatever the request was, the session it was sent on is gone: every waiting call fails with it. An
            // answer about an earlier session (a keep-alive that crossed a reconnect) says nothing about this one.
            if (sessionId <= 0 || sessionId == session.sessionId())
            {
                session.onUnknownSession(clock.time());
            }
            return;
        }
        if (calls.onError(correlationId, code, message))
        {
            return;
        }
        for (final ClientComponent component : components)
        {
            if (component.onError(correlationId, code, message))
            {
                return;
            }
        }
        if (correlationId == -1)
        {
            errorHandler.onError(new RinglogException(code, "broker: " + message));
        }
    }
}
