package io.ringlog.broker.core.aeron;

import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.replication.metadata.Endpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * Where native clients on other hosts reach this broker: the UDP endpoint of its first UDP ingress channel
 * ({@code native.ingress.channels}), registered with the controller quorum as a second endpoint named
 * {@link #LISTENER_NAME} beside the Kafka listener's, so that every broker can tell a native client where each
 * partition's leader takes its produce and subscriptions (BrokersResponse). Kafka-facing answers never use it: they
 * take the Kafka listener's endpoint by name. Stateless; any thread.
 */
public final class NativeIngress
{
    /** The endpoint name of the native UDP ingress in a broker's registration. */
    public static final String LISTENER_NAME = "NATIVE";
    /** Its "security protocol" in the registration: plain Aeron UDP, no TLS. */
    public static final String PROTOCOL = "AERON_UDP";

    private NativeIngress()
    {
    }

    /**
     * @return the registration's endpoints: {@code endpoints} as given, then the native UDP ingress when the native
     * path is on and has a UDP channel (its host {@code 0.0.0.0} advertised as {@code advertisedHost}).
     */
    public static List<Endpoint> withNative(final BrokerConfig config, final String advertisedHost,
        final Endpoint... endpoints)
    {
        final List<Endpoint> all = new ArrayList<>(List.of(endpoints));
        final Endpoint nativeEndpoint = endpoint(config, advertisedHost);
        if (nativeEndpoint != null)
        {
            all.add(nativeEndpoint);
        }
        return List.copyOf(all);
    }

    /** The native UDP ingress as an endpoint, or null when there is none. */
    public static Endpoint endpoint(final BrokerConfig config, final String advertisedHost)
    {
        if (!config.get(BrokerConfig.NATIVE_ENABLED))
        {
            return null;
        }
        for (final String raw : config.get(BrokerConfig.NATIVE_INGRESS_CHANNELS).split(","))
        {
            final String channel = raw.trim();
            if (!channel.startsWith("aeron:udp"))
            {
                continue;
            }
            final String hostPort = ChannelUri.parse(channel).get(CommonContext.ENDPOINT_PARAM_NAME);
            final int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]"))
            {
                host = host.substring(1, host.length() - 1);
            }
            final int port = Integer.parseInt(hostPort.substring(colon + 1));
            return new Endpoint(LISTENER_NAME, "0.0.0.0".equals(host) ? advertisedHost : host, port, PROTOCOL);
        }
        return null;
    }

    /** The Aeron channel a native client publishes to for that endpoint. */
    public static String channel(final String host, final int port)
    {
        return "aeron:udp?endpoint=" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
