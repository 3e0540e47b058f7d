package io.ringlog.broker.metrics;

import io.ringlog.broker.core.quorum.MetadataQuorum;
import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.broker.kafka.metrics.LatencyHistogram;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.replica.Replication;
import io.ringlog.broker.kafka.group.GroupCoordinator;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.journal.LogFlusher;
import io.ringlog.sequencer.SequencerShard;
import io.ringlog.transport.kafka.net.KafkaListenerCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The broker's Prometheus endpoint: {@code GET /metrics} on {@code metrics.port}, bound to the Kafka listener's host.
 * Off by default ({@code metrics.port=-1}); {@code 0} binds a free port, which {@link #port()} and the start-up log
 * line give.
 * <p>
 * Everything is collected when a scrape arrives, from values the broker publishes for other threads (offsets and
 * positions with acquire loads, Agrona counters, shard maxima) and from single-writer counters the hot path keeps for
 * it: records and bytes appended (by each shard, {@code AppendCounters}), request latency, errors and fetched bytes
 * (by the selector thread, {@link KafkaApiMetrics}), fsync times (by the flusher thread, {@link #flushListener()}).
 * Those are recorded whether or not the endpoint is on (a few nanoseconds a request, nothing allocated), so that
 * shared-memory counters can mirror them too. A scrape walks every partition once, so its cost grows with the
 * partition count (about a microsecond per partition), never with the traffic; consumer-group lag asks the group
 * coordinator for a snapshot of its committed offsets on the coordinator's own thread, and waits for it at most
 * a second, on the scrape thread only.
 * <p>
 * Threads: one daemon thread ({@code ringlog-metrics}) answers scrapes one at a time, plus the JDK HTTP server's
 * dispatcher thread. {@link #start} and {@link #register} run on the thread building the broker; {@link #close} on
 * the one stopping it.
 */
public final class BrokerMetrics implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(BrokerMetrics.class);
    /** Scrapes waiting for the one serving thread; more are refused rather than queued without bound. */
    private static final int MAX_QUEUED_SCRAPES = 16;

    private final PrometheusRegistry registry;
    private final HTTPServer server;
    private final KafkaApiMetrics requests = new KafkaApiMetrics();
    /** fsync durations; the flusher thread is its one writer. */
    private final LatencyHistogram flushTimes = new LatencyHistogram();
    private final LogFlusher.FlushListener flushListener = (log, durationNs) -> flushTimes.record(durationNs);
    private boolean closed;

    private BrokerMetrics(final PrometheusRegistry registry, final HTTPServer server)
    {
        this.registry = registry;
        this.server = server;
    }

    /**
     * Bind the endpoint when {@code metrics.port} is set. Call before the broker starts its threads, so a port that
     * cannot be bound stops the start with nothing left running.
     *
     * @return the endpoint, or one that does nothing when metrics are off.
     * @throws IOException when the port cannot be bound.
     */
    public static BrokerMetrics start(final BrokerConfig config) throws IOException
    {
        final int port = config.get(BrokerConfig.METRICS_PORT);
        if (port < 0)
        {
            return new BrokerMetrics(null, null);
        }
        final String host = config.listener().host();
        final PrometheusRegistry registry = new PrometheusRegistry();
        final ExecutorService executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(MAX_QUEUED_SCRAPES), r ->
            {
                final Thread t = new Thread(r, "ringlog-metrics");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());
        final HTTPServer server;
        try
        {
            server = HTTPServer.builder()
                .hostname(host)
                .port(port)
                .registry(registry)
                .executorService(executor)
                .buildAndStart();
        }
        catch (final IOException ex)
        {
            executor.shutdownNow();
            throw new IOException("cannot bind metrics.port " + port + " on " + host + ": " + ex.getMessage(), ex);
        }
        registry.register(new JvmCollector());
        LOG.info("Prometheus metrics on http://{}:{}/metrics", host, server.getPort());
        return new BrokerMetrics(registry, server);
    }

    /** The control plane's gauges: active controller, epoch, applied metadata position, fenced brokers. */
    public void register(final MetadataQuorum quorum, final int nodeId)
    {
        if (registry != null)
        {
            registry.register(new QuorumCollector(quorum, nodeId));
        }
    }

    /**
     * Replication's series: under-replicated and under-min-ISR partitions led here, ISR shrinks and expansions,
     * replication bytes, truncations, follower lag, and the leader elections this broker sees in metadata images
     * (counted by a listener subscribed here to {@code controller}, only while metrics are on).
     */
    public void register(final Replication replication, final Controller controller, final BrokerConfig config)
    {
        if (registry != null)
        {
            final LeaderElections elections = new LeaderElections();
            controller.subscribe(elections);
            registry.register(new ReplicationCollector(replication, controller, config, elections));
        }
    }

    /**
     * Name what the endpoint reads. Call once the broker's parts exist; until then a scrape answers JVM metrics only.
     *
     * @param partitions the partitions this broker leads: offsets, sizes, back-pressure, ring, appends and fetches.
     * @param shards     the sequencer shards: partitions per shard, longest duty cycle.
     * @param listener   the Kafka listener's counters: connections, requests, bytes.
     * @param groups     the group coordinator: committed offsets, for consumer-group lag; null for none.
     */
    public void register(final ReplicaManager partitions, final SequencerShard[] shards,
        final KafkaListenerCounters listener, final GroupCoordinator groups)
    {
        if (registry != null)
        {
            registry.register(new BrokerCollector(partitions, shards, listener, requests, flushTimes));
            if (groups != null)
            {
                registry.register(new GroupCollector(groups, partitions));
            }
        }
    }

    /**
     * What the Kafka request path records (latency, errors, fetched bytes), on the selector thread: hand it to the
     * request router and the produce and fetch handlers.
     */
    public KafkaApiMetrics requests()
    {
        return requests;
    }

    /** Records each fsync's duration; hand it to the {@link LogFlusher}, whose thread is its one writer. */
    public LogFlusher.FlushListener flushListener()
    {
        return flushListener;
    }

    /** The bound port, or -1 when metrics are off. */
    public int port()
    {
        return server == null ? -1 : server.getPort();
    }

    /** Stop answering scrapes. Idempotent. */
    @Override
    public void close()
    {
        if (server != null && !closed)
        {
            closed = true;
            server.close();
        }
    }
}
