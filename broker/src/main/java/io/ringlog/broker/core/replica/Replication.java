package io.ringlog.broker.core.replica;

import io.aeron.Aeron;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.data.FollowerLag;
import io.ringlog.replication.data.PeerDirectory;
import io.ringlog.replication.data.ReplicationMetrics;
import io.ringlog.replication.data.ReplicationSettings;
import io.ringlog.replication.data.ShardReplicator;
import io.ringlog.replication.metadata.BrokerRegistration;
import io.ringlog.replication.metadata.Endpoint;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Data replication, wired into the broker: one {@link ShardReplicator} per sequencer shard (composed onto the shard's
 * thread by the broker), told from each metadata image which partitions this broker leads and which it follows,
 * and where the other brokers receive (their {@value #LISTENER_NAME} endpoint). It registers this broker's own
 * endpoint with the quorum, and sends the leaders' ISR changes to the controller (AlterPartition).
 * <p>
 * Threads: {@link #accept} runs on the metadata thread after the {@link ReplicaManager} has applied the same image;
 * {@link #channel} on shard threads (a volatile map swapped on change); {@link #onClosing} on whichever thread closes
 * a partition, and waits until its shard's replicator has let go of the log.
 */
public final class Replication implements Consumer<MetadataImage>, PartitionListener, PeerDirectory
{
    /** The name of the endpoint each broker registers for replication. */
    public static final String LISTENER_NAME = "REPLICATION";
    private static final Logger LOG = LoggerFactory.getLogger(Replication.class);
    private static final long STOP_TIMEOUT_MS = 5_000;

    private final int nodeId;
    private final ReplicaManager partitions;
    private final ShardReplicator[] replicators;
    private final Endpoint endpoint;
    private final ReplicationMetrics metrics = new ReplicationMetrics();
    private final Map<Partition, PartitionReplicaLog> logs = new IdentityHashMap<>();
    private final Map<Partition, Role> applied = new IdentityHashMap<>();
    private volatile Map<Integer, String> peers = Map.of();
    private final DynamicCompositeAgent[] shardHosts;
    private volatile QuorumClient quorum;
    private boolean stopped;

    /** What replication was last told of a partition, so an image that changes nothing else sends no command. */
    private record Role(int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr)
    {
    }

    private Replication(final BrokerConfig config, final Aeron aeron, final ReplicaManager partitions,
        final Endpoint endpoint, final DynamicCompositeAgent[] shardHosts)
    {
        final int shardCount = shardHosts.length;
        this.shardHosts = shardHosts.clone();
        this.nodeId = config.nodeId();
        this.partitions = partitions;
        this.endpoint = endpoint;
        final String channel = channel(endpoint.host(), endpoint.port());
        final ReplicationSettings settings = ReplicationSettings.of(nodeId,
            config.get(BrokerConfig.REPLICA_LAG_TIME_MAX_MS), config.get(BrokerConfig.REPLICATION_TERM_LENGTH));
        this.replicators = new ShardReplicator[shardCount];
        for (int i = 0; i < shardCount; i++)
        {
            replicators[i] = new ShardReplicator("ringlog-replication-" + i, aeron, settings, i, channel, this,
                this::proposeIsr, metrics, SystemEpochClock.INSTANCE);
        }
        LOG.info("Replication listening on {} (streams {}..{}), replica.lag.time.max.ms={}", channel,
            settings.controlStreamId(), settings.dataStreamIdBase() + shardCount - 1, settings.lagTimeMaxMs());
    }

    /**
     * Where this broker will receive replication: {@code replication.listener}, else the advertised host and a free
     * UDP port. Registered with the quorum beside the Kafka listener, before {@link #start}.
     */
    public static Endpoint endpoint(final BrokerConfig config, final String advertisedHost)
    {
        final BrokerConfig.Listener listener = config.replicationListener();
        final String host = listener.host() != null ? listener.host() : advertisedHost;
        final int port = listener.port() != 0 ? listener.port() : freeUdpPort(host);
        return new Endpoint(LISTENER_NAME, host, port, "PLAINTEXT");
    }

    /**
     * Subscribe to this broker's replication channel (one replicator per shard), compose each replicator onto its
     * shard's thread, and listen for closing partitions. The replicators do nothing until images arrive. They are
     * taken off the shards again by {@link #stop}, which also runs when the Aeron client closes under the broker.
     *
     * @param endpoint   from {@link #endpoint(BrokerConfig, String)}.
     * @param shardHosts each shard's agent, in shard order.
     */
    public static Replication start(final BrokerConfig config, final Aeron aeron, final ReplicaManager partitions,
        final Endpoint endpoint, final DynamicCompositeAgent[] shardHosts)
    {
        final Replication replication = new Replication(config, aeron, partitions, endpoint, shardHosts);
        for (int i = 0; i < shardHosts.length; i++)
        {
            if (!shardHosts[i].tryAdd(replication.replicators[i]))
            {
                replication.stop();
                throw new IllegalStateException("shard " + i + " did not take its replicator");
            }
            awaitChange(shardHosts[i], true);
        }
        partitions.addListener(replication);
        aeron.addCloseHandler(replication::stop); // before the client unmaps what the shards poll
        return replication;
    }

    /**
     * Take every replicator off its shard's thread (it closes its subscriptions and publications there) and wait for
     * it: after this no shard touches replication's Aeron resources. Idempotent; any thread but a shard's.
     */
    public synchronized void stop()
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        for (int i = 0; i < shardHosts.length; i++)
        {
            if (shardHosts[i].status() == DynamicCompositeAgent.Status.ACTIVE && shardHosts[i].tryRemove(replicators[i]))
            {
                awaitChange(shardHosts[i], false);
            }
        }
    }

    /** Wait (bounded) until the shard's thread has taken an add or a remove; a stopped shard never will. */
    private static void awaitChange(final DynamicCompositeAgent host, final boolean add)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MS);
        while (!(add ? host.hasAddAgentCompleted() : host.hasRemoveAgentCompleted()) &&
            host.status() == DynamicCompositeAgent.Status.ACTIVE && System.nanoTime() < deadline)
        {
            LockSupport.parkNanos(100_000);
        }
    }

    public ReplicationMetrics metrics()
    {
        return metrics;
    }

    /**
     * Each follower of each partition led here: its lag in offsets and when it last caught up. Any thread (the
     * metrics scrape): read from the values the shards publish, without stopping them; allocates.
     */
    public List<FollowerLag> followerLags()
    {
        final List<FollowerLag> lags = new ArrayList<>();
        for (final ShardReplicator replicator : replicators)
        {
            replicator.followerLags(lags);
        }
        return lags;
    }

    /** Learn the other brokers' endpoints from the quorum and send ISR changes to it. Before the first image. */
    public void bind(final QuorumClient client)
    {
        quorum = client;
        client.subscribe(this::onQuorumImage);
    }

    private void onQuorumImage(final io.ringlog.replication.metadata.MetadataImage image)
    {
        final Map<Integer, String> before = peers;
        final Map<Integer, String> now = new HashMap<>();
        for (final BrokerRegistration b : image.brokers().values())
        {
            for (final Endpoint e : b.endpoints())
            {
                if (LISTENER_NAME.equals(e.listener()))
                {
                    final String channel = channel(e.host(), e.port());
                    final String previous = before.get(b.brokerId());
                    now.put(b.brokerId(), channel.equals(previous) ? previous : channel); // same String: no new publication
                }
            }
        }
        if (!now.equals(before))
        {
            peers = Map.copyOf(now);
        }
    }

    @Override
    public String channel(final int brokerId)
    {
        return peers.get(brokerId);
    }

    @Override
    public synchronized void accept(final MetadataImage image)
    {
        partitions.all().forEach(partition ->
        {
            final MetadataImage.PartitionImage p = image.partition(partition.topic(), partition.index());
            if (p == null)
            {
                return;
            }
            final Role role = new Role(p.leader(), p.leaderEpoch(), p.partitionEpoch(), p.isr());
            if (role.equals(applied.get(partition)))
            {
                return;
            }
            applied.put(partition, role);
            final PartitionReplicaLog log = logs.computeIfAbsent(partition, PartitionReplicaLog::new);
            final ShardReplicator replicator = replicators[partition.shardIndex()];
            final CompletableFuture<Void> change = p.leader() == nodeId ?
                replicator.lead(log, partition.topicId(), partition.index(), p.leaderEpoch(), p.partitionEpoch(),
                    p.replicas(), p.isr()) :
                replicator.follow(log, partition.topicId(), partition.index(), p.leader(), p.leaderEpoch());
            change.whenComplete((v, failure) ->
            {
                if (failure != null)
                {
                    LOG.error("replication of {} could not change to {}", partition, role, failure);
                }
            });
        });
    }

    @Override
    public void onClosing(final Partition partition)
    {
        synchronized (this)
        {
            applied.remove(partition);
            logs.remove(partition);
        }
        try
        {
            replicators[partition.shardIndex()].stop(partition.topicId(), partition.index())
                .get(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final Exception ex)
        {
            // A closed shard (the broker stopping) runs nothing any more, replication included.
            LOG.debug("replication of {} stopped with the shard: {}", partition, ex.toString());
        }
    }

    private CompletableFuture<Reply> proposeIsr(final UUID topicId, final int partition, final int leaderEpoch,
        final int partitionEpoch, final List<Integer> isr)
    {
        final QuorumClient client = quorum;
        if (client == null)
        {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to the quorum yet"));
        }
        return client.alterPartition(topicId, partition, leaderEpoch, partitionEpoch, isr).thenApply(reply ->
        {
            if (!reply.isOk())
            {
                throw new IllegalStateException(reply.error() + ": " + reply.message());
            }
            return reply;
        });
    }

    private static String channel(final String host, final int port)
    {
        return "aeron:udp?endpoint=" + host + ":" + port;
    }

    /**
     * A UDP port free on {@code host} now, for a broker not given replication.listener. Picked below the kernel's
     * ephemeral range (as the quorum's ports are), so that the UDP senders of this and other processes, which bind
     * ephemeral ports, cannot take it before the media driver binds it.
     */
    private static int freeUdpPort(final String host)
    {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), port)))
            {
                return socket.getLocalPort();
            }
            catch (final IOException ex)
            {
                last = ex;
            }
        }
        throw new UncheckedIOException("no free UDP port on " + host + " for replication: set " +
            BrokerConfig.REPLICATION_LISTENER.name(), last);
    }
}
