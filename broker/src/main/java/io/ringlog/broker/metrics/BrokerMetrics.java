package io.ringlog.broker.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.ringlog.broker.config.BrokerConfig;
import io.ringlog.broker.partition.PartitionRegistry;
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
 * Everything is collected when a scrape arrives, from values the broker already publishes for other threads
 * (offsets and positions with acquire loads, Agrona counters, shard maxima): the hot path does no work for metrics,
 * and an idle Prometheus costs nothing. A scrape walks every partition once, so its cost grows with the partition
 * count (about a microsecond per partition), never with the traffic.
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

    /**
     * Name what the endpoint reads. Call once the broker's parts exist; until then a scrape answers JVM metrics only.
     *
     * @param partitions the partitions this broker leads: offsets, sizes, back-pressure.
     * @param shards     the sequencer shards: partitions per shard, longest duty cycle.
     * @param listener   the Kafka listener's counters: connections, requests, bytes.
     */
    public void register(
        final PartitionRegistry partitions, final SequencerShard[] shards, final KafkaListenerCounters listener)
    {
        if (registry != null)
        {
            registry.register(new BrokerCollector(partitions, shards, listener));
        }
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
