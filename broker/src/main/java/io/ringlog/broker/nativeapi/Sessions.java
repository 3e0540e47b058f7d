package io.ringlog.broker.nativeapi;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The session table: Connect, the egress publication's life, keep-alive, expiry and close.
 * <p>
 * A Connect adds an exclusive publication to the client's response channel and stream asynchronously (the gateway
 * never waits on the driver), polls for it each duty cycle, and once the client's subscription has connected sends
 * SessionOpened as the first message on it. A response channel that never connects is given up after the session
 * timeout, with a log line. Past {@code native.max.sessions} a Connect is answered with ErrorResponse SESSION_CLOSED on
 * a publication opened just for that, then closed; at most {@link #MAX_REFUSALS} such answers are in progress, the rest
 * are only counted.
 * <p>
 * The egress publication of each session gets {@code term-length} ({@code native.egress.term.length}) unless the
 * client's channel names one, and {@code sparse=true} unless it says otherwise.
 * <p>
 * Expiry: a session not heard from (any message counts) for the session timeout is closed: its subscriptions stop,
 * its publication is closed, answers still due to it are dropped when they come (they find no session). So is one
 * whose egress publication fails (closed, or its position limit reached).
 * <p>
 * Gateway thread only.
 */
final class Sessions
{
    static final int MAX_REFUSALS = 16;
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    private static final long EXPIRY_CHECK_INTERVAL_MS = 10;

    private final Aeron aeron;
    private final NativeConfig config;
    private final EgressWriter egress;
    private final GatewayCounters counters;
    private final Subscriptions subscriptions;
    private final LogLimiter limiter;
    private final Long2ObjectHashMap<NativeSession> byId = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<NativeSession> byIngressImage = new Int2ObjectHashMap<>();
    private final List<NativeSession> all = new ArrayList<>();
    private int refusing;
    private int live;
    private long nextExpiryCheckMs;

    Sessions(final Aeron aeron, final NativeConfig config, final EgressWriter egress, final GatewayCounters counters,
        final Subscriptions subscriptions, final LogLimiter limiter)
    {
        this.aeron = aeron;
        this.config = config;
        this.egress = egress;
        this.counters = counters;
        this.subscriptions = subscriptions;
        this.limiter = limiter;
    }

    /** The open session with this id, or null. */
    NativeSession open(final long sessionId)
    {
        final NativeSession session = byId.get(sessionId);
        return session != null && session.state == NativeSession.State.OPEN ? session : null;
    }

    /** The open session whose client published on the ingress image with this Aeron session id, or null. */
    NativeSession byIngressImage(final int aeronSessionId)
    {
        final NativeSession session = byIngressImage.get(aeronSessionId);
        return session != null && session.state == NativeSession.State.OPEN ? session : null;
    }

    /** Sessions open or opening; refusals excluded. */
    int count()
    {
        return live;
    }

    /**
     * Start a session for a Connect. Cold path.
     *
     * @return false when the response channel cannot be used (the caller counts it as malformed).
     */
    boolean connect(final long correlationId, final String responseChannel, final int responseStreamId,
        final String clientId, final int ingressAeronSessionId, final long nowMs)
    {
        final String channel;
        try
        {
            final ChannelUri uri = ChannelUri.parse(responseChannel);
            if (!uri.isIpc() && !uri.isUdp())
            {
                throw new IllegalArgumentException("only aeron:ipc and aeron:udp response channels are served");
            }
            if (!uri.containsKey(CommonContext.TERM_LENGTH_PARAM_NAME))
            {
                uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(config.egressTermLength()));
            }
            if (!uri.containsKey(CommonContext.SPARSE_PARAM_NAME))
            {
                uri.put(CommonContext.SPARSE_PARAM_NAME, "true");
            }
            channel = uri.toString();
        }
        catch (final RuntimeException ex)
        {
            limiter.warn("bad-response-channel", "native: Connect from '{}' with response channel '{}' refused: {}",
                clientId, responseChannel, ex.getMessage());
            return false;
        }

        final boolean refuse = live >= config.maxSessions();
        if (refuse && refusing >= MAX_REFUSALS)
        {
            counters.connectsFailed.incrementRelease();
            limiter.warn("sessions-full", "native: Connect from '{}' dropped: {} sessions open and {} refusals " +
                "in progress", clientId, live, refusing);
            return true;
        }
        long sessionId;
        do
        {
            sessionId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        }
        while (byId.containsKey(sessionId));
        final NativeSession session = new NativeSession(sessionId, correlationId, clientId, channel, responseStreamId,
            ingressAeronSessionId, nowMs, nowMs + config.sessionTimeoutMs());
        try
        {
            session.registrationId = aeron.asyncAddExclusivePublication(channel, responseStreamId);
        }
        catch (final RuntimeException ex)
        {
            counters.connectsFailed.incrementRelease();
            limiter.warn("connect-failed", "native: cannot add egress for {}: {}", session, ex.toString());
            return true;
        }
        if (refuse)
        {
            session.refusal = NativeErrors.SESSION_CLOSED;
            refusing++;
            counters.connectsFailed.incrementRelease();
        }
        else
        {
            byId.put(sessionId, session);
            live++;
        }
        all.add(session);
        return true;
    }

    /** Renew the session: it was heard from. */
    static void touch(final NativeSession session, final long nowMs)
    {
        session.lastHeardMs = nowMs;
    }

    /** Publications added and connected, SessionOpened sent, expiry. */
    int doWork(final long nowMs)
    {
        int work = 0;
        final boolean checkExpiry = nowMs >= nextExpiryCheckMs;
        if (checkExpiry)
        {
            nextExpiryCheckMs = nowMs + EXPIRY_CHECK_INTERVAL_MS;
        }
        for (int i = all.size() - 1; i >= 0; i--)
        {
            final NativeSession session = all.get(i);
            switch (session.state)
            {
                case ADDING_PUBLICATION -> work += pollPublication(session, nowMs);
                case AWAITING_CONNECTION -> work += sendFirstMessage(session, nowMs);
                case OPEN ->
                {
                    if (session.egressFailed)
                    {
                        close(session, "its egress publication failed");
                        work++;
                    }
                    else if (checkExpiry && nowMs - session.lastHeardMs > config.sessionTimeoutMs())
                    {
                        counters.sessionsExpired.incrementRelease();
                        close(session, "expired: nothing heard for " + config.sessionTimeoutMs() + " ms");
                        work++;
                    }
                }
                default ->
                {
                }
            }
        }
        return work;
    }

    private int pollPublication(final NativeSession session, final long nowMs)
    {
        final ExclusivePublication publication;
        try
        {
            publication = aeron.getExclusivePublication(session.registrationId);
        }
        catch (final RuntimeException ex)
        {
            counters.connectsFailed.incrementRelease();
            limiter.warn("connect-refused", "native: the driver refused the egress of {}: {}", session, ex.toString());
            discard(session);
            return 1;
        }
        if (publication == null)
        {
            return giveUpIfLate(session, nowMs);
        }
        session.publication = publication;
        session.state = session.refusal != 0 ? NativeSession.State.REFUSING : NativeSession.State.AWAITING_CONNECTION;
        return 1 + sendFirstMessage(session, nowMs);
    }

    private int sendFirstMessage(final NativeSession session, final long nowMs)
    {
        if (!session.publication.isConnected())
        {
            return giveUpIfLate(session, nowMs);
        }
        final long result;
        if (session.refusal != 0)
        {
            result = egress.error(session.publication, session.connectCorrelationId, session.refusal, 0,
                "too many sessions (" + config.maxSessions() + ")");
        }
        else
        {
            result = egress.sessionOpened(session.publication, session.connectCorrelationId, session.sessionId,
                config.nodeId(), config.sessionTimeoutMs(), config.heartbeatIntervalMs());
        }
        if (result > 0)
        {
            if (session.refusal != 0)
            {
                discard(session);
                return 1;
            }
            session.state = NativeSession.State.OPEN;
            session.lastHeardMs = nowMs;
            byIngressImage.put(session.ingressAeronSessionId, session);
            counters.sessionsOpened.incrementRelease();
            counters.sessionsOpen.setRelease(live);
            LOG.info("native: {} open", session);
            return 1;
        }
        if (!EgressWriter.isRetriable(result))
        {
            discard(session);
            return 1;
        }
        return giveUpIfLate(session, nowMs);
    }

    private int giveUpIfLate(final NativeSession session, final long nowMs)
    {
        if (nowMs < session.connectDeadlineMs)
        {
            return 0;
        }
        if (session.refusal == 0)
        {
            counters.connectsFailed.incrementRelease();
        }
        LOG.warn("native: gave up on {}: its response channel did not connect within {} ms", session,
            config.sessionTimeoutMs());
        discard(session);
        return 1;
    }

    /** CloseSession, expiry, a failed egress: stop everything of the session. */
    void close(final NativeSession session, final String why)
    {
        if (session.state == NativeSession.State.CLOSED)
        {
            return;
        }
        if (session.state == NativeSession.State.OPEN)
        {
            LOG.info("native: {} closed: {}", session, why);
        }
        discard(session);
    }

    private void discard(final NativeSession session)
    {
        final boolean wasOpen = session.state == NativeSession.State.OPEN;
        session.state = NativeSession.State.CLOSED;
        all.remove(session);
        if (session.refusal != 0)
        {
            refusing--;
        }
        else if (byId.remove(session.sessionId) != null)
        {
            live--;
        }
        if (byIngressImage.get(session.ingressAeronSessionId) == session)
        {
            byIngressImage.remove(session.ingressAeronSessionId);
        }
        subscriptions.sessionClosed(session);
        if (session.publication != null)
        {
            CloseHelper.quietClose(session.publication);
        }
        else if (session.registrationId != -1)
        {
            try
            {
                aeron.asyncRemovePublication(session.registrationId);
            }
            catch (final RuntimeException ex)
            {
                LOG.debug("removing the egress of {}: {}", session, ex.toString());
            }
        }
        if (wasOpen)
        {
            counters.sessionsOpen.setRelease(live);
        }
    }

    /** Broker stopping: tell every open session, best effort, then close them all. */
    void closeAll()
    {
        for (int i = all.size() - 1; i >= 0; i--)
        {
            final NativeSession session = all.get(i);
            if (session.state == NativeSession.State.OPEN)
            {
                egress.error(session.publication, -1, NativeErrors.SESSION_CLOSED, session.sessionId,
                    "the broker is shutting down");
            }
            discard(session);
        }
    }

    /** The Aeron client is gone: forget every session without touching its publication. */
    void abandonAll()
    {
        for (final NativeSession session : all)
        {
            session.state = NativeSession.State.CLOSED;
            session.publication = null;
        }
        all.clear();
        byId.clear();
        byIngressImage.clear();
        live = 0;
        refusing = 0;
    }
}
