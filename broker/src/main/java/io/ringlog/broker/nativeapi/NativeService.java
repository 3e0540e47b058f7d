package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.aeron.PartitionCounters;
import io.ringlog.broker.core.aeron.AeronRuntime;

import io.aeron.Aeron;
import io.ringlog.broker.core.idle.IdleProfile;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.group.GroupCoordination;
import io.ringlog.broker.core.policy.TopicAutoCreation;
import io.ringlog.broker.core.producer.ProducerIdManager;
import io.ringlog.broker.core.replica.ReplicaManager;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The native path as the broker wires it, in the order it needs:
 * <ol>
 *   <li>{@link #start}: the media driver (embedded unless configured otherwise) and the Aeron client, and the
 *   per-partition counters, registered with the replica manager before it opens the first partition;</li>
 *   <li>{@link #startGateway}, once the partitions are open and the cold-path APIs exist: the gateway on its own
 *   thread ({@code ringlog-native-gateway}, with the broker's idle strategy: back-off by default, parking when idle),
 *   or, in the low-latency profile ({@code idle.strategy=busy-spin}), added to shard 0's thread so the gateway and
 *   the shard share one spinning thread and a produce goes from ingress to journal without a thread hop;</li>
 *   <li>{@link #stopGateway} first on the way down (before the partitions close: nothing reads a closing log);</li>
 *   <li>{@link #close} last, after the partitions and shards: the Aeron client, then the embedded driver, then its
 *   directory if the broker created it.</li>
 * </ol>
 * Start and stop on the broker's thread.
 */
public final class NativeService implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(NativeService.class);
    private static final long AGENT_HAND_OFF_MS = 10_000;

    private final NativeConfig config;
    private final ErrorHandler errors;
    private final ReplicaManager partitions;
    private final AeronRuntime runtime;
    private final PartitionCounters counters;
    private NativeGateway gateway;
    private AgentRunner gatewayRunner;
    private DynamicCompositeAgent host;

    private NativeService(final NativeConfig config, final ErrorHandler errors, final ReplicaManager partitions,
        final AeronRuntime runtime)
    {
        this.config = config;
        this.errors = errors;
        this.partitions = partitions;
        this.runtime = runtime;
        this.counters = new PartitionCounters(runtime.aeron());
    }

    /**
     * Start the driver and client and register the partition counters. Call before the replica manager opens partitions.
     *
     * @throws IOException when the driver directory is taken by a live driver, or no driver can be reached.
     * @throws IllegalArgumentException for an unusable native setting, naming the key.
     */
    public static NativeService start(final BrokerConfig brokerConfig, final ErrorHandler errors,
        final ReplicaManager partitions) throws IOException
    {
        final NativeConfig config = NativeConfig.from(brokerConfig);
        final AeronRuntime runtime = AeronRuntime.start(config.aeron(), errors);
        final NativeService service = new NativeService(config, errors, partitions, runtime);
        partitions.addListener(service.counters);
        return service;
    }

    /**
     * Start the gateway: subscribe to the ingress channels (synchronously: a channel that cannot be used fails the
     * start here) and run it.
     *
     * @param lowLatencyHost shard 0's agent, when the profile composes the gateway onto it; else null.
     */
    public void startGateway(final ExecutorService admin, final TopicAutoCreation topics,
        final ProducerIdManager producerIds, final GroupCoordination groups, final DynamicCompositeAgent lowLatencyHost)
    {
        gateway = new NativeGateway(config, runtime.aeron(), partitions, admin, topics, producerIds, groups);
        final NativeGateway g = gateway;
        runtime.aeron().addCloseHandler(() ->
        {
            // The client is closing: on the broker's way down everything below is already stopped and these return
            // at once; under the broker (a lost driver) they stop every writer before the driver's files go.
            g.aeronClosing();
            counters.detachAll();
        });
        if (config.lowLatency() && lowLatencyHost != null)
        {
            if (!lowLatencyHost.tryAdd(gateway) || !await(lowLatencyHost::hasAddAgentCompleted))
            {
                throw new IllegalStateException("cannot add the native gateway to shard 0's thread");
            }
            host = lowLatencyHost;
        }
        else
        {
            final IdleProfile idle = config.lowLatency() ? IdleProfile.BACKOFF : config.idleProfile();
            gatewayRunner = new AgentRunner(idle.newStrategy(), errors, null, gateway);
            AgentRunner.startOnThread(gatewayRunner);
        }
        LOG.info("native gateway on {} stream {}, driver in {} ({}), {}", config.ingressChannels(),
            config.ingressStreamId(), runtime.directoryName(), runtime.isEmbedded() ? "embedded" : "external",
            host != null ? "on shard 0's thread" : "on its own thread");
    }

    /** Stop the gateway: sessions are told, publications and subscriptions closed. Idempotent. */
    public void stopGateway()
    {
        if (gatewayRunner != null)
        {
            CloseHelper.quietClose(gatewayRunner);
            gatewayRunner = null;
        }
        else if (host != null)
        {
            // The shard thread runs the gateway's onClose when it takes the removal; the shard itself carries on.
            if (!host.tryRemove(gateway) || !await(host::hasRemoveAgentCompleted))
            {
                LOG.warn("native: the gateway did not leave shard 0's thread in time; it stops with the shard");
            }
            host = null;
        }
    }

    /** Close the Aeron client, then the embedded driver. After the partitions and shards have stopped. */
    @Override
    public void close()
    {
        stopGateway();
        partitions.removeListener(counters);
        CloseHelper.quietClose(runtime);
    }

    private static boolean await(final java.util.function.BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AGENT_HAND_OFF_MS);
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What tests, tools and metrics need.

    /** The media driver's directory: where same-host clients connect. */
    public String aeronDirectoryName()
    {
        return runtime.directoryName();
    }

    public List<String> ingressChannels()
    {
        return config.ingressChannels();
    }

    public int ingressStreamId()
    {
        return config.ingressStreamId();
    }

    /** The gateway, once started; null before. */
    public NativeGateway gateway()
    {
        return gateway;
    }

    public PartitionCounters partitionCounters()
    {
        return counters;
    }

    /** The broker's Aeron client, for other shared-memory counters (metrics); closed by {@link #close()}. */
    public Aeron aeron()
    {
        return runtime.aeron();
    }

    public boolean isDriverEmbedded()
    {
        return runtime.isEmbedded();
    }
}
