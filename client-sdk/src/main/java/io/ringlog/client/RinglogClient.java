package io.ringlog.client;

import io.aeron.Aeron;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.IdleStrategy;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The native Ringlog client: one session with a broker over Aeron (IPC on the same host, UDP across hosts), shared
 * by a {@link io.ringlog.client.producer.RinglogProducer} and a {@link io.ringlog.client.consumer.RinglogConsumer}
 * built on it.
 *
 * <h2>Driving it</h2>
 * Nothing happens unless {@link #poll()} is called: it is a duty cycle (Agrona's {@code Agent#doWork} habit) that
 * runs the Aeron conductor when the client owns it, keeps the session alive and reconnects it, reads the egress
 * (answers, acknowledgements, records), expires requests, and lets the producer and consumer send what is due. It
 * returns the work done, 0 when idle, so it composes with an {@link IdleStrategy} on the application's own thread
 * or inside an {@code AgentRunner}. Synchronous calls ({@link #connect}, {@link #metadata}, the producer's
 * {@code sendSync} and {@code flush}, the consumer's {@code commitSync}) poll internally with the configured idle
 * strategy ({@code ringlog.idle.strategy}, back-off by default) until done or their deadline, and then throw a
 * {@link RinglogException} naming the error.
 *
 * <h2>Threads</h2>
 * Not thread-safe. One thread at a time uses a client and everything built on it; handing it to another thread
 * needs a happens-before edge (starting the thread, a queue). With {@code -ea} a second thread entering while one is
 * inside fails an assertion. The client starts no thread of its own unless {@code ringlog.aeron.conductor.invoker}
 * is false (then Aeron runs its conductor thread).
 *
 * <h2>Reconnection</h2>
 * When the session is lost (the broker answers {@code UNKNOWN_SESSION}, the egress image goes away, the ingress
 * publication is no longer connected, or the media driver went away) the client opens a new session by itself:
 * control calls in flight fail with {@code SESSION_CLOSED}, metadata is refreshed, the producer re-sends every
 * unacknowledged batch (with idempotence, with the same producer id, epoch and sequences, so the broker drops
 * duplicates) and the consumer re-subscribes from its positions.
 */
public final class RinglogClient implements AutoCloseable
{
    /** Egress fragments read per duty cycle at most: a cap, as Aeron's agents drain with one. */
    public static final int FRAGMENT_LIMIT = 32;


    private final ClientContext ctx;
    private final CachedEpochClock clock = new CachedEpochClock();
    private final ControlCalls calls = new ControlCalls();
    private final BrokerProxy proxy;
    private final EgressPoller egress;
    private final AeronConnection aeronConnection;
    private final Session session;
    private final IdleStrategy idleStrategy;
    private final Map<String, TopicMetadata> metadata = new HashMap<>();
    private ClientComponent[] components = new ClientComponent[0];
    private Thread inside;
    private boolean inDutyCycle;
    private boolean closed;

    private RinglogClient(final ClientContext ctx)
    {
        this.ctx = ctx;
        clock.update(System.currentTimeMillis());
        this.idleStrategy = ctx.newIdleStrategy();
        final ErrorHandler errorHandler = ctx.errorHandler();
        this.proxy = new BrokerProxy(ctx, calls, clock);
        this.egress = new EgressPoller(calls, errorHandler, clock);
        this.aeronConnection = new AeronConnection(ctx, errorHandler);
        this.session = new Session(ctx, aeronConnection, proxy, egress, new SessionEvents(), errorHandler);
        egress.session(session);
    }

    /**
     * Connect to the broker: create (or use) Aeron, open a session, and wait for it until
     * {@code ringlog.connect.timeout.ms}.
     *
     * @throws ConfigException   for a bad setting.
     * @throws RinglogException  {@code REQUEST_TIMED_OUT} when no session opened in time (the reason is in the
     *                           message); the client is closed then.
     */
    public static RinglogClient connect(final ClientContext ctx)
    {
        ctx.conclude();
        final RinglogClient client = new RinglogClient(ctx);
        try
        {
            client.awaitSession(System.currentTimeMillis() + ctx.connectTimeoutMs(), "connect");
            return client;
        }
        catch (final RuntimeException ex)
        {
            client.close();
            throw ex;
        }
    }

    /** The settings this client runs with (concluded: do not change them). */
    public ClientContext context()
    {
        return ctx;
    }

    /** The request side of the native protocol, for the producer, the consumer and advanced use. */
    public BrokerProxy proxy()
    {
        return proxy;
    }

    /** The Aeron instance in use, or null while an owned one waits for a restarted driver. */
    public Aeron aeron()
    {
        return aeronConnection.aeron();
    }

    public boolean isConnected()
    {
        return session.isOpen();
    }

    /** The broker's id for the current session, or -1 when none is open. */
    public long sessionId()
    {
        return session.sessionId();
    }

    /** The broker id from the current session's {@code SessionOpened}. */
    public int brokerId()
    {
        return session.brokerId();
    }

    /** The response channel of the current session, as sent in {@code Connect}. */
    public String responseChannel()
    {
        return session.responseChannel();
    }

    /** Milliseconds since the epoch, as of the start of the current (or last) duty cycle. */
    public long nowMs()
    {
        return clock.time();
    }

    /** Egress messages skipped because they did not decode or named another schema. */
    public long malformedMessageCount()
    {
        return egress.malformedCount();
    }

    /** Attach the producer or consumer; called by their constructors. */
    public void addComponent(final ClientComponent component)
    {
        ensureOpen();
        final ClientComponent[] grown = java.util.Arrays.copyOf(components, components.length + 1);
        grown[components.length] = component;
        components = grown;
        egress.addComponent(component);
    }

    /**
     * One duty cycle. Never blocks (an owned Aeron's blocking calls happen only when a session is being opened).
     * Not re-entrant: a handler called from inside it (a completion, a record, a response) must not call it, nor a
     * synchronous call that polls ({@code sendSync}, {@code flush}, {@code commitSync}, {@link #metadata}).
     *
     * @return work done; 0 when there was nothing to do.
     * @throws IllegalStateException when re-entered from inside a handler.
     */
    public int poll()
    {
        if (inDutyCycle)
        {
            // Aeron's image poll and conductor are not re-entrant: a nested poll would deliver the same fragments
            // again. Handlers must use the asynchronous calls.
            throw new IllegalStateException("RinglogClient.poll re-entered from inside a handler: inside handlers " +
                "use send (not sendSync or flush) and commitAsync (not commitSync)");
        }
        assert enter();
        inDutyCycle = true;
        try
        {
            if (closed)
            {
                return 0;
            }
            final long nowMs = System.currentTimeMillis();
            clock.update(nowMs);
            int work = aeronConnection.invoke();
            work += session.doWork(nowMs);
            work += egress.poll(FRAGMENT_LIMIT);
            work += calls.expire(nowMs);
            for (final ClientComponent component : components)
            {
                work += component.doWork(nowMs);
            }
            return work;
        }
        finally
        {
            inDutyCycle = false;
            assert exit();
        }
    }

    /**
     * For the SDK's components: mark a stretch that calls application handlers outside {@link #poll()} (the
     * consumer's staged records), so that a synchronous call from inside them fails as it would inside a poll.
     *
     * @return true when this call entered the scope (pass it to {@link #exitHandlerScope}); false when already in it.
     */
    public boolean enterHandlerScope()
    {
        if (inDutyCycle)
        {
            return false;
        }
        inDutyCycle = true;
        return true;
    }

    /** Leave the scope {@link #enterHandlerScope()} entered (when it returned true). */
    public void exitHandlerScope(final boolean entered)
    {
        if (entered)
        {
            inDutyCycle = false;
        }
    }

    /**
     * Poll until {@code done} or the deadline, idling with the configured strategy between idle cycles. For the
     * synchronous calls of the producer and consumer.
     *
     * @return true when done, false when the deadline passed first.
     * @throws IllegalStateException when called from inside a handler (it would re-enter the duty cycle); nothing
     *                               was done then.
     */
    public boolean pollUntil(final java.util.function.BooleanSupplier done, final long deadlineMs)
    {
        if (inDutyCycle)
        {
            throw new IllegalStateException("a synchronous call from inside a handler would re-enter " +
                "RinglogClient.poll: inside handlers use send (not sendSync or flush) and commitAsync (not commitSync)");
        }
        final IdleStrategy idle = idleStrategy;
        idle.reset();
        while (!done.getAsBoolean())
        {
            if (System.currentTimeMillis() >= deadlineMs)
            {
                return false;
            }
            ensureOpen();
            idle.idle(poll());
        }
        return true;
    }

    /**
     * Make a synchronous control call: send the request (retrying while back-pressured or while no session is
     * open), then poll until its answer, all within {@code request.timeout.ms}.
     *
     * @param send offers the request with {@code call} as its listener and returns what the {@link BrokerProxy}
     *             method returned.
     * @param call decodes the answer.
     * @param what names the call in an exception's message.
     * @throws RinglogException with the answer's error code, or {@code REQUEST_TIMED_OUT}.
     */
    public void call(final LongSupplier send, final SyncCall call, final String what)
    {
        call.reset();
        final long deadlineMs = System.currentTimeMillis() + ctx.requestTimeoutMs();
        final long[] correlationId = {0};
        final boolean sent = pollUntil(() ->
        {
            if (!session.isOpen())
            {
                return false;
            }
            final long result = send.getAsLong();
            if (result > 0)
            {
                correlationId[0] = result;
                return true;
            }
            return false;
        }, deadlineMs);
        if (!sent)
        {
            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, what + ": could not send within " +
                ctx.requestTimeoutMs() + " ms (" + (session.isOpen() ? "back-pressured" : session.lastLossReason()) + ")");
        }
        if (!pollUntil(call::isDone, deadlineMs))
        {
            calls.cancel(correlationId[0]);
            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, what + ": no answer within " +
                ctx.requestTimeoutMs() + " ms");
        }
        if (call.errorCode() != NativeErrors.NONE)
        {
            throw new RinglogException(call.errorCode(), what + (null == call.errorMessage() ? "" :
                ": " + call.errorMessage()));
        }
    }

    /**
     * A topic's metadata, from the cache when known, else asked for (synchronously).
     *
     * @throws RinglogException for an unknown topic ({@code UNKNOWN_TOPIC_OR_PARTITION}) or a timeout.
     */
    public TopicMetadata metadata(final String topic)
    {
        final TopicMetadata cached = metadata.get(topic);
        return null != cached ? cached : fetchMetadata(topic);
    }

    /** Ask the broker for a topic's metadata now, replacing the cached copy. */
    public TopicMetadata fetchMetadata(final String topic)
    {
        final MetadataCall call = new MetadataCall(topic, result -> metadata.put(topic, result));
        call(() -> proxy.metadata(topic, call), call, "metadata for " + topic);
        return call.result();
    }

    /**
     * Ask for a topic's metadata without waiting: when the answer comes (inside a later {@link #poll()}), the cache
     * is updated and {@code done} gets the answer's error code ({@code NONE}: {@link #cachedMetadata} now has it).
     *
     * @return the correlation id, or a negative {@link BrokerProxy} code when it could not be sent.
     */
    public long requestMetadata(final String topic, final java.util.function.IntConsumer done)
    {
        final MetadataCall call = new MetadataCall(topic, result -> metadata.put(topic, result));
        return proxy.metadata(topic, new ResponseListener()
        {
            @Override
            public void onResponse(
                final int templateId, final org.agrona.DirectBuffer buffer, final int offset, final int blockLength,
                final int version)
            {
                call.onResponse(templateId, buffer, offset, blockLength, version);
                done.accept(call.errorCode());
            }

            @Override
            public void onError(final short errorCode, final String message)
            {
                done.accept(errorCode);
            }
        });
    }

    /** The cached metadata of a topic, or null; never asks the broker. */
    public TopicMetadata cachedMetadata(final String topic)
    {
        return metadata.get(topic);
    }

    /**
     * Refresh every cached topic's metadata in the background (after a reconnect: counter ids and epochs may have
     * changed with the broker). Answers replace the cache entries as they come.
     */
    public void refreshMetadataAsync()
    {
        for (final String topic : metadata.keySet().toArray(new String[0]))
        {
            final MetadataCall call = new MetadataCall(topic, result -> metadata.put(topic, result));
            proxy.metadata(topic, call);
        }
    }

    private void awaitSession(final long deadlineMs, final String what)
    {
        if (!pollUntil(session::isOpen, deadlineMs))
        {
            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, what + ": no session with the broker on " +
                ctx.ingressChannel() + " stream " + ctx.ingressStreamId() + " within " + ctx.connectTimeoutMs() +
                " ms (" + session.lastLossReason() + ")");
        }
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new RinglogException(NativeErrors.SESSION_CLOSED, "the client is closed");
        }
    }

    /**
     * Close the producer and consumer (they flush nothing: call their {@code close} first for that), the session
     * ({@code CloseSession}, best effort) and an owned Aeron. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        for (final ClientComponent component : components)
        {
            try
            {
                component.onClose();
            }
            catch (final RuntimeException ex)
            {
                ctx.errorHandler().onError(ex);
            }
        }
        session.close();
        calls.failAll(NativeErrors.SESSION_CLOSED, "the client closed");
        aeronConnection.close();
        closed = true;
    }

    public boolean isClosed()
    {
        return closed;
    }

    private boolean enter()
    {
        final Thread current = Thread.currentThread();
        if (null != inside && inside != current)
        {
            throw new AssertionError("RinglogClient used by " + current + " while " + inside + " is inside it");
        }
        inside = current;
        return true;
    }

    private boolean exit()
    {
        inside = null;
        return true;
    }

    private final class SessionEvents implements SessionListener
    {
        @Override
        public void onSessionOpened(final boolean reconnected)
        {
            if (reconnected)
            {
                refreshMetadataAsync();
            }
            for (final ClientComponent component : components)
            {
                component.onSessionOpened(reconnected);
            }
        }

        @Override
        public void onSessionLost(final String reason)
        {
            calls.failAll(NativeErrors.SESSION_CLOSED, "session lost: " + reason);
            for (final ClientComponent component : components)
            {
                component.onSessionLost(reason);
            }
        }
    }
}
