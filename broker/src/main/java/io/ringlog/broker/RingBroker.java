package io.ringlog.broker;

import io.ringlog.broker.core.policy.TopicAutoCreation;

import io.ringlog.broker.core.idle.IdleProfile;
import io.ringlog.broker.core.idle.IdleStrategies;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.kafka.fetch.FetchApi;
import io.ringlog.broker.kafka.fetch.FetchWaiters;
import io.ringlog.broker.kafka.group.GroupService;
import io.ringlog.broker.kafka.AsyncApi;
import io.ringlog.broker.kafka.admin.ClusterApi;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.broker.kafka.admin.ConfigApi;
import io.ringlog.broker.kafka.KafkaApiTable;
import io.ringlog.broker.kafka.KafkaRequestRouter;
import io.ringlog.broker.kafka.LeaderDiscovery;
import io.ringlog.broker.kafka.admin.MetadataApi;
import io.ringlog.broker.kafka.admin.OffsetsApi;
import io.ringlog.broker.kafka.admin.TopicAdminApi;
import io.ringlog.broker.metrics.AeronCounterMirror;
import io.ringlog.broker.metrics.BrokerMetrics;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.TopicStore;
import io.ringlog.broker.core.quorum.MetadataQuorum;
import io.ringlog.broker.nativeapi.NativeService;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.broker.core.replica.Replication;
import io.ringlog.broker.core.replica.PreferredLeaderElection;
import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.broker.kafka.produce.ProduceApi;
import io.ringlog.broker.core.producer.ProducerIdManager;
import io.ringlog.journal.LogFlusher;
import io.ringlog.sequencer.SequencerConfig;
import io.ringlog.sequencer.SequencerShard;
import io.ringlog.transport.kafka.net.KafkaListener;
import io.ringlog.transport.kafka.net.KafkaListenerContext;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaRequestHandler;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One Ringlog broker, wired: the Kafka listener (one selector thread), the sequencer shards (each on its thread,
 * with the long-poll fetch waiters of its partitions composed on it), the log flusher thread, the admin thread for
 * cold-path requests, its part of the controller quorum ({@link MetadataQuorum}) and the partitions it holds.
 * <p>
 * Start-up order: the writers first (flusher, shards), then the listener binds (so its port is known), then the
 * Aeron media driver and client of the native path (each partition gets its shared-memory counters as it opens),
 * then this node's quorum member and its registration with the quorum (which advertises the listener's port; the
 * member shares the native path's driver when there is one), then the partitions the metadata assigns are opened and
 * recovered, then the native gateway starts, and only then does the listener start accepting. Shutdown is the
 * reverse: stop accepting and close connections, leave the quorum (controlled shutdown: leaderships move first), stop
 * the native gateway, finish admin work, close every partition (its queued requests are answered, its log flushed,
 * trimmed and unmapped), stop the threads, then the Aeron client and the embedded driver.
 */
public final class RingBroker implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RingBroker.class);
    private static final int FETCH_WAITERS_CAPACITY = 4096;

    private final BrokerConfig config;
    private final IdleProfile idleProfile; // idle.strategy, parsed once
    private final List<AgentRunner> writerRunners = new ArrayList<>();
    private final List<FileChannel> dirLocks = new ArrayList<>();
    private final AgentRunner flusherRunner;
    private final AgentRunner listenerRunner;
    private final KafkaListener listener;
    private final MetadataQuorum quorum;
    private final Controller controller;
    private final ReplicaManager partitions;
    private final GroupService groups;
    private final ExecutorService admin;
    private final BrokerMetrics metrics; // issue 6: the Prometheus endpoint
    private final NativeService nativeService; // null when native.enabled=false
    private final Replication replication;
    private final PreferredLeaderElection preferredLeaders; // null when auto.leader.rebalance.enable=false
    private final AeronCounterMirror aeronCounters; // issue 6: broker counters for AeronStat; null without native
    private volatile boolean closed;

    private RingBroker(final BrokerConfig config) throws IOException
    {
        this.config = config;
        this.idleProfile = IdleProfile.parse(config.get(BrokerConfig.IDLE_STRATEGY));
        lockLogDirs(config.logDirs());
        // What has started so far, closed in reverse if a later step fails, so a failed start leaves no thread and
        // no lock behind (a port in use, a log dir that cannot be opened).
        final ArrayDeque<AutoCloseable> started = new ArrayDeque<>();
        started.push(() -> dirLocks.forEach(CloseHelper::quietClose));
        try
        {
            // Metrics (issue 6): bind the Prometheus endpoint (metrics.port, off by default) before any thread starts.
            metrics = BrokerMetrics.start(config);
            started.push(metrics);
            final ErrorHandler errors = t -> LOG.error("broker thread error", t);

            final LogFlusher flusher = new LogFlusher(metrics.flushListener()); // metrics: fsync times
            flusherRunner = new AgentRunner(new SleepingMillisIdleStrategy(1), errors, null, flusher);
            AgentRunner.startOnThread(flusherRunner);
            started.push(flusherRunner);

            final int shardCount = config.get(BrokerConfig.SEQUENCER_SHARDS);
            final SequencerConfig sequencerConfig = SequencerConfig.builder()
                .ringSize(config.get(BrokerConfig.SEQUENCER_RING_SIZE))
                .housekeepingIntervalMs(config.get(BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS))
                .build();
            final SequencerShard[] shards = new SequencerShard[shardCount];
            final FetchWaiters[] waiters = new FetchWaiters[shardCount];
            // Low-latency profile: shard 0's thread takes the native gateway too, once it exists (see NativeService).
            final boolean nativeEnabled = config.get(BrokerConfig.NATIVE_ENABLED);
            DynamicCompositeAgent gatewayHost = null;
            // Each shard's thread also runs its partitions' replication (added below, once Aeron is up): the shard
            // stays the single writer of its journals on the follower side too.
            final DynamicCompositeAgent[] shardHosts = new DynamicCompositeAgent[shardCount];
            for (int i = 0; i < shardCount; i++)
            {
                shards[i] = new SequencerShard("ringlog-shard-" + i, sequencerConfig);
                waiters[i] = new FetchWaiters(FETCH_WAITERS_CAPACITY, "ringlog-fetch-waiters-" + i);
                shardHosts[i] = new DynamicCompositeAgent("ringlog-shard-" + i, shards[i], waiters[i]);
                if (i == 0 && nativeEnabled && idleProfile.spins())
                {
                    gatewayHost = shardHosts[i];
                }
                final AgentRunner runner = new AgentRunner(
                    IdleStrategies.forShard(idleProfile, shards[i], waiters[i]::hasPendingWork, waiters[i]::wakeWith),
                    errors, null, shardHosts[i]);
                AgentRunner.startOnThread(runner);
                writerRunners.add(runner);
                started.push(runner);
            }

            final DeferredHandler handler = new DeferredHandler();
            final SupportedApis apis = KafkaApiTable.supportedApis(config);
            final BrokerConfig.Listener bind = config.listener();
            final KafkaListenerContext ctx = new KafkaListenerContext()
                .host(bind.host())
                .port(bind.port())
                .socketRequestMaxBytes(config.get(BrokerConfig.SOCKET_REQUEST_MAX_BYTES))
                .queuedMaxRequestBytes(config.get(BrokerConfig.QUEUED_MAX_REQUEST_BYTES))
                .supportedApis(apis)
                .handler(handler);
            // kafka.listener.idle.strategy: auto follows idle.strategy's busy-spin; select keeps it asleep in select.
            final String listenerIdle = config.get(BrokerConfig.KAFKA_LISTENER_IDLE_STRATEGY);
            final boolean listenerSpins = IdleProfile.BUSY_SPIN.configValue().equals(listenerIdle) ||
                ("auto".equals(listenerIdle) && idleProfile.spins());
            if (listenerSpins)
            {
                ctx.idleStrategy(IdleProfile.BUSY_SPIN.newStrategy());
            }
            listener = new KafkaListener(ctx);
            started.push(listener);

            final BrokerConfig.Listener advertised = config.advertisedListener();
            final int advertisedPort = advertised.port() == 0 ? listener.boundPort() : advertised.port();
            final String advertisedHost = "0.0.0.0".equals(advertised.host()) ? "127.0.0.1" : advertised.host();
            partitions = new ReplicaManager(config, shards, sequencerConfig, flusher);
            // The media driver and Aeron client before the partitions open: each partition gets its counters then.
            nativeService = nativeEnabled ? NativeService.start(config, errors, partitions) : null;
            if (nativeService != null)
            {
                started.push(nativeService);
            }
            // The quorum shares the native path's driver when it is this broker's own (embedded); an external driver
            // may serve several brokers, and two quorum members' archives cannot share one driver.
            final boolean ownDriver = nativeService != null && config.get(BrokerConfig.AERON_DRIVER_EMBEDDED);
            final Endpoint replicationEndpoint = Replication.endpoint(config, advertisedHost);
            quorum = MetadataQuorum.start(config, TopicStore.clusterId(config.logDirs(), config.nodeId()),
                advertisedHost, advertisedPort, ownDriver ? nativeService.aeronDirectoryName() : null,
                List.of(replicationEndpoint));
            started.push(quorum);
            controller = quorum.controller();
            started.push(partitions);
            // Replication runs on the shards' threads over the native path's Aeron client, or the quorum's.
            replication = Replication.start(config,
                nativeService != null ? nativeService.aeron() : quorum.client().aeron(), partitions,
                replicationEndpoint, shardHosts);
            started.push(replication::stop);
            replication.bind(quorum.client());
            controller.subscribe(partitions);
            controller.subscribe(replication); // after the replica manager: it acts on the roles just applied
            if (config.get(BrokerConfig.AUTO_LEADER_REBALANCE_ENABLE))
            {
                preferredLeaders = new PreferredLeaderElection(config.nodeId(), controller::image, quorum.client(),
                    TimeUnit.SECONDS.toMillis(config.get(BrokerConfig.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS)));
                started.push(preferredLeaders);
            }
            else
            {
                preferredLeaders = null;
            }

            final Path metadataDir = config.logDirs().get(0).resolve(TopicStore.DIR_NAME);
            final ProducerIdManager producerIds = new ProducerIdManager(metadataDir, quorum.producerIdBlocks());
            final TopicAdminApi topicAdmin = new TopicAdminApi(controller, config);
            final ConfigApi configApi = new ConfigApi(controller, config);
            final OffsetsApi offsets = new OffsetsApi(partitions);
            final LeaderDiscovery leaders = new LeaderDiscovery(controller::image); // who leads what, for refusals
            final ClusterApi cluster = new ClusterApi(controller, producerIds);
            final Map<Short, ColdPathApi> coldPath = new HashMap<>();
            coldPath.put(ApiKeys.METADATA.id, new MetadataApi(controller, config));
            coldPath.put(ApiKeys.CREATE_TOPICS.id, topicAdmin::createTopics);
            coldPath.put(ApiKeys.DELETE_TOPICS.id, topicAdmin::deleteTopics);
            coldPath.put(ApiKeys.CREATE_PARTITIONS.id, topicAdmin::createPartitions);
            coldPath.put(ApiKeys.DESCRIBE_CONFIGS.id, configApi::describeConfigs);
            coldPath.put(ApiKeys.ALTER_CONFIGS.id, configApi::alterConfigs);
            coldPath.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS.id, configApi::incrementalAlterConfigs);
            coldPath.put(ApiKeys.LIST_OFFSETS.id, leaders.heldElsewhere(offsets::listOffsets));
            coldPath.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH.id, leaders.heldElsewhere(offsets::offsetForLeaderEpoch));
            coldPath.put(ApiKeys.DELETE_RECORDS.id, leaders.heldElsewhere(offsets::deleteRecords));
            coldPath.put(ApiKeys.INIT_PRODUCER_ID.id, cluster::initProducerId);
            coldPath.put(ApiKeys.DESCRIBE_CLUSTER.id, cluster::describeCluster);
            coldPath.put(ApiKeys.DESCRIBE_QUORUM.id,
                new io.ringlog.broker.kafka.admin.QuorumApi(quorum)::describeQuorum);
            coldPath.put(ApiKeys.ELECT_LEADERS.id, new io.ringlog.broker.kafka.admin.ElectLeadersApi(quorum::client,
                controller::image, config.get(BrokerConfig.CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS))::electLeaders);
            coldPath.putAll(KafkaApiTable.coldPathApis(partitions, config));

            admin = Executors.newSingleThreadExecutor(r ->
            {
                final Thread t = new Thread(r, "ringlog-admin");
                t.setDaemon(true);
                return t;
            });
            started.push(admin::shutdownNow);
            final Map<Short, AsyncApi> async = new HashMap<>();
            groups = GroupService.start(config, controller, partitions, errors); // creates __consumer_offsets if missing
            started.push(groups);
            async.putAll(groups.asyncApis());
            final ProduceApi produce = new ProduceApi(partitions, leaders, metrics.requests(), listener::wakeUp);
            handler.delegate = new KafkaRequestRouter(apis, produce,
                new FetchApi(partitions, leaders, waiters, metrics.requests()), coldPath, async, admin,
                metrics.requests());
            if (nativeService != null)
            {
                nativeService.startGateway(admin, new TopicAutoCreation(controller, config), producerIds,
                    groups.coordination(), gatewayHost);
                started.push(nativeService::stopGateway);
            }

            // Metrics (issue 6): what the endpoint reads on each scrape, from the values these publish (and the
            // single-writer counters the shards, the selector and the flusher keep for it).
            metrics.register(partitions, shards, listener.counters(), groups.coordinator());
            metrics.register(quorum, config.nodeId());
            metrics.register(replication, controller, config); // ISR, replication bytes, follower lag, elections
            aeronCounters = nativeService == null ? null :
                AeronCounterMirror.start(nativeService.aeron(), listener.counters(), partitions, errors);
            if (aeronCounters != null)
            {
                started.push(aeronCounters);
            }
            listenerRunner = new AgentRunner(listener.idleStrategy(), errors, null, listener);
            AgentRunner.startOnThread(listenerRunner);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            while (!started.isEmpty())
            {
                CloseHelper.quietClose(started.pop());
            }
            throw ex;
        }
        LOG.info("Ringlog broker {} listening on {}:{} (advertised {}:{}), data in {}, {} shard(s), idle {}",
            config.nodeId(), config.listener().host(), listener.boundPort(), controller.image().brokers()
                .get(config.nodeId()).host(), controller.image().brokers().get(config.nodeId()).port(),
            config.logDirs(), writerRunners.size(), idleProfile);
    }

    /**
     * Take {@code .lock} in every log dir, as Kafka does: a second broker on the same data would write the same
     * segments through its own mappings. Released by {@link #close()}.
     *
     * @throws IOException naming the dir when another process holds it.
     */
    private void lockLogDirs(final List<Path> dirs) throws IOException
    {
        for (final Path dir : dirs)
        {
            Files.createDirectories(dir);
            final FileChannel channel = FileChannel.open(
                dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null; // held by this JVM: another broker in the same process
            }
            if (lock == null)
            {
                CloseHelper.quietClose(channel);
                dirLocks.forEach(CloseHelper::quietClose);
                dirLocks.clear();
                throw new IOException("log dir " + dir + " is in use by another broker (" + dir.resolve(".lock") +
                    " is locked)");
            }
            dirLocks.add(channel);
        }
    }


    /**
     * Start a broker.
     *
     * @throws IOException when a log dir cannot be used.
     */
    public static RingBroker start(final BrokerConfig config) throws IOException
    {
        for (final String unknown : config.unknownKeys())
        {
            LOG.warn("unknown config key '{}' is ignored", unknown);
        }
        return new RingBroker(config);
    }

    /** The port the Kafka listener is bound to. */
    public int port()
    {
        return listener.boundPort();
    }

    public BrokerConfig config()
    {
        return config;
    }

    public ReplicaManager partitions()
    {
        return partitions;
    }

    public Controller controller()
    {
        return controller;
    }

    /** The native path (Aeron), or null when {@code native.enabled=false}. */
    public NativeService nativeService()
    {
        return nativeService;
    }

    /** The media driver's directory native clients connect to, or null when the native path is off. */
    public String aeronDirectoryName()
    {
        return nativeService == null ? null : nativeService.aeronDirectoryName();
    }

    /** The channels the native gateway takes requests on (stream {@code native.ingress.stream.id}); empty when off. */
    public List<String> nativeIngressChannels()
    {
        return nativeService == null ? List.of() : nativeService.ingressChannels();
    }

    /** The port the Prometheus endpoint is bound to, or -1 when {@code metrics.port} is off. */
    public int metricsPort()
    {
        return metrics.port();
    }

    /** Stop, answering what is in flight, flushing and closing every log. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        LOG.info("Ringlog broker {} stopping", config.nodeId());
        CloseHelper.quietClose(metrics); // Metrics (issue 6): no scrape reads a log being closed
        CloseHelper.quietClose(listenerRunner); // stops accepting, closes connections
        CloseHelper.quietClose(preferredLeaders);
        // Replication off the shards' threads before the quorum's Aeron client (which it may use) closes. Leaderships
        // move away next, with the followers already caught up (acks=all records are on them).
        replication.stop();
        CloseHelper.quietClose(quorum); // leaderships move away first; the partitions stay open until closed below
        if (nativeService != null)
        {
            nativeService.stopGateway(); // sessions told and closed; nothing reads a log from here on
        }
        admin.shutdown();
        try
        {
            admin.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.quietClose(groups); // before the partitions: it appends to __consumer_offsets
        partitions.close(); // answers queued requests, flushes, trims and unmaps every log
        writerRunners.forEach(CloseHelper::quietClose);
        CloseHelper.quietClose(flusherRunner);
        CloseHelper.quietClose(aeronCounters); // before the Aeron client its counters live in
        CloseHelper.quietClose(nativeService); // Aeron client, then the embedded driver: no shard writes a counter now
        dirLocks.forEach(CloseHelper::quietClose);
        LOG.info("Ringlog broker {} stopped", config.nodeId());
    }

    /** The listener needs its handler before the broker behind it is built; requests arrive only after both. */
    private static final class DeferredHandler implements KafkaRequestHandler
    {
        volatile KafkaRequestHandler delegate;

        @Override
        public void onRequest(final KafkaRequest request)
        {
            final KafkaRequestHandler d = delegate;
            if (d == null)
            {
                request.closeConnection();
            }
            else
            {
                d.onRequest(request);
            }
        }

        @Override
        public void onRequestCompleted(final KafkaRequest request)
        {
            final KafkaRequestHandler d = delegate;
            if (d != null)
            {
                d.onRequestCompleted(request); // metrics: request latency
            }
        }

        @Override
        public int doWork()
        {
            final KafkaRequestHandler d = delegate;
            return d == null ? 0 : d.doWork(); // produce answers from the shards' completion ring
        }

        @Override
        public boolean hasPendingWork()
        {
            final KafkaRequestHandler d = delegate;
            return d != null && d.hasPendingWork();
        }

        @Override
        public boolean hasRequestsHeldBack()
        {
            final KafkaRequestHandler d = delegate;
            return d != null && d.hasRequestsHeldBack();
        }
    }
}
