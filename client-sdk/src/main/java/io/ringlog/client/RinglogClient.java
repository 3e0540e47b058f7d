package io.ringlog.client;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.NativeProtocol;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
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

    private static final System.Logger LOG = System.getLogger(RinglogClient.class.getName());

    private final Context ctx;
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

    private RinglogClient(final Context ctx)
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
    public static RinglogClient connect(final Context ctx)
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
    public Context context()
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

    /**
     * The client's settings. Every setting has a setter and a configuration key ({@link ClientConfig}); build one
     * from properties with {@link #Context(Map)} or {@link #set}. Values are checked by {@link #conclude()} (called
     * by {@link RinglogClient#connect}), which throws a {@link ConfigException} naming the key at fault.
     */
    public static final class Context
    {
        private Aeron aeron;
        private String aeronDirectoryName = CommonContext.getAeronDirectoryName();
        private long driverTimeoutMs = CommonContext.DRIVER_TIMEOUT_MS;
        private boolean useConductorInvoker = true;
        private String ingressChannel = ClientConfig.DEFAULT_INGRESS_CHANNEL;
        private int ingressStreamId = NativeProtocol.DEFAULT_INGRESS_STREAM_ID;
        private String responseChannel;
        private int responseStreamId = NativeProtocol.DEFAULT_EGRESS_STREAM_ID;
        private String idleStrategy = ClientConfig.DEFAULT_IDLE_STRATEGY;
        private long connectTimeoutMs = ClientConfig.DEFAULT_CONNECT_TIMEOUT_MS;
        private String clientId = ClientConfig.DEFAULT_CLIENT_ID;
        private long requestTimeoutMs = ClientConfig.DEFAULT_REQUEST_TIMEOUT_MS;
        private long reconnectBackoffMs = ClientConfig.DEFAULT_RECONNECT_BACKOFF_MS;
        private long retryBackoffMs = ClientConfig.DEFAULT_RETRY_BACKOFF_MS;
        private ErrorHandler errorHandler = Context::logError;

        private int acks = ClientConfig.DEFAULT_ACKS;
        private long lingerMs = ClientConfig.DEFAULT_LINGER_MS;
        private int batchSize = ClientConfig.DEFAULT_BATCH_SIZE;
        private long bufferMemory = ClientConfig.DEFAULT_BUFFER_MEMORY;
        private Boolean enableIdempotence;
        private int maxInFlight = ClientConfig.DEFAULT_MAX_IN_FLIGHT;
        private long deliveryTimeoutMs = ClientConfig.DEFAULT_DELIVERY_TIMEOUT_MS;

        private String groupId;
        private String autoOffsetReset = ClientConfig.DEFAULT_AUTO_OFFSET_RESET;
        private Boolean enableAutoCommit;
        private long autoCommitIntervalMs = ClientConfig.DEFAULT_AUTO_COMMIT_INTERVAL_MS;
        private int sessionTimeoutMs = ClientConfig.DEFAULT_SESSION_TIMEOUT_MS;
        private int heartbeatIntervalMs = ClientConfig.DEFAULT_HEARTBEAT_INTERVAL_MS;
        private int maxPollIntervalMs = ClientConfig.DEFAULT_MAX_POLL_INTERVAL_MS;
        private int maxPartitionFetchBytes = ClientConfig.DEFAULT_MAX_PARTITION_FETCH_BYTES;
        private int fetchMaxBytes = ClientConfig.DEFAULT_FETCH_MAX_BYTES;
        private boolean concluded;

        public Context()
        {
        }

        /** Settings from configuration keys; unknown keys and bad values throw {@link ConfigException}. */
        public Context(final Map<String, String> properties)
        {
            properties.forEach(this::set);
        }

        /** As {@link #Context(Map)}, from {@link Properties}. */
        public static Context fromProperties(final Properties properties)
        {
            final Context ctx = new Context();
            for (final String key : properties.stringPropertyNames())
            {
                ctx.set(key, properties.getProperty(key));
            }
            return ctx;
        }

        /**
         * Set one setting by its configuration key.
         *
         * @throws ConfigException for an unknown key or a value that does not parse or is out of range.
         */
        public Context set(final String key, final String value)
        {
            if (null == value)
            {
                throw new ConfigException(key, null, "a value is required");
            }
            final String v = value.trim();
            switch (key)
            {
                case ClientConfig.AERON_DIR -> aeronDirectoryName(v);
                case ClientConfig.AERON_DRIVER_TIMEOUT_MS -> driverTimeoutMs(positiveLong(key, v));
                case ClientConfig.INGRESS_CHANNEL -> ingressChannel(v);
                case ClientConfig.INGRESS_STREAM_ID -> ingressStreamId(integer(key, v));
                case ClientConfig.RESPONSE_CHANNEL -> responseChannel(v);
                case ClientConfig.RESPONSE_STREAM_ID -> responseStreamId(integer(key, v));
                case ClientConfig.CONDUCTOR_INVOKER -> useConductorInvoker(bool(key, v));
                case ClientConfig.IDLE_STRATEGY -> idleStrategy(v);
                case ClientConfig.CONNECT_TIMEOUT_MS -> connectTimeoutMs(positiveLong(key, v));
                case ClientConfig.CLIENT_ID -> clientId(v);
                case ClientConfig.REQUEST_TIMEOUT_MS -> requestTimeoutMs(positiveLong(key, v));
                case ClientConfig.RECONNECT_BACKOFF_MS -> reconnectBackoffMs(nonNegativeLong(key, v));
                case ClientConfig.RETRY_BACKOFF_MS -> retryBackoffMs(nonNegativeLong(key, v));
                case ClientConfig.ACKS -> acks("all".equalsIgnoreCase(v) ? -1 : integer(key, v));
                case ClientConfig.LINGER_MS -> lingerMs(nonNegativeLong(key, v));
                case ClientConfig.BATCH_SIZE -> batchSize(integer(key, v));
                case ClientConfig.BUFFER_MEMORY -> bufferMemory(positiveLong(key, v));
                case ClientConfig.ENABLE_IDEMPOTENCE -> enableIdempotence(bool(key, v));
                case ClientConfig.MAX_IN_FLIGHT -> maxInFlightRequestsPerConnection(integer(key, v));
                case ClientConfig.DELIVERY_TIMEOUT_MS -> deliveryTimeoutMs(positiveLong(key, v));
                case ClientConfig.GROUP_ID -> groupId(v.isEmpty() ? null : v);
                case ClientConfig.AUTO_OFFSET_RESET -> autoOffsetReset(v);
                case ClientConfig.ENABLE_AUTO_COMMIT -> enableAutoCommit(bool(key, v));
                case ClientConfig.AUTO_COMMIT_INTERVAL_MS -> autoCommitIntervalMs(positiveLong(key, v));
                case ClientConfig.SESSION_TIMEOUT_MS -> sessionTimeoutMs(integer(key, v));
                case ClientConfig.HEARTBEAT_INTERVAL_MS -> heartbeatIntervalMs(integer(key, v));
                case ClientConfig.MAX_POLL_INTERVAL_MS -> maxPollIntervalMs(integer(key, v));
                case ClientConfig.MAX_PARTITION_FETCH_BYTES -> maxPartitionFetchBytes(integer(key, v));
                case ClientConfig.FETCH_MAX_BYTES -> fetchMaxBytes(integer(key, v));
                default -> throw new ConfigException(key, value, "unknown configuration key");
            }
            return this;
        }

        /**
         * Check every value and the rules between them, and settle the defaults that depend on others (Kafka's: an
         * explicit {@code acks} other than all, or more than five requests in flight, turns idempotence off when it
         * was not asked for explicitly, and is an error when it was). Idempotent.
         *
         * @throws ConfigException naming the key at fault.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            require(ClientConfig.INGRESS_CHANNEL, ingressChannel, null != ingressChannel && ingressChannel.startsWith("aeron:"),
                "an Aeron channel (aeron:ipc or aeron:udp?endpoint=host:port)");
            require(ClientConfig.RESPONSE_CHANNEL, responseChannel,
                null == responseChannel || responseChannel.startsWith("aeron:"), "an Aeron channel");
            ResponseChannels.base(responseChannel, ingressChannel); // throws ConfigException for a bad channel
            require(ClientConfig.IDLE_STRATEGY, idleStrategy, null != newIdleStrategy(), "backoff, sleeping, yielding or busy-spin");
            require(ClientConfig.CLIENT_ID, clientId, null != clientId, "a client id");
            require(ClientConfig.ACKS, acks, acks == -1 || acks == 0 || acks == 1, "all, -1, 0 or 1");
            require(ClientConfig.BATCH_SIZE, batchSize, batchSize >= 128 && batchSize <= 64 * 1024 * 1024,
                "between 128 bytes and 64 MiB (a record must fit in one batch)");
            require(ClientConfig.BUFFER_MEMORY, bufferMemory, bufferMemory >= batchSize, "at least " + ClientConfig.BATCH_SIZE);
            require(ClientConfig.MAX_IN_FLIGHT, maxInFlight, maxInFlight >= 1, "at least 1");
            require(ClientConfig.DELIVERY_TIMEOUT_MS, deliveryTimeoutMs, deliveryTimeoutMs >= lingerMs + requestTimeoutMs,
                "at least " + ClientConfig.LINGER_MS + " + " + ClientConfig.REQUEST_TIMEOUT_MS + " (" +
                (lingerMs + requestTimeoutMs) + "), as Kafka requires");
            if (null == enableIdempotence)
            {
                enableIdempotence = acks == -1 && maxInFlight <= ClientConfig.MAX_IN_FLIGHT_IDEMPOTENT;
            }
            else if (enableIdempotence)
            {
                require(ClientConfig.ACKS, acks, acks == -1, "all (-1) when " + ClientConfig.ENABLE_IDEMPOTENCE + "=true");
                require(ClientConfig.MAX_IN_FLIGHT, maxInFlight, maxInFlight <= ClientConfig.MAX_IN_FLIGHT_IDEMPOTENT,
                    "at most 5 when " + ClientConfig.ENABLE_IDEMPOTENCE + "=true");
            }
            final String reset = autoOffsetReset.toLowerCase(Locale.ROOT);
            require(ClientConfig.AUTO_OFFSET_RESET, autoOffsetReset,
                reset.equals("earliest") || reset.equals("latest") || reset.equals("none"), "earliest, latest or none");
            autoOffsetReset = reset;
            if (null == enableAutoCommit)
            {
                enableAutoCommit = null != groupId;
            }
            else if (enableAutoCommit)
            {
                require(ClientConfig.ENABLE_AUTO_COMMIT, true, null != groupId, "false without " + ClientConfig.GROUP_ID);
            }
            require(ClientConfig.SESSION_TIMEOUT_MS, sessionTimeoutMs, sessionTimeoutMs > 0, "positive");
            require(ClientConfig.HEARTBEAT_INTERVAL_MS, heartbeatIntervalMs,
                heartbeatIntervalMs > 0 && heartbeatIntervalMs < sessionTimeoutMs,
                "positive and below " + ClientConfig.SESSION_TIMEOUT_MS);
            require(ClientConfig.MAX_POLL_INTERVAL_MS, maxPollIntervalMs, maxPollIntervalMs > 0, "positive");
            require(ClientConfig.MAX_PARTITION_FETCH_BYTES, maxPartitionFetchBytes,
                maxPartitionFetchBytes >= 1024 && maxPartitionFetchBytes <= 64 * 1024 * 1024, "between 1 KiB and 64 MiB");
            require(ClientConfig.FETCH_MAX_BYTES, fetchMaxBytes, fetchMaxBytes >= maxPartitionFetchBytes,
                "at least " + ClientConfig.MAX_PARTITION_FETCH_BYTES);
            concluded = true;
            return this;
        }

        private static void require(final String key, final Object value, final boolean ok, final String expected)
        {
            if (!ok)
            {
                throw new ConfigException(key, value, "expected " + expected);
            }
        }

        private static long positiveLong(final String key, final String v)
        {
            final long n = parseLong(key, v);
            require(key, v, n > 0, "a positive number");
            return n;
        }

        private static long nonNegativeLong(final String key, final String v)
        {
            final long n = parseLong(key, v);
            require(key, v, n >= 0, "zero or more");
            return n;
        }

        private static long parseLong(final String key, final String v)
        {
            try
            {
                return Long.parseLong(v);
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException(key, v, "not a number");
            }
        }

        private static int integer(final String key, final String v)
        {
            try
            {
                return Integer.parseInt(v);
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException(key, v, "not an integer");
            }
        }

        private static boolean bool(final String key, final String v)
        {
            if ("true".equalsIgnoreCase(v))
            {
                return true;
            }
            if ("false".equalsIgnoreCase(v))
            {
                return false;
            }
            throw new ConfigException(key, v, "expected true or false");
        }

        private static void logError(final Throwable ex)
        {
            LOG.log(System.Logger.Level.WARNING, "ringlog client: " + ex, ex);
        }

        IdleStrategy newIdleStrategy()
        {
            return switch (idleStrategy)
            {
                // The broker's back-off: spin 10, yield 5, then park from 1 us doubling to 100 us.
                case "backoff" -> new BackoffIdleStrategy(10, 5, 1_000, TimeUnit.MICROSECONDS.toNanos(100));
                case "sleeping" -> new SleepingMillisIdleStrategy(1);
                case "yielding" -> new YieldingIdleStrategy();
                case "busy-spin" -> new BusySpinIdleStrategy();
                default -> null;
            };
        }

        /** Use this Aeron instead of creating one; the client will not close it and cannot reconnect it. */
        public Context aeron(final Aeron aeron)
        {
            this.aeron = aeron;
            return this;
        }

        public Aeron aeron()
        {
            return aeron;
        }

        /** {@code aeron.dir}: the media driver's directory (the broker's, for IPC and for same-host readers). */
        public Context aeronDirectoryName(final String dir)
        {
            this.aeronDirectoryName = dir;
            return this;
        }

        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /** {@code aeron.driver.timeout}: ms without a driver heartbeat before Aeron gives up on it. */
        public Context driverTimeoutMs(final long ms)
        {
            this.driverTimeoutMs = ms;
            return this;
        }

        public long driverTimeoutMs()
        {
            return driverTimeoutMs;
        }

        /** {@code ringlog.aeron.conductor.invoker}: run an owned Aeron's conductor inside {@link #poll()} (true). */
        public Context useConductorInvoker(final boolean use)
        {
            this.useConductorInvoker = use;
            return this;
        }

        public boolean useConductorInvoker()
        {
            return useConductorInvoker;
        }

        /** {@code ringlog.ingress.channel}: where the broker listens ({@code aeron:ipc}, or {@code aeron:udp?endpoint=host:9093}). */
        public Context ingressChannel(final String channel)
        {
            this.ingressChannel = channel;
            return this;
        }

        public String ingressChannel()
        {
            return ingressChannel;
        }

        /** {@code ringlog.ingress.stream.id}: the broker's ingress stream (7701). */
        public Context ingressStreamId(final int streamId)
        {
            this.ingressStreamId = streamId;
            return this;
        }

        public int ingressStreamId()
        {
            return ingressStreamId;
        }

        /**
         * {@code ringlog.response.channel}: where the broker should publish this client's egress. Unset: IPC when the
         * ingress is IPC, else UDP on the local address toward the broker and a free port. A random session id is
         * always added.
         */
        public Context responseChannel(final String channel)
        {
            this.responseChannel = channel;
            return this;
        }

        public String responseChannel()
        {
            return responseChannel;
        }

        /** {@code ringlog.response.stream.id} (7702). */
        public Context responseStreamId(final int streamId)
        {
            this.responseStreamId = streamId;
            return this;
        }

        public int responseStreamId()
        {
            return responseStreamId;
        }

        /**
         * {@code ringlog.idle.strategy} for synchronous waits: {@code backoff} (spin 10, yield 5, park 1 us doubling
         * to 100 us; the default), {@code sleeping} (1 ms), {@code yielding} (a full core), {@code busy-spin} (a full
         * core, lowest latency: never on a small shared machine).
         */
        public Context idleStrategy(final String name)
        {
            this.idleStrategy = name;
            return this;
        }

        public String idleStrategy()
        {
            return idleStrategy;
        }

        /** {@code ringlog.connect.timeout.ms}: how long {@link RinglogClient#connect} waits for a session (10 s). */
        public Context connectTimeoutMs(final long ms)
        {
            this.connectTimeoutMs = ms;
            return this;
        }

        public long connectTimeoutMs()
        {
            return connectTimeoutMs;
        }

        /** {@code client.id}: sent in Connect, for the broker's logs and metrics. */
        public Context clientId(final String clientId)
        {
            this.clientId = clientId;
            return this;
        }

        public String clientId()
        {
            return clientId;
        }

        /** {@code request.timeout.ms}: how long a request waits for its answer (30 s, Kafka's). */
        public Context requestTimeoutMs(final long ms)
        {
            this.requestTimeoutMs = ms;
            return this;
        }

        public long requestTimeoutMs()
        {
            return requestTimeoutMs;
        }

        /** {@code reconnect.backoff.ms}: pause between connect attempts (50 ms, Kafka's). */
        public Context reconnectBackoffMs(final long ms)
        {
            this.reconnectBackoffMs = ms;
            return this;
        }

        public long reconnectBackoffMs()
        {
            return reconnectBackoffMs;
        }

        /** {@code retry.backoff.ms}: pause before re-sending a batch that failed with a retriable error (100 ms). */
        public Context retryBackoffMs(final long ms)
        {
            this.retryBackoffMs = ms;
            return this;
        }

        public long retryBackoffMs()
        {
            return retryBackoffMs;
        }

        /** Receives errors that have no caller to throw to (Aeron's, a broker's unsolicited ones). Logs by default. */
        public Context errorHandler(final ErrorHandler handler)
        {
            this.errorHandler = handler;
            return this;
        }

        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /** {@code acks}: 0, 1 or -1 (all, the default). */
        public Context acks(final int acks)
        {
            this.acks = acks;
            return this;
        }

        public int acks()
        {
            return acks;
        }

        /** {@code linger.ms}: how long a partial batch waits for more records (5 ms, Kafka 4's). */
        public Context lingerMs(final long ms)
        {
            this.lingerMs = ms;
            return this;
        }

        public long lingerMs()
        {
            return lingerMs;
        }

        /** {@code batch.size}: bytes of one batch buffer (16384); here also the largest record (see the README). */
        public Context batchSize(final int bytes)
        {
            this.batchSize = bytes;
            return this;
        }

        public int batchSize()
        {
            return batchSize;
        }

        /** {@code buffer.memory}: bytes of batch buffers the producer may hold (32 MiB); full answers BACK_PRESSURED. */
        public Context bufferMemory(final long bytes)
        {
            this.bufferMemory = bytes;
            return this;
        }

        public long bufferMemory()
        {
            return bufferMemory;
        }

        /** {@code enable.idempotence} (true). */
        public Context enableIdempotence(final boolean enable)
        {
            this.enableIdempotence = enable;
            return this;
        }

        public boolean enableIdempotence()
        {
            return null == enableIdempotence ? ClientConfig.DEFAULT_ENABLE_IDEMPOTENCE : enableIdempotence;
        }

        /** {@code max.in.flight.requests.per.connection}: unanswered batches per partition (5). */
        public Context maxInFlightRequestsPerConnection(final int max)
        {
            this.maxInFlight = max;
            return this;
        }

        public int maxInFlightRequestsPerConnection()
        {
            return maxInFlight;
        }

        /** {@code delivery.timeout.ms}: how long a record may take from send to acknowledgement, retries included. */
        public Context deliveryTimeoutMs(final long ms)
        {
            this.deliveryTimeoutMs = ms;
            return this;
        }

        public long deliveryTimeoutMs()
        {
            return deliveryTimeoutMs;
        }

        /** {@code group.id}: the consumer group, for subscribe and commits (none by default). */
        public Context groupId(final String groupId)
        {
            this.groupId = groupId;
            return this;
        }

        public String groupId()
        {
            return groupId;
        }

        /** {@code auto.offset.reset}: where to start without a committed offset: earliest, latest (default), none. */
        public Context autoOffsetReset(final String reset)
        {
            this.autoOffsetReset = reset;
            return this;
        }

        public String autoOffsetReset()
        {
            return autoOffsetReset;
        }

        /** {@code enable.auto.commit}: commit positions every {@code auto.commit.interval.ms} (true with a group id). */
        public Context enableAutoCommit(final boolean enable)
        {
            this.enableAutoCommit = enable;
            return this;
        }

        public boolean enableAutoCommit()
        {
            return null == enableAutoCommit ? null != groupId : enableAutoCommit;
        }

        /** {@code auto.commit.interval.ms} (5000). */
        public Context autoCommitIntervalMs(final long ms)
        {
            this.autoCommitIntervalMs = ms;
            return this;
        }

        public long autoCommitIntervalMs()
        {
            return autoCommitIntervalMs;
        }

        /** {@code session.timeout.ms}: the group member's session (45000). */
        public Context sessionTimeoutMs(final int ms)
        {
            this.sessionTimeoutMs = ms;
            return this;
        }

        public int sessionTimeoutMs()
        {
            return sessionTimeoutMs;
        }

        /** {@code heartbeat.interval.ms}: group heartbeats (3000). */
        public Context heartbeatIntervalMs(final int ms)
        {
            this.heartbeatIntervalMs = ms;
            return this;
        }

        public int heartbeatIntervalMs()
        {
            return heartbeatIntervalMs;
        }

        /** {@code max.poll.interval.ms}: the group's rebalance timeout (300000). */
        public Context maxPollIntervalMs(final int ms)
        {
            this.maxPollIntervalMs = ms;
            return this;
        }

        public int maxPollIntervalMs()
        {
            return maxPollIntervalMs;
        }

        /** {@code max.partition.fetch.bytes}: records per RecordsMessage at most, and so the egress term (1 MiB). */
        public Context maxPartitionFetchBytes(final int bytes)
        {
            this.maxPartitionFetchBytes = bytes;
            return this;
        }

        public int maxPartitionFetchBytes()
        {
            return maxPartitionFetchBytes;
        }

        /** {@code fetch.max.bytes}: records the consumer holds undelivered at most (50 MiB); beyond, the egress waits. */
        public Context fetchMaxBytes(final int bytes)
        {
            this.fetchMaxBytes = bytes;
            return this;
        }

        public int fetchMaxBytes()
        {
            return fetchMaxBytes;
        }
    }
}
