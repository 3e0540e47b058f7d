package io.ringlog.client;

import io.aeron.CommonContext;

/**
 * The configuration keys of the native client, with their defaults. Names follow Aeron's habits for the transport
 * ({@code aeron.*}) and Kafka's for producer and consumer behaviour, so a Kafka user finds the knob where they
 * expect it; keys only Ringlog has start with {@code ringlog.}. {@link ClientContext#set} parses a key and
 * throws a {@link ConfigException} naming it when the value is bad; an unknown key is refused the same way.
 * The module README lists them with their meaning.
 */
public final class ClientConfig
{
    // Transport and session.
    public static final String AERON_DIR = CommonContext.AERON_DIR_PROP_NAME; // "aeron.dir"
    public static final String AERON_DRIVER_TIMEOUT_MS = CommonContext.DRIVER_TIMEOUT_PROP_NAME; // "aeron.driver.timeout"
    public static final String INGRESS_CHANNEL = "ringlog.ingress.channel";
    /**
     * Several brokers' ingress channels, comma-separated: the client connects to each, and any open one serves
     * metadata. Unset: {@link #INGRESS_CHANNEL} alone.
     */
    public static final String BOOTSTRAP_CHANNELS = "ringlog.bootstrap.channels";
    public static final String INGRESS_STREAM_ID = "ringlog.ingress.stream.id";
    public static final String RESPONSE_CHANNEL = "ringlog.response.channel";
    public static final String RESPONSE_STREAM_ID = "ringlog.response.stream.id";
    public static final String CONDUCTOR_INVOKER = "ringlog.aeron.conductor.invoker";
    public static final String IDLE_STRATEGY = "ringlog.idle.strategy";
    public static final String CONNECT_TIMEOUT_MS = "ringlog.connect.timeout.ms";
    public static final String CLIENT_ID = "client.id";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String RECONNECT_BACKOFF_MS = "reconnect.backoff.ms";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";

    // Producer.
    public static final String ACKS = "acks";
    public static final String LINGER_MS = "linger.ms";
    public static final String BATCH_SIZE = "batch.size";
    public static final String BUFFER_MEMORY = "buffer.memory";
    public static final String ENABLE_IDEMPOTENCE = "enable.idempotence";
    public static final String MAX_IN_FLIGHT = "max.in.flight.requests.per.connection";
    public static final String DELIVERY_TIMEOUT_MS = "delivery.timeout.ms";

    // Consumer.
    public static final String GROUP_ID = "group.id";
    public static final String AUTO_OFFSET_RESET = "auto.offset.reset";
    public static final String ENABLE_AUTO_COMMIT = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS = "auto.commit.interval.ms";
    public static final String SESSION_TIMEOUT_MS = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String MAX_POLL_INTERVAL_MS = "max.poll.interval.ms";
    public static final String MAX_PARTITION_FETCH_BYTES = "max.partition.fetch.bytes";
    public static final String FETCH_MAX_BYTES = "fetch.max.bytes";

    public static final String DEFAULT_INGRESS_CHANNEL = "aeron:ipc";
    public static final String DEFAULT_CLIENT_ID = "ringlog-native";
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    /** Kafka's default. */
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_RECONNECT_BACKOFF_MS = 50;
    public static final long DEFAULT_RETRY_BACKOFF_MS = 100;
    public static final String DEFAULT_IDLE_STRATEGY = "backoff";

    /** Kafka's defaults since 3.0 / 4.0: acks=all, idempotence on, linger 5 ms. */
    public static final int DEFAULT_ACKS = -1;
    public static final long DEFAULT_LINGER_MS = 5;
    public static final int DEFAULT_BATCH_SIZE = 16_384;
    public static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    public static final boolean DEFAULT_ENABLE_IDEMPOTENCE = true;
    public static final int DEFAULT_MAX_IN_FLIGHT = 5;
    /** An idempotent producer may have this many batches in flight per partition: the broker remembers five. */
    public static final int MAX_IN_FLIGHT_IDEMPOTENT = 5;
    public static final long DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;

    public static final String DEFAULT_AUTO_OFFSET_RESET = "latest";
    public static final long DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 45_000;
    public static final int DEFAULT_HEARTBEAT_INTERVAL_MS = 3_000;
    public static final int DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
    public static final int DEFAULT_MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
    public static final int DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024;

    private ClientConfig()
    {
    }
}
