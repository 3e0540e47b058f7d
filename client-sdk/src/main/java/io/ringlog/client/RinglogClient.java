package io.ringlog.client;

import io.aeron.Aeron;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.IdleStrategy;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The native Ringlog client: sessions with the brokers of a cluster over Aeron (IPC on the same host, UDP across
 * hosts), shared by a {@link io.ringlog.client.producer.RinglogProducer} and a
 * {@link io.ringlog.client.consumer.RinglogConsumer} built on it.
 *
 * <h2>Brokers and leaders</h2>
 * The client connects to its bootstrap channels ({@code ringlog.bootstrap.channels}, else the one
 * {@code ringlog.ingress.channel}); an open bootstrap connection (else any open one) carries the control calls:
 * metadata, producer ids, groups, offsets. Metadata names each partition's leader and epoch, and
 * {@code BrokersResponse} each live broker's native ingress channel; the producer sends a partition's batches, and
 * the consumer subscribes to it, on a {@link BrokerConnection} to its leader, opened on first need (the cold path)
 * and kept. A not-leader answer (which names the new leader) or a lost connection refreshes metadata (at most every
 * {@code retry.backoff.ms}) and the partition moves to its new leader: unacknowledged batches are sent again there,
 * a subscription resumes at its position. A connection to a broker that no longer appears among the live ones is
 * closed.
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
    private final ErrorHandler errorHandler;
    private final AeronConnection aeronConnection;
    private final IdleStrategy idleStrategy;
    private final Map<String, TopicMetadata> metadata = new HashMap<>();
    private BrokerConnection[] connections = new BrokerConnection[0];
    private Int2ObjectHashMap<String> brokerChannels = new Int2ObjectHashMap<>();
    private BrokerConnection lastControl;
    private int routingVersion;
    private boolean refreshDue;
    private long nextRefreshMs;
    private ClientComponent[] components = new ClientComponent[0];
    private Thread inside;
    private boolean inDutyCycle;
    private boolean closed;

    private RinglogClient(final ClientContext ctx)
    {
        this.ctx = ctx;
        clock.update(System.currentTimeMillis());
        this.idleStrategy = ctx.newIdleStrategy();
        this.errorHandler = ctx.errorHandler();
        this.aeronConnection = new AeronConnection(ctx, errorHandler);
        for (final String channel : ctx.bootstrapChannels())
        {
            newConnection(channel, true, -1);
        }
        lastControl = connections[0];
    }

    /** A connection to one broker, started by the next duty cycle. Cold path. */
    private BrokerConnection newConnection(final String channel, final boolean bootstrap, final int nodeId)
    {
        final BrokerProxy proxy = new BrokerProxy(ctx, calls, clock);
        final EgressPoller egress = new EgressPoller(calls, errorHandler, clock);
        for (final ClientComponent component : components)
        {
            egress.addComponent(component);
        }
        final SessionEvents events = new SessionEvents();
        final Session session = new Session(ctx, aeronConnection, proxy, egress, events, errorHandler, channel);
        egress.session(session);
        final BrokerConnection connection = new BrokerConnection(channel, bootstrap, nodeId, session, proxy, egress);
        events.connection = connection;
        final BrokerConnection[] grown = java.util.Arrays.copyOf(connections, connections.length + 1);
        grown[connections.length] = connection;
        connections = grown;
        routingVersion++;
        return connection;
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

    /**
     * The request side of the native protocol on the control connection (an open bootstrap connection, else any
     * open one), for control calls and advanced use. Partition traffic goes to its leader's connection
     * ({@link #leaderConnection}).
     */
    public BrokerProxy proxy()
    {
        return control().proxy;
    }

    /** The connection control calls go on: an open bootstrap connection, else any open one, else the first. */
    public BrokerConnection control()
    {
        final BrokerConnection[] cs = connections;
        for (final BrokerConnection c : cs)
        {
            if (c.bootstrap && c.session.isOpen())
            {
                return c;
            }
        }
        for (final BrokerConnection c : cs)
        {
            if (c.session.isOpen())
            {
                return c;
            }
        }
        return cs[0];
    }

    /** Every broker connection, bootstrap ones first (a copy: for tests and tools). */
    public java.util.List<BrokerConnection> connections()
    {
        return java.util.List.of(connections);
    }

    /**
     * Increases whenever metadata, the brokers' channels or a connection's state changed: a component that caches
     * a partition's leader connection looks it up again when this moved. One field read.
     */
    public int routingVersion()
    {
        return routingVersion;
    }

    /**
     * The connection to the broker that leads {@code topic}-{@code partition} by the cached metadata, opened now if
     * the client has none to it yet (cold path); null when the leader, or its broker's channel, is not known yet
     * (a refresh is then asked for). It may not be open yet: check {@link BrokerConnection#isOpen()}.
     */
    public BrokerConnection leaderConnection(final String topic, final int partition)
    {
        final TopicMetadata m = metadata.get(topic);
        if (null == m || partition < 0 || partition >= m.partitionCount())
        {
            return null;
        }
        final int leader = m.partition(partition).leaderId();
        if (leader < 0)
        {
            requestRefresh();
            return null;
        }
        return connectionTo(leader);
    }

    /** The connection to broker {@code nodeId}, opened now if needed and its channel is known; else null. */
    public BrokerConnection connectionTo(final int nodeId)
    {
        final BrokerConnection[] cs = connections;
        for (final BrokerConnection c : cs)
        {
            if (c.nodeId == nodeId)
            {
                return c;
            }
        }
        final String channel = brokerChannels.get(nodeId);
        if (null == channel)
        {
            requestRefresh();
            return null;
        }
        return newConnection(channel, false, nodeId);
    }

    /**
     * A broker said it does not lead a partition, naming who does: when that is newer than the cached metadata, route
     * there at once; a metadata refresh is asked for either way.
     */
    public void onNotLeader(final String topic, final int partition, final int leaderId, final int leaderEpoch)
    {
        final TopicMetadata m = metadata.get(topic);
        if (null != m && leaderId >= 0 && partition >= 0 && partition < m.partitionCount() &&
            leaderEpoch > m.partition(partition).leaderEpoch())
        {
            metadata.put(topic, m.withLeader(partition, leaderId, leaderEpoch));
            routingVersion++;
        }
        requestRefresh();
    }

    /** Ask for every cached topic's metadata and the brokers' channels on the next duty cycle (rate-limited). */
    public void requestRefresh()
    {
        refreshDue = true;
    }

    private int refresh(final long nowMs)
    {
        if (!refreshDue || nowMs < nextRefreshMs)
        {
            return 0;
        }
        final BrokerConnection c = control();
        if (!c.session.isOpen())
        {
            return 0;
        }
        refreshDue = false;
        nextRefreshMs = nowMs + ctx.retryBackoffMs();
        c.proxy.brokers(new BrokersCall(this::onBrokers));
        for (final String topic : metadata.keySet().toArray(new String[0]))
        {
            c.proxy.metadata(topic, new MetadataCall(topic, result -> cacheMetadata(topic, result)));
        }
        return 1;
    }

    private void cacheMetadata(final String topic, final TopicMetadata result)
    {
        metadata.put(topic, result);
        routingVersion++;
    }

    /** The live brokers' channels: connections to brokers no longer among them are closed (not bootstrap ones). */
    private void onBrokers(final Int2ObjectHashMap<String> channels)
    {
        brokerChannels = channels;
        routingVersion++;
        final BrokerConnection[] cs = connections;
        int kept = 0;
        final BrokerConnection[] next = new BrokerConnection[cs.length];
        for (final BrokerConnection c : cs)
        {
            if (c.bootstrap || c.nodeId < 0 || channels.containsKey(c.nodeId))
            {
                next[kept++] = c;
                continue;
            }
            c.session.lose("broker " + c.nodeId + " is no longer live", clock.time());
            c.session.close();
        }
        if (kept != cs.length)
        {
            connections = java.util.Arrays.copyOf(next, kept);
        }
    }

    /** The Aeron instance in use, or null while an owned one waits for a restarted driver. */
    public Aeron aeron()
    {
        return aeronConnection.aeron();
    }

    /** Whether the control connection is open (some broker can be asked for metadata). */
    public boolean isConnected()
    {
        return control().session.isOpen();
    }

    /** The control connection's session id, or -1 when none is open. */
    public long sessionId()
    {
        return control().session.sessionId();
    }

    /** The broker id from the control connection's {@code SessionOpened}. */
    public int brokerId()
    {
        return control().session.brokerId();
    }

    /** The response channel of the control connection's session, as sent in {@code Connect}. */
    public String responseChannel()
    {
        return control().session.responseChannel();
    }

    /** Milliseconds since the epoch, as of the start of the current (or last) duty cycle. */
    public long nowMs()
    {
        return clock.time();
    }

    /** Egress messages skipped because they did not decode or named another schema. */
    public long malformedMessageCount()
    {
        long n = 0;
        for (final BrokerConnection c : connections)
        {
            n += c.egress.malformedCount();
        }
        return n;
    }

    /** Attach the producer or consumer; called by their constructors. */
    public void addComponent(final ClientComponent component)
    {
        ensureOpen();
        final ClientComponent[] grown = java.util.Arrays.copyOf(components, components.length + 1);
        grown[components.length] = component;
        components = grown;
        for (final BrokerConnection c : connections)
        {
            c.egress.addComponent(component);
        }
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
            final BrokerConnection[] cs = connections;
            lastControl = control();
            for (final BrokerConnection c : cs)
            {
                work += c.session.doWork(nowMs);
            }
            for (final BrokerConnection c : cs)
            {
                work += c.egress.poll(FRAGMENT_LIMIT);
            }
            work += calls.expire(nowMs);
            work += refresh(nowMs);
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
            if (!isConnected())
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
                ctx.requestTimeoutMs() + " ms (" + (isConnected() ? "back-pressured" : control().session.lastLossReason()) + ")");
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
        final MetadataCall call = new MetadataCall(topic, result -> cacheMetadata(topic, result));
        call(() -> proxy().metadata(topic, call), call, "metadata for " + topic);
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
        final MetadataCall call = new MetadataCall(topic, result -> cacheMetadata(topic, result));
        return proxy().metadata(topic, new ResponseListener()
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
     * Refresh every cached topic's metadata and the brokers' channels in the background, from the next duty cycle
     * (after a reconnect: counter ids and epochs may have changed with the broker). Answers replace the cache
     * entries as they come.
     */
    public void refreshMetadataAsync()
    {
        requestRefresh();
    }

    private void awaitSession(final long deadlineMs, final String what)
    {
        if (!pollUntil(this::isConnected, deadlineMs))
        {
            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, what + ": no session with a broker on " +
                ctx.bootstrapChannels() + " stream " + ctx.ingressStreamId() + " within " + ctx.connectTimeoutMs() +
                " ms (" + control().session.lastLossReason() + ")");
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
        for (final BrokerConnection c : connections)
        {
            c.session.close();
        }
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

    /** One broker connection's session events. */
    private final class SessionEvents implements SessionListener
    {
        BrokerConnection connection;

        @Override
        public void onSessionOpened(final boolean reconnected)
        {
            connection.nodeId = connection.session.brokerId();
            routingVersion++;
            requestRefresh(); // the brokers' channels, and after a reconnect the counter ids and epochs
            for (final ClientComponent component : components)
            {
                component.onSessionOpened(connection, reconnected);
            }
        }

        @Override
        public void onSessionLost(final String reason)
        {
            // The calls that went out on this connection fail (they will not be answered); those on others wait on.
            final boolean control = connection == lastControl;
            calls.failAll(connection.proxy, NativeErrors.SESSION_CLOSED, "session lost: " + reason);
            routingVersion++;
            requestRefresh();
            for (final ClientComponent component : components)
            {
                component.onSessionLost(connection, control, "broker " + connection.nodeId + ": " + reason);
            }
        }
    }
}
