package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.replication.quorum.ControllerNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A controller-only node ({@code process.roles=controller}): one member of the controller quorum and nothing else.
 * No Kafka listener, no partitions, no native gateway, no broker registration, so it never appears among the brokers
 * clients see; it votes, may lead the quorum, and keeps the metadata log and snapshots in {@code metadata.log.dir}
 * (or {@code __ringlog_metadata/quorum} in the first log dir). Its media driver is its own (embedded).
 * <p>
 * Threads: the member's own (see the replication module's README); {@link #start} and {@link #close()} from one
 * thread.
 */
public final class ControllerServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ControllerServer.class);
    private static final long WAIT_LOG_INTERVAL_MS = 5_000;

    private final ControllerNode node;

    private ControllerServer(final ControllerNode node)
    {
        this.node = node;
    }

    /**
     * Launch the member and wait until the quorum has a leader, as long as it takes, saying every 5 s which voters it
     * waits for (the others may not be started yet).
     *
     * @throws IOException when the member stops by itself while waiting (a full disk under its log).
     * @throws IllegalArgumentException when the config does not describe a controller-only node.
     */
    public static ControllerServer start(final BrokerConfig config) throws IOException
    {
        if (config.isBroker() || !config.isController())
        {
            throw new IllegalArgumentException("invalid value '" + config.get(BrokerConfig.PROCESS_ROLES) +
                "' for config " + BrokerConfig.PROCESS_ROLES.name() + ": a controller-only node needs controller");
        }
        final QuorumSettings settings = QuorumSettings.of(config);
        final long startNs = System.nanoTime();
        final ControllerNode node = ControllerNode.launch(settings.nodeConfig(config, null));
        LOG.info("Ringlog controller-only node {} (process.roles=controller): member of the controller quorum {}, " +
            "data in {}; no Kafka listener, no partitions, no broker registration", config.nodeId(), settings.voters(),
            settings.dataDir());
        try
        {
            while (true)
            {
                try
                {
                    node.awaitActiveController(Duration.ofMillis(WAIT_LOG_INTERVAL_MS));
                    break;
                }
                catch (final IllegalStateException ex)
                {
                    if (node.isTerminated())
                    {
                        throw new IOException("this node's controller quorum member stopped: " + node.lastError() +
                            " (data in " + settings.dataDir() + ")");
                    }
                    LOG.warn("Controller {} is waiting for the other voters ({}={}): no leader after {} s",
                        config.nodeId(), BrokerConfig.CONTROLLER_QUORUM_VOTERS.name(), settings.voters(),
                        Duration.ofNanos(System.nanoTime() - startNs).toSeconds());
                }
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            node.close();
            throw ex;
        }
        LOG.info("Controller {} is in the quorum after {} ms: leader {} in epoch {}{}", config.nodeId(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), node.activeController(),
            node.controllerEpoch(), node.isActiveController() ? " (this node)" : "");
        return new ControllerServer(node);
    }

    /** The quorum member. */
    public ControllerNode node()
    {
        return node;
    }

    @Override
    public void close()
    {
        node.close();
    }
}
