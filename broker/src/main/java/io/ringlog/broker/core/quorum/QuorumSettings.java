package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
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

/**
 * The broker's quorum settings, from its config: the voters (given, or this node alone), where the member keeps its
 * files, and the Aeron Cluster timeouts; turned into the replication module's {@link ControllerNodeConfig} and
 * {@link QuorumClientConfig}. Cold path, start-up only.
 *
 * @param voters      {@code controller.quorum.voters}, given or made for a one-member quorum.
 * @param dataDir     the member's directory ({@code metadata.log.dir}).
 */
record QuorumSettings(String voters, Path dataDir)
{
    /** The one-member quorum's voters line, kept so that a restart finds its member on the same ports. */
    static final String VOTERS_FILE = "one-member-voters";

    static QuorumSettings of(final BrokerConfig config) throws IOException
    {
        final String dir = config.get(BrokerConfig.METADATA_LOG_DIR);
        final Path dataDir = dir.isBlank() ?
            config.logDirs().get(0).resolve("__ringlog_metadata").resolve("quorum") : Path.of(dir);
        Files.createDirectories(dataDir);
        final String given = config.get(BrokerConfig.CONTROLLER_QUORUM_VOTERS);
        if (!given.isBlank())
        {
            return new QuorumSettings(given, dataDir);
        }
        return new QuorumSettings(oneMemberVoters(config.nodeId(), dataDir.resolve(VOTERS_FILE)), dataDir);
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
        c.egressHost = endpoints.get(0).host();
        c.keepAliveIntervalMs = config.get(BrokerConfig.BROKER_HEARTBEAT_INTERVAL_MS);
        c.requestTimeoutMs = config.get(BrokerConfig.CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS);
        return c;
    }
}
