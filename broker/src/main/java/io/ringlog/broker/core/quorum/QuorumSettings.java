package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.TopicStore;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.client.QuorumClientConfig;
import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.replication.quorum.ControllerNodeConfig;
import io.ringlog.replication.quorum.QuorumVoters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's quorum settings, from its config: the voters (given, or this node alone), where the member keeps its
 * files, and the Aeron Cluster timeouts; turned into the replication module's {@link ControllerNodeConfig} and
 * {@link QuorumClientConfig}. Cold path, start-up only.
 *
 * @param voters          {@code controller.quorum.voters}, given or made for a one-member quorum.
 * @param dataDir         the member's directory ({@code metadata.log.dir}).
 * @param clusterId       the cluster id this node brings to its registration: its {@code meta.properties}' or, on
 *                        a new node, a fresh proposal the quorum commits only if it has none yet.
 * @param clusterIdStored whether {@code clusterId} came from {@code meta.properties} (then it must match).
 */
record QuorumSettings(String voters, Path dataDir, String clusterId, boolean clusterIdStored)
{
    private static final Logger LOG = LoggerFactory.getLogger(QuorumSettings.class);

    /** The one-member quorum's voters line, kept so that a restart finds its member on the same ports. */
    static final String VOTERS_FILE = "one-member-voters";

    /** Settings for a controller-only node, which brings no cluster id (it registers no broker). */
    static QuorumSettings of(final BrokerConfig config) throws IOException
    {
        return of(config, null);
    }

    /**
     * @param storedClusterId the cluster id in this node's {@code meta.properties}, or null when it has none yet.
     */
    static QuorumSettings of(final BrokerConfig config, final String storedClusterId) throws IOException
    {
        final boolean stored = null != storedClusterId;
        final String clusterId = stored ? storedClusterId : TopicStore.newClusterId();
        final String dir = config.get(BrokerConfig.METADATA_LOG_DIR);
        final Path dataDir = dir.isBlank() ?
            config.logDirs().get(0).resolve("__ringlog_metadata").resolve("quorum") : Path.of(dir);
        Files.createDirectories(dataDir);
        final String given = config.get(BrokerConfig.CONTROLLER_QUORUM_VOTERS);
        if (!given.isBlank())
        {
            return new QuorumSettings(given, dataDir, clusterId, stored);
        }
        return new QuorumSettings(oneMemberVoters(config.nodeId(), dataDir.resolve(VOTERS_FILE)), dataDir, clusterId,
            stored);
    }

    /**
     * The cluster id the quorum committed (the first registration's), written to {@code meta.properties} of every
     * log dir so the next start brings it; called once registered (the registration's delta came before its reply).
     */
    String adoptClusterId(final BrokerConfig config, final QuorumClient client) throws IOException
    {
        final String committed = null != client.clusterId() ? client.clusterId() : clusterId;
        TopicStore.writeClusterId(config.logDirs(), config.nodeId(), committed);
        if (!committed.equals(clusterId) || !clusterIdStored)
        {
            LOG.info("Broker {} joined cluster {}{}", config.nodeId(), committed,
                committed.equals(clusterId) ? " (its id, proposed by this broker)" : "");
        }
        return committed;
    }

    /**
     * This node alone on 127.0.0.1: the ports of the last start when they are free again (the member's recorded log
     * names its channels), else five free ones, remembered for the next start.
     */
    private static String oneMemberVoters(final int nodeId, final Path file) throws IOException
    {
        if (Files.exists(file))
        {
            final String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
            final QuorumVoters.Voter voter = QuorumVoters.parse(stored).voter(nodeId);
            if (voter != null && FreeUdpPorts.isFree(voter.port()))
            {
                return stored;
            }
        }
        final String voters = nodeId + "@127.0.0.1:" + FreeUdpPorts.freeBlock();
        Files.writeString(file, voters + System.lineSeparator(), StandardCharsets.UTF_8);
        return voters;
    }

    ControllerNodeConfig nodeConfig(final BrokerConfig config, final String aeronDirectoryName)
    {
        final ControllerNodeConfig c = new ControllerNodeConfig();
        c.nodeId = config.nodeId();
        c.voters = voters;
        c.dataDir = dataDir.toFile();
        c.aeronDirectoryName = aeronDirectoryName;
        c.sessionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(config.get(BrokerConfig.BROKER_SESSION_TIMEOUT_MS));
        final long fetchTimeoutMs = config.get(BrokerConfig.CONTROLLER_QUORUM_FETCH_TIMEOUT_MS);
        c.leaderHeartbeatTimeoutNs = TimeUnit.MILLISECONDS.toNanos(fetchTimeoutMs);
        c.leaderHeartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(Math.max(10, fetchTimeoutMs / 10));
        c.electionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(config.get(BrokerConfig.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS));
        // Aeron Cluster wants a multiple (at least two) of the heartbeat timeout; a one-member quorum never waits on it.
        c.startupCanvassTimeoutNs = c.leaderHeartbeatTimeoutNs * 2;
        c.defaultPartitions = config.get(BrokerConfig.NUM_PARTITIONS);
        c.defaultReplicationFactor = config.get(BrokerConfig.DEFAULT_REPLICATION_FACTOR);
        c.configValidator = (topic, configs) ->
        {
            try
            {
                TopicConfig.validate(configs);
                return null;
            }
            catch (final IllegalArgumentException ex)
            {
                return ex.getMessage();
            }
        };
        return c;
    }

    QuorumClientConfig clientConfig(
        final BrokerConfig config, final List<Endpoint> endpoints, final String aeronDirectoryName)
    {
        final QuorumClientConfig c = new QuorumClientConfig();
        c.brokerId = config.nodeId();
        c.incarnationId = UUID.randomUUID(); // a new one every start: the quorum gives this run a new broker epoch
        c.endpoints = endpoints;
        c.voters = voters;
        c.aeronDirectoryName = aeronDirectoryName;
        c.rack = config.get(BrokerConfig.BROKER_RACK).isBlank() ? null : config.get(BrokerConfig.BROKER_RACK).trim();
        c.clusterId = clusterId;
        c.clusterIdStored = clusterIdStored;
        c.egressHost = endpoints.get(0).host();
        c.keepAliveIntervalMs = config.get(BrokerConfig.BROKER_HEARTBEAT_INTERVAL_MS);
        c.requestTimeoutMs = config.get(BrokerConfig.CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS);
        return c;
    }
}
