package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.SupportedApis;
import io.ringlog.transport.memory.BoundedBufferPool;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersManager;

import java.util.Objects;

/**
 * Configuration of a {@link KafkaListener}, Aeron-style: fluent setters, Kafka's config keys and
 * defaults as constants, checked by {@link #conclude()} when the listener is built.
 * <p>
 * <b>Thread:</b> not thread-safe; fill it in on one thread, then hand it to the listener, which
 * does not change it.
 */
public final class KafkaListenerContext
{
    /** Kafka key: largest request frame accepted. */
    public static final String SOCKET_REQUEST_MAX_BYTES_CONFIG = "socket.request.max.bytes";
    /** Kafka's default for {@value #SOCKET_REQUEST_MAX_BYTES_CONFIG}: 100 MiB. */
    public static final int SOCKET_REQUEST_MAX_BYTES_DEFAULT = 104_857_600;

    /**
     * Kafka key: bytes of requests held in memory before the listener stops reading. Kafka's own
     * default is -1 (no bound); ours is bounded, because an unbounded queue is what we avoid.
     */
    public static final String QUEUED_MAX_REQUEST_BYTES_CONFIG = "queued.max.request.bytes";
    /** Our default for {@value #QUEUED_MAX_REQUEST_BYTES_CONFIG}: 500 MiB. */
    public static final long QUEUED_MAX_REQUEST_BYTES_DEFAULT = 500L * 1024 * 1024;

    /** Kafka key: most connections open at once; beyond it the listener stops accepting. */
    public static final String MAX_CONNECTIONS_CONFIG = "max.connections";
    /** Kafka's default for {@value #MAX_CONNECTIONS_CONFIG}. */
    public static final int MAX_CONNECTIONS_DEFAULT = Integer.MAX_VALUE;

    /** Kafka key: a connection with no traffic for this long, and no request in flight, is closed. */
    public static final String CONNECTIONS_MAX_IDLE_MS_CONFIG = "connections.max.idle.ms";
    /** Kafka's default for {@value #CONNECTIONS_MAX_IDLE_MS_CONFIG}: 10 minutes. */
    public static final long CONNECTIONS_MAX_IDLE_MS_DEFAULT = 600_000;

    /** Kafka key: SO_SNDBUF of accepted sockets; -1 keeps the OS default. */
    public static final String SOCKET_SEND_BUFFER_BYTES_CONFIG = "socket.send.buffer.bytes";
    /** Kafka's default for {@value #SOCKET_SEND_BUFFER_BYTES_CONFIG}. */
    public static final int SOCKET_SEND_BUFFER_BYTES_DEFAULT = 102_400;

    /** Kafka key: SO_RCVBUF of accepted sockets; -1 keeps the OS default. */
    public static final String SOCKET_RECEIVE_BUFFER_BYTES_CONFIG = "socket.receive.buffer.bytes";
    /** Kafka's default for {@value #SOCKET_RECEIVE_BUFFER_BYTES_CONFIG}. */
    public static final int SOCKET_RECEIVE_BUFFER_BYTES_DEFAULT = 102_400;

    /** Kafka key: backlog of the listening socket. */
    public static final String SOCKET_LISTEN_BACKLOG_SIZE_CONFIG = "socket.listen.backlog.size";
    /** Kafka's default for {@value #SOCKET_LISTEN_BACKLOG_SIZE_CONFIG}. */
    public static final int SOCKET_LISTEN_BACKLOG_SIZE_DEFAULT = 50;

    /**
     * Default capacity of the queue of completions from other threads. Each connection has at
     * most one request in flight, so this many connections may complete at once before a
     * completer sees {@link KafkaRequest#BACK_PRESSURED}.
     */
    public static final int COMPLETION_QUEUE_CAPACITY_DEFAULT = 4096;

    /**
     * Default longest time the selector idle strategy blocks in {@code select}. It bounds how
     * long {@code AgentRunner.close()} waits for the thread and how late the idle-connection scan
     * runs; wake-ups cost a few microseconds of CPU, so 100 ms is ten a second when idle.
     */
    public static final long SELECT_TIMEOUT_MS_DEFAULT = 100;

    private String host = "0.0.0.0";
    private int port = 9092;
    private int socketRequestMaxBytes = SOCKET_REQUEST_MAX_BYTES_DEFAULT;
    private long queuedMaxRequestBytes = QUEUED_MAX_REQUEST_BYTES_DEFAULT;
    private int maxCachedBufferBytes = BoundedBufferPool.DEFAULT_MAX_CACHED_BUFFER_BYTES;
    private int maxConnections = MAX_CONNECTIONS_DEFAULT;
    private long connectionsMaxIdleMs = CONNECTIONS_MAX_IDLE_MS_DEFAULT;
    private int socketSendBufferBytes = SOCKET_SEND_BUFFER_BYTES_DEFAULT;
    private int socketReceiveBufferBytes = SOCKET_RECEIVE_BUFFER_BYTES_DEFAULT;
    private int listenBacklog = SOCKET_LISTEN_BACKLOG_SIZE_DEFAULT;
    private int completionQueueCapacity = COMPLETION_QUEUE_CAPACITY_DEFAULT;
    private long selectTimeoutMs = SELECT_TIMEOUT_MS_DEFAULT;
    private IdleStrategy idleStrategy;
    private SupportedApis supportedApis;
    private KafkaRequestHandler handler;
    private CountersManager countersManager;
    private String name = "kafka";

    /**
     * Check the configuration.
     *
     * @return this.
     * @throws IllegalArgumentException or NullPointerException on a bad value.
     */
    public KafkaListenerContext conclude()
    {
        Objects.requireNonNull(supportedApis, "supportedApis");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(host, "host");
        requireRange(port, 0, 65535, "port");
        requireRange(socketRequestMaxBytes, 8, Integer.MAX_VALUE, SOCKET_REQUEST_MAX_BYTES_CONFIG);
        if (queuedMaxRequestBytes < BoundedBufferPool.MIN_BUFFER_BYTES)
        {
            throw new IllegalArgumentException(QUEUED_MAX_REQUEST_BYTES_CONFIG + " must be at least " +
                BoundedBufferPool.MIN_BUFFER_BYTES + " (it cannot be unbounded here): " + queuedMaxRequestBytes);
        }
        requireRange(maxConnections, 1, Integer.MAX_VALUE, MAX_CONNECTIONS_CONFIG);
        if (connectionsMaxIdleMs <= 0)
        {
            throw new IllegalArgumentException(CONNECTIONS_MAX_IDLE_MS_CONFIG + " must be positive");
        }
        requireRange(listenBacklog, 1, Integer.MAX_VALUE, SOCKET_LISTEN_BACKLOG_SIZE_CONFIG);
        requireRange(completionQueueCapacity, 2, 1 << 30, "completionQueueCapacity");
        if (selectTimeoutMs <= 0)
        {
            throw new IllegalArgumentException("selectTimeoutMs must be positive");
        }
        return this;
    }

    private static void requireRange(final long value, final long min, final long max, final String name)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: " + value);
        }
    }

    public KafkaListenerContext host(final String host)
    {
        this.host = host;
        return this;
    }

    public String host()
    {
        return host;
    }

    /**
     * @param port to bind, 0 for an ephemeral port (read it back with {@link KafkaListener#boundPort()}).
     * @return this.
     */
    public KafkaListenerContext port(final int port)
    {
        this.port = port;
        return this;
    }

    public int port()
    {
        return port;
    }

    public KafkaListenerContext socketRequestMaxBytes(final int bytes)
    {
        this.socketRequestMaxBytes = bytes;
        return this;
    }

    public int socketRequestMaxBytes()
    {
        return socketRequestMaxBytes;
    }

    public KafkaListenerContext queuedMaxRequestBytes(final long bytes)
    {
        this.queuedMaxRequestBytes = bytes;
        return this;
    }

    public long queuedMaxRequestBytes()
    {
        return queuedMaxRequestBytes;
    }

    /**
     * @param bytes largest request buffer kept for reuse by the pool (see {@link BoundedBufferPool}).
     * @return this.
     */
    public KafkaListenerContext maxCachedBufferBytes(final int bytes)
    {
        this.maxCachedBufferBytes = bytes;
        return this;
    }

    public int maxCachedBufferBytes()
    {
        return maxCachedBufferBytes;
    }

    public KafkaListenerContext maxConnections(final int maxConnections)
    {
        this.maxConnections = maxConnections;
        return this;
    }

    public int maxConnections()
    {
        return maxConnections;
    }

    public KafkaListenerContext connectionsMaxIdleMs(final long ms)
    {
        this.connectionsMaxIdleMs = ms;
        return this;
    }

    public long connectionsMaxIdleMs()
    {
        return connectionsMaxIdleMs;
    }

    public KafkaListenerContext socketSendBufferBytes(final int bytes)
    {
        this.socketSendBufferBytes = bytes;
        return this;
    }

    public int socketSendBufferBytes()
    {
        return socketSendBufferBytes;
    }

    public KafkaListenerContext socketReceiveBufferBytes(final int bytes)
    {
        this.socketReceiveBufferBytes = bytes;
        return this;
    }

    public int socketReceiveBufferBytes()
    {
        return socketReceiveBufferBytes;
    }

    public KafkaListenerContext listenBacklog(final int backlog)
    {
        this.listenBacklog = backlog;
        return this;
    }

    public int listenBacklog()
    {
        return listenBacklog;
    }

    public KafkaListenerContext completionQueueCapacity(final int capacity)
    {
        this.completionQueueCapacity = capacity;
        return this;
    }

    public int completionQueueCapacity()
    {
        return completionQueueCapacity;
    }

    public KafkaListenerContext selectTimeoutMs(final long ms)
    {
        this.selectTimeoutMs = ms;
        return this;
    }

    public long selectTimeoutMs()
    {
        return selectTimeoutMs;
    }

    /**
     * The idle strategy the agent's runner should use; {@link KafkaListener#idleStrategy()}
     * returns it. Null (the default) selects the listener's own strategy, which sleeps in
     * {@code select} until a socket is ready or another thread completes a request: no CPU when
     * idle and a wake-up as fast as the kernel can deliver it. A {@code BusySpinIdleStrategy} is
     * the low-latency profile, for a dedicated core only; a {@code BackoffIdleStrategy} suits a
     * listener composed with other agents on one thread.
     *
     * @param idleStrategy to use, or null for the selector idle strategy.
     * @return this.
     */
    public KafkaListenerContext idleStrategy(final IdleStrategy idleStrategy)
    {
        this.idleStrategy = idleStrategy;
        return this;
    }

    public IdleStrategy idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * @param supportedApis the broker's table of (api key, versions); required.
     * @return this.
     */
    public KafkaListenerContext supportedApis(final SupportedApis supportedApis)
    {
        this.supportedApis = supportedApis;
        return this;
    }

    public SupportedApis supportedApis()
    {
        return supportedApis;
    }

    /**
     * @param handler receives every request with a supported api key and version; required.
     * @return this.
     */
    public KafkaListenerContext handler(final KafkaRequestHandler handler)
    {
        this.handler = handler;
        return this;
    }

    public KafkaRequestHandler handler()
    {
        return handler;
    }

    /**
     * @param countersManager where to allocate the listener's counters (shared memory, readable
     *                        from outside the process); null for private counters.
     * @return this.
     */
    public KafkaListenerContext countersManager(final CountersManager countersManager)
    {
        this.countersManager = countersManager;
        return this;
    }

    public CountersManager countersManager()
    {
        return countersManager;
    }

    /**
     * @param name of the listener, used in the agent's role name, counter labels and logs.
     * @return this.
     */
    public KafkaListenerContext name(final String name)
    {
        this.name = name;
        return this;
    }

    public String name()
    {
        return name;
    }
}
