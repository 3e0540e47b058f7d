package io.ringlog.client;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.ringlog.transport.nativeproto.NativeProtocol;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The client's settings. Every setting has a setter and a configuration key ({@link ClientConfig}); build one
 * from properties with {@link #ClientContext(Map)} or {@link #set}. Values are checked by {@link #conclude()} (called
 * by {@link RinglogClient#connect}), which throws a {@link ConfigException} naming the key at fault.
 */
public final class ClientContext
{
    private static final System.Logger LOG = System.getLogger(RinglogClient.class.getName());

    private Aeron aeron;
    private String aeronDirectoryName = CommonContext.getAeronDirectoryName();
    private long driverTimeoutMs = CommonContext.DRIVER_TIMEOUT_MS;
    private boolean useConductorInvoker = true;
    private String ingressChannel = ClientConfig.DEFAULT_INGRESS_CHANNEL;
    private String bootstrapChannels;
    private int ingressStreamId = NativeProtocol.DEFAULT_INGRESS_STREAM_ID;
    private String responseChannel;
    private int responseStreamId = NativeProtocol.DEFAULT_EGRESS_STREAM_ID;
    private String idleStrategy = ClientConfig.DEFAULT_IDLE_STRATEGY;
    private long connectTimeoutMs = ClientConfig.DEFAULT_CONNECT_TIMEOUT_MS;
    private String clientId = ClientConfig.DEFAULT_CLIENT_ID;
    private long requestTimeoutMs = ClientConfig.DEFAULT_REQUEST_TIMEOUT_MS;
    private long reconnectBackoffMs = ClientConfig.DEFAULT_RECONNECT_BACKOFF_MS;
    private long retryBackoffMs = ClientConfig.DEFAULT_RETRY_BACKOFF_MS;
    private ErrorHandler errorHandler = ClientContext::logError;

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

    public ClientContext()
    {
    }

    /** Settings from configuration keys; unknown keys and bad values throw {@link ConfigException}. */
    public ClientContext(final Map<String, String> properties)
    {
        properties.forEach(this::set);
    }

    /** As {@link #ClientContext(Map)}, from {@link Properties}. */
    public static ClientContext fromProperties(final Properties properties)
    {
        final ClientContext ctx = new ClientContext();
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
    public ClientContext set(final String key, final String value)
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
            case ClientConfig.BOOTSTRAP_CHANNELS -> bootstrapChannels(v.isEmpty() ? null : v);
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
    public ClientContext conclude()
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
        for (final String channel : bootstrapChannels())
        {
            require(ClientConfig.BOOTSTRAP_CHANNELS, bootstrapChannels, channel.startsWith("aeron:"),
                "Aeron channels separated by commas (aeron:udp?endpoint=host:port,...)");
            ResponseChannels.base(responseChannel, channel);
        }
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
    public ClientContext aeron(final Aeron aeron)
    {
        this.aeron = aeron;
        return this;
    }

    public Aeron aeron()
    {
        return aeron;
    }

    /** {@code aeron.dir}: the media driver's directory (the broker's, for IPC and for same-host readers). */
    public ClientContext aeronDirectoryName(final String dir)
    {
        this.aeronDirectoryName = dir;
        return this;
    }

    public String aeronDirectoryName()
    {
        return aeronDirectoryName;
    }

    /** {@code aeron.driver.timeout}: ms without a driver heartbeat before Aeron gives up on it. */
    public ClientContext driverTimeoutMs(final long ms)
    {
        this.driverTimeoutMs = ms;
        return this;
    }

    public long driverTimeoutMs()
    {
        return driverTimeoutMs;
    }

    /** {@code ringlog.aeron.conductor.invoker}: run an owned Aeron's conductor inside {@link #poll()} (true). */
    public ClientContext useConductorInvoker(final boolean use)
    {
        this.useConductorInvoker = use;
        return this;
    }

    public boolean useConductorInvoker()
    {
        return useConductorInvoker;
    }

    /** {@code ringlog.ingress.channel}: where the broker listens ({@code aeron:ipc}, or {@code aeron:udp?endpoint=host:9093}). */
    public ClientContext ingressChannel(final String channel)
    {
        this.ingressChannel = channel;
        return this;
    }

    public String ingressChannel()
    {
        return ingressChannel;
    }

    /**
     * {@code ringlog.bootstrap.channels}: several brokers' ingress channels, comma-separated, for a cluster. The
     * client connects to each; any open one answers metadata, and the client then connects to each partition's
     * leader by the channel its broker registered. Null (the default): {@link #ingressChannel()} alone.
     */
    public ClientContext bootstrapChannels(final String channels)
    {
        this.bootstrapChannels = channels;
        return this;
    }

    /** The channels the client bootstraps from: {@code ringlog.bootstrap.channels}, else the ingress channel. */
    public java.util.List<String> bootstrapChannels()
    {
        if (null == bootstrapChannels)
        {
            return java.util.List.of(ingressChannel);
        }
        final java.util.List<String> list = new java.util.ArrayList<>();
        for (final String c : bootstrapChannels.split(","))
        {
            if (!c.isBlank())
            {
                list.add(c.trim());
            }
        }
        return list.isEmpty() ? java.util.List.of(ingressChannel) : list;
    }

    /** {@code ringlog.ingress.stream.id}: the broker's ingress stream (7701). */
    public ClientContext ingressStreamId(final int streamId)
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
    public ClientContext responseChannel(final String channel)
    {
        this.responseChannel = channel;
        return this;
    }

    public String responseChannel()
    {
        return responseChannel;
    }

    /** {@code ringlog.response.stream.id} (7702). */
    public ClientContext responseStreamId(final int streamId)
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
    public ClientContext idleStrategy(final String name)
    {
        this.idleStrategy = name;
        return this;
    }

    public String idleStrategy()
    {
        return idleStrategy;
    }

    /** {@code ringlog.connect.timeout.ms}: how long {@link RinglogClient#connect} waits for a session (10 s). */
    public ClientContext connectTimeoutMs(final long ms)
    {
        this.connectTimeoutMs = ms;
        return this;
    }

    public long connectTimeoutMs()
    {
        return connectTimeoutMs;
    }

    /** {@code client.id}: sent in Connect, for the broker's logs and metrics. */
    public ClientContext clientId(final String clientId)
    {
        this.clientId = clientId;
        return this;
    }

    public String clientId()
    {
        return clientId;
    }

    /** {@code request.timeout.ms}: how long a request waits for its answer (30 s, Kafka's). */
    public ClientContext requestTimeoutMs(final long ms)
    {
        this.requestTimeoutMs = ms;
        return this;
    }

    public long requestTimeoutMs()
    {
        return requestTimeoutMs;
    }

    /** {@code reconnect.backoff.ms}: pause between connect attempts (50 ms, Kafka's). */
    public ClientContext reconnectBackoffMs(final long ms)
    {
        this.reconnectBackoffMs = ms;
        return this;
    }

    public long reconnectBackoffMs()
    {
        return reconnectBackoffMs;
    }

    /** {@code retry.backoff.ms}: pause before re-sending a batch that failed with a retriable error (100 ms). */
    public ClientContext retryBackoffMs(final long ms)
    {
        this.retryBackoffMs = ms;
        return this;
    }

    public long retryBackoffMs()
    {
        return retryBackoffMs;
    }

    /** Receives errors that have no caller to throw to (Aeron's, a broker's unsolicited ones). Logs by default. */
    public ClientContext errorHandler(final ErrorHandler handler)
    {
        this.errorHandler = handler;
        return this;
    }

    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /** {@code acks}: 0, 1 or -1 (all, the default). */
    public ClientContext acks(final int acks)
    {
        this.acks = acks;
        return this;
    }

    public int acks()
    {
        return acks;
    }

    /** {@code linger.ms}: how long a partial batch waits for more records (5 ms, Kafka 4's). */
    public ClientContext lingerMs(final long ms)
    {
        this.lingerMs = ms;
        return this;
    }

    public long lingerMs()
    {
        return lingerMs;
    }

    /** {@code batch.size}: bytes of one batch buffer (16384); here also the largest record (see the README). */
    public ClientContext batchSize(final int bytes)
    {
        this.batchSize = bytes;
        return this;
    }

    public int batchSize()
    {
        return batchSize;
    }

    /** {@code buffer.memory}: bytes of batch buffers the producer may hold (32 MiB); full answers BACK_PRESSURED. */
    public ClientContext bufferMemory(final long bytes)
    {
        this.bufferMemory = bytes;
        return this;
    }

    public long bufferMemory()
    {
        return bufferMemory;
    }

    /** {@code enable.idempotence} (true). */
    public ClientContext enableIdempotence(final boolean enable)
    {
        this.enableIdempotence = enable;
        return this;
    }

    public boolean enableIdempotence()
    {
        return null == enableIdempotence ? ClientConfig.DEFAULT_ENABLE_IDEMPOTENCE : enableIdempotence;
    }

    /** {@code max.in.flight.requests.per.connection}: unanswered batches per partition (5). */
    public ClientContext maxInFlightRequestsPerConnection(final int max)
    {
        this.maxInFlight = max;
        return this;
    }

    public int maxInFlightRequestsPerConnection()
    {
        return maxInFlight;
    }

    /** {@code delivery.timeout.ms}: how long a record may take from send to acknowledgement, retries included. */
    public ClientContext deliveryTimeoutMs(final long ms)
    {
        this.deliveryTimeoutMs = ms;
        return this;
    }

    public long deliveryTimeoutMs()
    {
        return deliveryTimeoutMs;
    }

    /** {@code group.id}: the consumer group, for subscribe and commits (none by default). */
    public ClientContext groupId(final String groupId)
    {
        this.groupId = groupId;
        return this;
    }

    public String groupId()
    {
        return groupId;
    }

    /** {@code auto.offset.reset}: where to start without a committed offset: earliest, latest (default), none. */
    public ClientContext autoOffsetReset(final String reset)
    {
        this.autoOffsetReset = reset;
        return this;
    }

    public String autoOffsetReset()
    {
        return autoOffsetReset;
    }

    /** {@code enable.auto.commit}: commit positions every {@code auto.commit.interval.ms} (true with a group id). */
    public ClientContext enableAutoCommit(final boolean enable)
    {
        this.enableAutoCommit = enable;
        return this;
    }

    public boolean enableAutoCommit()
    {
        return null == enableAutoCommit ? null != groupId : enableAutoCommit;
    }

    /** {@code auto.commit.interval.ms} (5000). */
    public ClientContext autoCommitIntervalMs(final long ms)
    {
        this.autoCommitIntervalMs = ms;
        return this;
    }

    public long autoCommitIntervalMs()
    {
        return autoCommitIntervalMs;
    }

    /** {@code session.timeout.ms}: the group member's session (45000). */
    public ClientContext sessionTimeoutMs(final int ms)
    {
        this.sessionTimeoutMs = ms;
        return this;
    }

    public int sessionTimeoutMs()
    {
        return sessionTimeoutMs;
    }

    /** {@code heartbeat.interval.ms}: group heartbeats (3000). */
    public ClientContext heartbeatIntervalMs(final int ms)
    {
        this.heartbeatIntervalMs = ms;
        return this;
    }

    public int heartbeatIntervalMs()
    {
        return heartbeatIntervalMs;
    }

    /** {@code max.poll.interval.ms}: the group's rebalance timeout (300000). */
    public ClientContext maxPollIntervalMs(final int ms)
    {
        this.maxPollIntervalMs = ms;
        return this;
    }

    public int maxPollIntervalMs()
    {
        return maxPollIntervalMs;
    }

    /** {@code max.partition.fetch.bytes}: records per RecordsMessage at most, and so the egress term (1 MiB). */
    public ClientContext maxPartitionFetchBytes(final int bytes)
    {
        this.maxPartitionFetchBytes = bytes;
        return this;
    }

    public int maxPartitionFetchBytes()
    {
        return maxPartitionFetchBytes;
    }

    /** {@code fetch.max.bytes}: records the consumer holds undelivered at most (50 MiB); beyond, the egress waits. */
    public ClientContext fetchMaxBytes(final int bytes)
    {
        this.fetchMaxBytes = bytes;
        return this;
    }

    public int fetchMaxBytes()
    {
        return fetchMaxBytes;
    }
}
