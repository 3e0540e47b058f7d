package io.ringlog.client;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;

/**
 * The client's session with the broker: the ingress publication, the egress subscription, the handshake, the
 * keep-alive, loss detection and reconnection. A small state machine run by the client's duty cycle:
 *
 * <pre>
 *  DISCONNECTED --attempt--> CONNECTING --SessionOpened(our correlation id)--> OPEN
 *       ^                        |                                              |
 *       +---- attempt timed out -+                                              |
 *       +---- UNKNOWN_SESSION, egress image gone, ingress not connected, Aeron closed
 * </pre>
 *
 * <b>An attempt</b>: make sure Aeron is usable (reconnecting an owned Aeron to a restarted driver), add the ingress
 * publication if this Aeron has none, add a new egress subscription whose channel carries a fresh random
 * {@code session-id} (then close the previous one), and offer {@code Connect} naming exactly that channel once the
 * ingress publication is connected. An attempt without an answer within {@link #CONNECT_ATTEMPT_TIMEOUT_MS} is
 * abandoned and a new one made after {@code reconnect.backoff.ms}. A broker answers within milliseconds, and a
 * Connect offered on a connected publication arrives unless the broker dies, which the next attempt covers; because
 * each attempt has its own session id, a late answer to an abandoned attempt never reaches the new subscription.
 * <p>
 * <b>Keep-alive</b>: {@code KeepAlive} when nothing else was offered for the broker's heartbeat interval (any message
 * renews the session).
 * <p>
 * Owned by the client's thread.
 */
final class Session implements AutoCloseable
{
    static final int DISCONNECTED = 0;
    static final int CONNECTING = 1;
    static final int OPEN = 2;
    static final int CLOSED = 3;

    /** How long one connect attempt waits for SessionOpened before starting over with a new session id. */
    static final long CONNECT_ATTEMPT_TIMEOUT_MS = 2_000;

    private final ClientContext ctx;
    private final AeronConnection aeronConnection;
    private final BrokerProxy proxy;
    private final EgressPoller egressPoller;
    private final SessionListener listener;
    private final ErrorHandler errorHandler;
    private final String responseChannelBase;
    private final String ingressChannel;
    private final int responseTermLength;

    private int state = DISCONNECTED;
    private ExclusivePublication publication;
    private int publicationIncarnation;
    private Subscription egress;
    private int egressSessionId;
    private String responseChannel;
    private long connectCorrelationId = Aeron.NULL_VALUE;
    private boolean connectSent;
    private long attemptDeadlineMs;
    private long nextAttemptMs;
    private long sessionId = -1;
    private int brokerId = -1;
    private int heartbeatIntervalMs;
    private int sessionTimeoutMs;
    private int opens;
    private String lastLossReason = "not connected yet";

    Session(
        final ClientContext ctx,
        final AeronConnection aeronConnection,
        final BrokerProxy proxy,
        final EgressPoller egressPoller,
        final SessionListener listener,
        final ErrorHandler errorHandler,
        final String brokerIngressChannel)
    {
        this.ctx = ctx;
        this.aeronConnection = aeronConnection;
        this.proxy = proxy;
        this.egressPoller = egressPoller;
        this.listener = listener;
        this.errorHandler = errorHandler;
        this.responseChannelBase = ResponseChannels.base(ctx.responseChannel(), brokerIngressChannel);
        this.ingressChannel = ResponseChannels.ingress(
            brokerIngressChannel,
            Math.max(ResponseChannels.MIN_INGRESS_TERM_LENGTH, ResponseChannels.termLengthFor(ctx.batchSize())));
        this.responseTermLength = ResponseChannels.termLengthFor(
            Math.max(ctx.maxPartitionFetchBytes(), ctx.batchSize()));
    }

    int state()
    {
        return state;
    }

    boolean isOpen()
    {
        return state == OPEN;
    }

    long sessionId()
    {
        return sessionId;
    }

    int brokerId()
    {
        return brokerId;
    }

    int heartbeatIntervalMs()
    {
        return heartbeatIntervalMs;
    }

    int sessionTimeoutMs()
    {
        return sessionTimeoutMs;
    }

    /** The channel (with this attempt's session id) the broker publishes this client's egress on. */
    String responseChannel()
    {
        return responseChannel;
    }

    String lastLossReason()
    {
        return lastLossReason;
    }

    /** One turn of the state machine. */
    int doWork(final long nowMs)
    {
        switch (state)
        {
            case OPEN:
                return checkOpen(nowMs);
            case CONNECTING:
                return continueAttempt(nowMs);
            case DISCONNECTED:
                return nowMs >= nextAttemptMs ? startAttempt(nowMs) : 0;
            default:
                return 0;
        }
    }

    private int checkOpen(final long nowMs)
    {
        if (!aeronConnection.isUsable())
        {
            lose("the media driver went away", nowMs);
            return 1;
        }
        if (!publication.isConnected())
        {
            lose("the broker's ingress is not connected", nowMs);
            return 1;
        }
        if (!egress.isConnected())
        {
            lose("the egress image went away", nowMs);
            return 1;
        }
        if (nowMs - proxy.lastOfferMs() >= heartbeatIntervalMs)
        {
            final long result = proxy.keepAlive();
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED)
            {
                lose("keep-alive could not be sent", nowMs);
            }
            return 1;
        }
        return 0;
    }

    private int startAttempt(final long nowMs)
    {
        if (!aeronConnection.tryReopen())
        {
            nextAttemptMs = nowMs + ctx.reconnectBackoffMs();
            return 0;
        }
        final Aeron aeron = aeronConnection.aeron();
        try
        {
            if (null == publication || publicationIncarnation != aeronConnection.incarnation() || publication.isClosed())
            {
                if (null != publication && publicationIncarnation == aeronConnection.incarnation())
                {
                    CloseHelper.quietClose(publication);
                }
                publication = null;
                proxy.publication(null);
                publication = aeron.addExclusivePublication(ingressChannel, ctx.ingressStreamId());
                publicationIncarnation = aeronConnection.incarnation();
                proxy.publication(publication);
            }
            egressSessionId = ResponseChannels.randomSessionId(egressSessionId);
            responseChannel = ResponseChannels.withSessionId(responseChannelBase, egressSessionId, responseTermLength);
            final Subscription previous = egress;
            egress = aeron.addSubscription(responseChannel, ctx.responseStreamId());
            egressPoller.subscription(egress);
            if (null != previous && !previous.isClosed())
            {
                CloseHelper.quietClose(previous);
            }
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(ex);
            nextAttemptMs = nowMs + ctx.reconnectBackoffMs();
            return 0;
        }
        connectCorrelationId = proxy.nextCorrelationId();
        connectSent = false;
        attemptDeadlineMs = nowMs + CONNECT_ATTEMPT_TIMEOUT_MS;
        state = CONNECTING;
        return 1 + continueAttempt(nowMs);
    }

    private int continueAttempt(final long nowMs)
    {
        if (!aeronConnection.isUsable())
        {
            abandonAttempt(nowMs);
            return 1;
        }
        if (!connectSent && publication.isConnected())
        {
            final long result = proxy.connect(
                connectCorrelationId, responseChannel, ctx.responseStreamId(), ctx.clientId());
            if (result > 0)
            {
                connectSent = true;
                return 1;
            }
        }
        if (nowMs >= attemptDeadlineMs)
        {
            abandonAttempt(nowMs);
            return 1;
        }
        return 0;
    }

    private void abandonAttempt(final long nowMs)
    {
        state = DISCONNECTED;
        connectCorrelationId = Aeron.NULL_VALUE;
        nextAttemptMs = nowMs + ctx.reconnectBackoffMs();
    }

    /** The broker answered a Connect. Only the current attempt's answer counts. */
    void onSessionOpened(
        final long correlationId,
        final long sessionId,
        final int brokerId,
        final int sessionTimeoutMs,
        final int heartbeatIntervalMs,
        final long nowMs)
    {
        if (state != CONNECTING || correlationId != connectCorrelationId)
        {
            return;
        }
        this.sessionId = sessionId;
        this.brokerId = brokerId;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.heartbeatIntervalMs = heartbeatIntervalMs > 0 ? heartbeatIntervalMs :
            Math.max(1, sessionTimeoutMs / 3);
        proxy.sessionId(sessionId);
        proxy.sessionOpen(true);
        state = OPEN;
        final boolean reconnected = opens++ > 0;
        listener.onSessionOpened(reconnected);
    }

    /** The broker no longer knows the session (it expired, or the broker restarted behind the same driver). */
    void onUnknownSession(final long nowMs)
    {
        if (state == OPEN)
        {
            lose("the broker does not know session " + sessionId, nowMs);
        }
    }

    /** Give up the open session and reconnect at once. */
    void lose(final String reason, final long nowMs)
    {
        if (state != OPEN)
        {
            return;
        }
        lastLossReason = reason;
        state = DISCONNECTED;
        sessionId = -1;
        proxy.sessionId(-1);
        proxy.sessionOpen(false);
        nextAttemptMs = nowMs;
        listener.onSessionLost(reason);
    }

    @Override
    public void close()
    {
        if (state == CLOSED)
        {
            return;
        }
        if (state == OPEN && aeronConnection.isUsable())
        {
            proxy.closeSession(); // best effort: the broker would expire the session anyway
        }
        state = CLOSED;
        proxy.sessionOpen(false);
        if (aeronConnection.isUsable())
        {
            CloseHelper.quietClose(egress);
            CloseHelper.quietClose(publication);
        }
        egress = null;
        publication = null;
        proxy.publication(null);
        egressPoller.subscription(null);
    }
}
