package io.ringlog.replication.client;

import io.ringlog.replication.metadata.Endpoint;

import java.util.List;
import java.util.UUID;

/**
 * What a broker's {@link QuorumClient} needs. Plain fields with defaults; fill on one thread, then hand over.
 */
public final class QuorumClientConfig
{
    /** {@code node.id} of this broker. */
    public int brokerId = -1;
    /** Chosen once per broker process start, so the quorum tells a restart from a retry. */
    public UUID incarnationId = UUID.randomUUID();
    /** The listeners this broker advertises. */
    public List<Endpoint> endpoints = List.of();
    /** {@code broker.rack}, or null. */
    public String rack;
    /**
     * The cluster id this broker brings to its registration: the one in its {@code meta.properties}, or a fresh
     * proposal (committed only when the quorum has none yet); null brings none.
     */
    public String clusterId;
    /** Whether {@link #clusterId} is stored locally: a quorum with another id then refuses the registration. */
    public boolean clusterIdStored;
    /** Register the broker on every (re)connect; off for an admin-only client. */
    public boolean register = true;
    /** {@code controller.quorum.voters}: {@code id@host:port,...}. */
    public String voters;
    /** A running media driver's directory; null launches an embedded one (SHARED, back-off idle). */
    public String aeronDirectoryName;
    /** Host the quorum sends egress to (an ephemeral port on it). */
    public String egressHost = "localhost";

    /** Keep-alive cadence; well inside the quorum's session timeout (the broker lease, 3 s by default). */
    public long keepAliveIntervalMs = 500;
    /** How long to wait for a connection to the quorum before logging and retrying. */
    public long connectTimeoutMs = 2_000;
    /** Pause between connection attempts. */
    public long reconnectBackoffMs = 250;
    /** A proposal not answered within this completes with REQUEST_TIMED_OUT. */
    public long requestTimeoutMs = 5_000;
    /** Proposals queued for the client thread at most; more are refused at once. */
    public int queueCapacity = 1024;
}
