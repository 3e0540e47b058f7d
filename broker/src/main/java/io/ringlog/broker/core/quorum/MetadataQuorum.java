package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.aeron.NativeIngress;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.producer.ProducerIdManager;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.replication.quorum.ControllerNode;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * This broker's place in the cluster's control plane: the member of the controller quorum it runs (with
 * {@code process.roles=broker,controller}; a single broker runs a one-member quorum of itself, the same code path),
 * and its {@link QuorumClient}, which registers it, holds its lease and follows the metadata. Start-up waits until
 * the broker is registered, saying once every few seconds which voters it is waiting for; a single-node data
 * directory from before the quorum has its topics handed to the quorum once ({@link TopicStoreMigration}).
 * <p>
 * Threads: started and closed by the broker's start and close; the member and the client run their own (see the
 * replication module's README).
 */
public final class MetadataQuorum implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MetadataQuorum.class);
    private static final long WAIT_LOG_INTERVAL_MS = 5_000;
    private static final long CONTROLLED_SHUTDOWN_TIMEOUT_MS = 2_000;

    private final BrokerConfig config;
    private final ControllerNode node;
    private final QuorumClient client;
    private final QuorumController controller;

    private MetadataQuorum(final BrokerConfig config, final ControllerNode node, final QuorumClient client,
        final QuorumController controller)
    {
        this.config = config;
        this.node = node;
        this.client = client;
        this.controller = controller;
    }

    /**
     * Start this node's quorum member (if it is a controller) and its client, and wait until it is registered.
     *
     * @param config             the broker's config.
     * @param clusterId          the cluster id in its log dirs' meta.properties, or null on a new node; a quorum
     *                           holding another id refuses it (INCONSISTENT_CLUSTER_ID, naming both).
     * @param advertisedHost     where clients reach its Kafka listener.
     * @param advertisedPort     its port.
     * @param aeronDirectoryName the broker's media driver, or null to let the quorum start its own.
     */
    public static MetadataQuorum start(final BrokerConfig config, final String clusterId, final String advertisedHost,
        final int advertisedPort, final String aeronDirectoryName, final List<Endpoint> otherEndpoints)
        throws IOException
    {
        final QuorumSettings settings = QuorumSettings.of(config, clusterId);
        ControllerNode node = null;
        QuorumClient client = null;
        try
        {
            String driverDir = aeronDirectoryName;
            if (config.isController())
            {
                final long startNs = System.nanoTime();
                node = ControllerNode.launch(settings.nodeConfig(config, aeronDirectoryName));
                driverDir = node.aeronDirectoryName();
                LOG.info("Controller quorum member {} launched in {} ms (voters {}, data in {})", config.nodeId(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), settings.voters(), settings.dataDir());
            }
            final List<Endpoint> endpoints = new java.util.ArrayList<>(NativeIngress.withNative(config, advertisedHost,
                new Endpoint(QuorumController.LISTENER_NAME, advertisedHost, advertisedPort, "PLAINTEXT")));
            endpoints.addAll(otherEndpoints); // replication's
            client = QuorumClient.start(settings.clientConfig(config, endpoints, driverDir));
            awaitRegistration(config, settings, client, node);
            final QuorumController controller = new QuorumController(client, config,
                settings.adoptClusterId(config, client)); // the quorum's, now in meta.properties too
            final MetadataQuorum quorum = new MetadataQuorum(config, node, client, controller);
            TopicStoreMigration.migrate(config.logDirs().get(0), client,
                config.get(BrokerConfig.CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS) + 1_000L);
            return quorum;
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            CloseHelper.quietCloseAll(client, node);
            throw ex;
        }
    }

    /** Wait for the registration, as long as it takes (a quorum whose members are still starting), saying so. */
    private static void awaitRegistration(final BrokerConfig config, final QuorumSettings settings,
        final QuorumClient client, final ControllerNode node) throws IOException
    {
        final long startNs = System.nanoTime();
        while (true)
        {
            try
            {
                final long epoch = client.registered().get(WAIT_LOG_INTERVAL_MS, TimeUnit.MILLISECONDS);
                LOG.info("Broker {} registered with the controller quorum in {} ms: broker epoch {}, controller {} " +
                    "epoch {}", config.nodeId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), epoch,
                    client.activeController(), client.controllerEpoch());
                return;
            }
            catch (final TimeoutException ex)
            {
                if (node != null && node.isTerminated())
                {
                    throw new IOException("this node's controller quorum member stopped: " + node.lastError() +
                        " (data in " + settings.dataDir() + ")");
                }
                LOG.warn("Broker {} is waiting for the controller quorum ({}={}): no answer after {} s, retrying",
                    config.nodeId(), BrokerConfig.CONTROLLER_QUORUM_VOTERS.name(), settings.voters(),
                    Duration.ofNanos(System.nanoTime() - startNs).toSeconds());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the controller quorum", ex);
            }
            catch (final ExecutionException ex)
            {
                throw new IOException("the controller quorum refused broker " + config.nodeId() + ": " +
                    ex.getCause().getMessage(), ex.getCause());
            }
        }
    }

    /** The metadata, as the broker's handlers read and change it. */
    public Controller controller()
    {
        return controller;
    }

    /** Producer-id blocks from the quorum, for the {@link ProducerIdManager}. */
    public ProducerIdManager.BlockSource producerIdBlocks()
    {
        return () ->
        {
            try
            {
                return controller.allocateProducerIds();
            }
            catch (final MetadataException ex)
            {
                throw new IOException(ex.getMessage(), ex);
            }
        };
    }

    /** The client, for metrics: active controller, epochs, applied position. */
    public QuorumClient client()
    {
        return client;
    }

    /** This node's quorum member, or null on a broker-only node. */
    public ControllerNode node()
    {
        return node;
    }

    /**
     * Leave the cluster: stop applying metadata (the partitions stay as they are while the broker closes), move
     * this broker's leaderships away (controlled shutdown, bounded), then close the client and the member.
     */
    @Override
    public void close()
    {
        controller.stopPublishing();
        try
        {
            client.controlledShutdown().get(CONTROLLED_SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            LOG.warn("Broker {}: controlled shutdown not confirmed by the quorum: {}", config.nodeId(), ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.quietCloseAll(controller, client, node);
    }
}
