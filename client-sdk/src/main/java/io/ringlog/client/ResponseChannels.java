package io.ringlog.client;

import io.aeron.ChannelUri;
import io.aeron.CommonContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the channels a session uses. Cold path (once per client, and once per connect attempt).
 * <ul>
 *   <li><b>Response channel.</b> Configured, or {@code aeron:ipc} when the ingress is IPC, or
 *   {@code aeron:udp?endpoint=<the local address that routes to the broker>:<a free port>} when it is UDP. A UDP
 *   endpoint with port 0 gets a free port picked here: the broker publishes to the address it is given, so port 0
 *   would be unreachable. Each connect attempt adds a fresh random {@code session-id}: the client's subscription
 *   then sees only the image the broker publishes for that attempt, never another client's egress on a shared
 *   channel, and never a late answer to an earlier attempt (whose session id differs, so the broker's two
 *   publications cannot clash either).</li>
 *   <li><b>Term lengths.</b> Aeron refuses a message longer than an eighth of the term (8 KiB on IPC's default 64 KiB
 *   term), and batches travel whole. So a channel without an explicit {@code term-length} gets the smallest power of
 *   two at least eight times the largest message it must carry: a full producer batch on ingress, a full
 *   {@code RecordsMessage} ({@code max.partition.fetch.bytes}) on egress.</li>
 * </ul>
 */
final class ResponseChannels
{
    /** SBE header, message block, length fields and a little slack around the records of one message. */
    static final int MESSAGE_OVERHEAD = 256;
    static final int MIN_TERM_LENGTH = 64 * 1024;
    /**
     * The least ingress term when the channel names none. A publication may run half a term ahead of what the driver's
     * conductor last saw consumed, and in the default profile that conductor sleeps between duty cycles and, on a
     * busy 2-core host, waits milliseconds for a core: with the 256 KiB a 16 KiB batch would need, a producer at
     * 100k small messages/s (about 15 MB/s) ran out of window in under 10 ms and saw BACK_PRESSURED (measured in
     * perf's latency runs). 4 MiB holds about 140 ms of that rate; IPC log files are sparse, so it costs pages only
     * as they are written.
     */
    static final int MIN_INGRESS_TERM_LENGTH = 4 * 1024 * 1024;
    static final int MAX_TERM_LENGTH = 1024 * 1024 * 1024;

    private ResponseChannels()
    {
    }

    /** The response channel to use, before a session id is added. */
    static String base(final String configured, final String ingressChannel)
    {
        if (null != configured && !configured.isEmpty())
        {
            final ChannelUri uri = parse(ClientConfig.RESPONSE_CHANNEL, configured);
            if (CommonContext.UDP_MEDIA.equals(uri.media()))
            {
                final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
                if (null == endpoint)
                {
                    throw new ConfigException(ClientConfig.RESPONSE_CHANNEL, configured,
                        "a UDP response channel needs endpoint=host:port, for the broker to publish to");
                }
                final int colon = endpoint.lastIndexOf(':');
                if (colon < 0)
                {
                    throw new ConfigException(ClientConfig.RESPONSE_CHANNEL, configured, "endpoint needs a port");
                }
                if ("0".equals(endpoint.substring(colon + 1)))
                {
                    uri.put(CommonContext.ENDPOINT_PARAM_NAME, endpoint.substring(0, colon + 1) + freeUdpPort());
                }
            }
            uri.remove(CommonContext.SESSION_ID_PARAM_NAME);
            return uri.toString();
        }
        final ChannelUri ingress = parse(ClientConfig.INGRESS_CHANNEL, ingressChannel);
        if (CommonContext.IPC_MEDIA.equals(ingress.media()))
        {
            return CommonContext.IPC_CHANNEL;
        }
        final String brokerEndpoint = ingress.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (null == brokerEndpoint)
        {
            throw new ConfigException(ClientConfig.INGRESS_CHANNEL, ingressChannel, "a UDP ingress channel needs endpoint=host:port");
        }
        final int colon = brokerEndpoint.lastIndexOf(':');
        final String host = localAddressToward(brokerEndpoint.substring(0, colon), parsePort(brokerEndpoint, colon));
        return "aeron:udp?endpoint=" + host + ":" + freeUdpPort();
    }

    /** The channel for one connect attempt's subscription and Connect message. */
    static String withSessionId(final String base, final int sessionId, final int termLength)
    {
        final ChannelUri uri = ChannelUri.parse(base);
        uri.put(CommonContext.SESSION_ID_PARAM_NAME, Integer.toString(sessionId));
        if (!uri.containsKey(CommonContext.TERM_LENGTH_PARAM_NAME))
        {
            uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(termLength));
        }
        return uri.toString();
    }

    /** The ingress channel with a term long enough for whole batches, unless the user chose one. */
    static String ingress(final String channel, final int termLength)
    {
        final ChannelUri uri = parse(ClientConfig.INGRESS_CHANNEL, channel);
        if (!uri.containsKey(CommonContext.TERM_LENGTH_PARAM_NAME))
        {
            uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(termLength));
        }
        return uri.toString();
    }

    /** The smallest valid term length whose largest message holds {@code maxMessageLength} bytes. */
    static int termLengthFor(final long maxMessageLength)
    {
        final long needed = 8L * (maxMessageLength + MESSAGE_OVERHEAD);
        long term = MIN_TERM_LENGTH;
        while (term < needed && term < MAX_TERM_LENGTH)
        {
            term <<= 1;
        }
        return (int)term;
    }

    /** A random Aeron session id: any int but 0 (reserved by nothing, avoided for readability in logs). */
    static int randomSessionId(final int not)
    {
        int id;
        do
        {
            id = ThreadLocalRandom.current().nextInt();
        }
        while (id == 0 || id == not);
        return id;
    }

    private static ChannelUri parse(final String key, final String channel)
    {
        try
        {
            return ChannelUri.parse(channel);
        }
        catch (final RuntimeException ex)
        {
            throw new ConfigException(key, channel, ex.getMessage());
        }
    }

    private static int parsePort(final String endpoint, final int colon)
    {
        try
        {
            return Integer.parseInt(endpoint.substring(colon + 1));
        }
        catch (final RuntimeException ex)
        {
            throw new ConfigException(ClientConfig.INGRESS_CHANNEL, endpoint, "endpoint needs host:port");
        }
    }

    /**
     * The local address the OS would send from to reach the broker: "connecting" a datagram socket picks the route
     * without sending a packet.
     */
    private static String localAddressToward(final String host, final int port)
    {
        try (DatagramSocket socket = new DatagramSocket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getByName(host), port));
            final InetAddress local = socket.getLocalAddress();
            if (null == local || local.isAnyLocalAddress())
            {
                return InetAddress.getLocalHost().getHostAddress();
            }
            return local.getHostAddress();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot find a local address toward " + host, ex);
        }
    }

    /** A UDP port free now. Another process could take it before Aeron binds it; the bind would then fail loudly. */
    static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot find a free UDP port", ex);
        }
    }
}
