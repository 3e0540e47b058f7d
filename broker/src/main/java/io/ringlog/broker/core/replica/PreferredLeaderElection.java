package io.ringlog.broker.core.replica;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.replication.client.QuorumClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Kafka's {@code auto.leader.rebalance.enable}: every {@code leader.imbalance.check.interval.seconds}, this broker asks
 * the controller to give back the leadership of each partition whose preferred replica (the first) it is, when it is
 * live and in sync but another broker leads: after a broker returns from a failure, leadership spreads out again.
 * Each broker asks for its own partitions, so the controller's state machine needs no timer of its own. Kafka waits
 * for an imbalance above {@code leader.imbalance.per.broker.percentage}; this asks for every such partition.
 * <p>
 * One daemon thread, asleep between checks; the image is read, never locked.
 */
public final class PreferredLeaderElection implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(PreferredLeaderElection.class);

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final QuorumClient quorum;
    private final ScheduledExecutorService timer;

    public PreferredLeaderElection(final int nodeId, final Supplier<MetadataImage> image, final QuorumClient quorum,
        final long intervalMs)
    {
        this.nodeId = nodeId;
        this.image = image;
        this.quorum = quorum;
        this.timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "ringlog-preferred-leader-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Propose an election for each partition this broker should lead and does not. */
    void check()
    {
        try
        {
            final MetadataImage now = image.get();
            final MetadataImage.BrokerRegistration self = now.brokers().get(nodeId);
            if (self == null || self.fenced())
            {
                return;
            }
            now.topics().values().forEach(topic -> topic.partitions().forEach(p ->
            {
                if (!p.replicas().isEmpty() && p.replicas().get(0) == nodeId && p.leader() != nodeId &&
                    p.isr().contains(nodeId))
                {
                    LOG.info("{}-{}: asking to lead again as its preferred replica (leader now {})", topic.name(),
                        p.partition(), p.leader());
                    quorum.electLeader(topic.name(), p.partition(), false);
                }
            }));
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("preferred leader check failed: {}", ex.toString());
        }
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
    }
}
