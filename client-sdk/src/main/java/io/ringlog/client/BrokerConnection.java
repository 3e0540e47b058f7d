package io.ringlog.client;

/**
 * The client's connection to one broker: its {@link Session} (ingress publication, egress subscription, handshake,
 * keep-alive, reconnection), the {@link BrokerProxy} that writes requests on it, and the {@link EgressPoller} that
 * routes its answers. A client holds one per bootstrap channel and one per broker that leads a partition it
 * produces to or reads; control calls (metadata, producer ids, groups, offsets) go on whichever bootstrap
 * connection is open. Created on the cold path (bootstrap, or the first time a partition's leader is a broker the
 * client has no connection to); its duty cycle runs inside {@link RinglogClient#poll()}.
 * <p>
 * Owned by the client's thread.
 */
public final class BrokerConnection
{
    final Session session;
    final BrokerProxy proxy;
    final EgressPoller egress;
    final String ingressChannel;
    final boolean bootstrap;
    int nodeId;

    BrokerConnection(final String ingressChannel, final boolean bootstrap, final int nodeId, final Session session,
        final BrokerProxy proxy, final EgressPoller egress)
    {
        this.ingressChannel = ingressChannel;
        this.bootstrap = bootstrap;
        this.nodeId = nodeId;
        this.session = session;
        this.proxy = proxy;
        this.egress = egress;
    }

    /** The broker's node id: from its {@code SessionOpened}, or the metadata that named it; -1 before either. */
    public int nodeId()
    {
        return nodeId;
    }

    /** True while its session is open: requests on {@link #proxy()} will be answered. */
    public boolean isOpen()
    {
        return session.isOpen();
    }

    /** The request side of this broker's session. */
    public BrokerProxy proxy()
    {
        return proxy;
    }

    /** The broker's ingress channel this connection publishes to. */
    public String ingressChannel()
    {
        return ingressChannel;
    }

    /** Whether it is one of the client's bootstrap connections (kept for the client's life). */
    public boolean isBootstrap()
    {
        return bootstrap;
    }

    @Override
    public String toString()
    {
        return "broker " + nodeId + " (" + ingressChannel + (isOpen() ? ", open)" : ", not open)");
    }
}
