package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.aeron.AeronRuntime;
import io.ringlog.broker.core.idle.IdleProfile;

import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.driver.ThreadingMode;
import io.ringlog.broker.core.config.BrokerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The native gateway's settings, read once from the {@link BrokerConfig} and checked where the config alone cannot
 * (each ingress channel must parse as an Aeron IPC or UDP channel). Immutable; any thread.
 *
 * @param embeddedDriver    launch a media driver inside the broker ({@code aeron.driver.embedded}).
 * @param aeronDir          the driver's directory ({@code aeron.dir}, Aeron's default when empty).
 * @param ingressChannels   channels the gateway subscribes to ({@code native.ingress.channels}).
 * @param ingressStreamId   the stream id on each of them ({@code native.ingress.stream.id}).
 * @param sessionTimeoutMs  {@code native.session.timeout.ms}.
 * @param maxSessions       {@code native.max.sessions}.
 * @param egressTermLength  {@code native.egress.term.length}.
 * @param requestMemoryBytes {@code native.request.memory.bytes}.
 * @param nodeId            the broker's id, for SessionOpened.
 * @param idleProfile       {@code idle.strategy}; {@code busy-spin} composes the gateway onto shard 0's thread.
 * @param driverThreadingMode {@code aeron.threading.mode}, for the embedded driver.
 * @param driverIdleProfile {@code aeron.driver.idle.strategy}, for each of the embedded driver's threads.
 */
public record NativeConfig(
    boolean embeddedDriver,
    String aeronDir,
    List<String> ingressChannels,
    int ingressStreamId,
    int sessionTimeoutMs,
    int maxSessions,
    int egressTermLength,
    int requestMemoryBytes,
    int nodeId,
    IdleProfile idleProfile,
    ThreadingMode driverThreadingMode,
    IdleProfile driverIdleProfile)
{
    public NativeConfig
    {
        ingressChannels = List.copyOf(ingressChannels);
    }

    /** What the core's Aeron runtime needs of this configuration. */
    public AeronRuntime.Settings aeron()
    {
        return new AeronRuntime.Settings(embeddedDriver, aeronDir, driverThreadingMode, driverIdleProfile, nodeId);
    }

    /**
     * @throws IllegalArgumentException naming the key, for a channel Aeron would refuse.
     */
    public static NativeConfig from(final BrokerConfig config)
    {
        final String dir = config.get(BrokerConfig.AERON_DIR).trim();
        final List<String> channels = new ArrayList<>();
        for (final String raw : config.get(BrokerConfig.NATIVE_INGRESS_CHANNELS).split(","))
        {
            final String channel = raw.trim();
            if (channel.isEmpty())
            {
                continue;
            }
            final ChannelUri uri;
            try
            {
                uri = ChannelUri.parse(channel);
            }
            catch (final RuntimeException ex)
            {
                throw badChannel(channel, ex.getMessage());
            }
            if (uri.isUdp() && uri.get(CommonContext.ENDPOINT_PARAM_NAME) == null)
            {
                throw badChannel(channel, "a UDP ingress channel needs endpoint=host:port");
            }
            if (!uri.isUdp() && !uri.isIpc())
            {
                throw badChannel(channel, "only aeron:ipc and aeron:udp channels are served");
            }
            channels.add(channel);
        }
        if (channels.isEmpty())
        {
            throw new IllegalArgumentException("invalid value '' for config " + BrokerConfig.NATIVE_INGRESS_CHANNELS.name() +
                ": names no channel (set native.enabled=false to serve no native clients)");
        }
        return new NativeConfig(
            config.get(BrokerConfig.AERON_DRIVER_EMBEDDED),
            dir.isEmpty() ? CommonContext.getAeronDirectoryName() : dir,
            channels,
            config.get(BrokerConfig.NATIVE_INGRESS_STREAM_ID),
            config.get(BrokerConfig.NATIVE_SESSION_TIMEOUT_MS),
            config.get(BrokerConfig.NATIVE_MAX_SESSIONS),
            config.get(BrokerConfig.NATIVE_EGRESS_TERM_LENGTH),
            config.get(BrokerConfig.NATIVE_REQUEST_MEMORY_BYTES),
            config.nodeId(),
            IdleProfile.parse(config.get(BrokerConfig.IDLE_STRATEGY)),
            ThreadingMode.valueOf(config.get(BrokerConfig.AERON_THREADING_MODE)),
            IdleProfile.parse(config.get(BrokerConfig.AERON_DRIVER_IDLE_STRATEGY)));
    }

    /** How often an idle client should send KeepAlive: a quarter of the session timeout, so three may be lost. */
    public int heartbeatIntervalMs()
    {
        return Math.max(1, sessionTimeoutMs / 4);
    }

    /** The low-latency profile: the gateway shares shard 0's busy-spinning thread. */
    public boolean lowLatency()
    {
        return idleProfile.spins();
    }

    /** {@code aeron.driver.idle.strategy} as configured. */
    public String driverIdleStrategy()
    {
        return driverIdleProfile.configValue();
    }

    private static IllegalArgumentException badChannel(final String channel, final String why)
    {
        return new IllegalArgumentException("invalid value '" + channel + "' for config " +
            BrokerConfig.NATIVE_INGRESS_CHANNELS.name() + ": " + why);
    }
}
