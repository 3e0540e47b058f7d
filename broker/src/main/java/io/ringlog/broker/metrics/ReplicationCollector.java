package io.ringlog.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import io.ringlog.broker.core.replica.Replication;
import io.ringlog.replication.data.FollowerLag;
import io.ringlog.replication.data.ReplicationMetrics;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Replication as this broker sees it, read on each scrape, with Kafka's meanings:
 * <ul>
 * <li>under-replicated and under-min-ISR partitions: partitions this broker leads whose committed ISR (the current
 * metadata image, a volatile read) is smaller than their replicas, or than their topic's
 * {@code min.insync.replicas};</li>
 * <li>ISR shrinks and expansions of partitions led here as committed, replication bytes in and out, truncations
 * ({@link ReplicationMetrics}: adders the shard threads add to);</li>
 * <li>per partition led here, the largest follower lag in offsets, and per follower the time since it last caught
 * up (the values each leader's shard thread publishes with release stores, {@link Replication#followerLags});</li>
 * <li>leader elections seen in metadata images ({@link LeaderElections}).</li>
 * </ul>
 * Cost: a walk over the image's partitions and one small record per follower of a partition led here, per scrape.
 */
final class ReplicationCollector implements MultiCollector
{
    private static final String[] PARTITION_LABELS = {"topic", "partition"};
    private static final String[] FOLLOWER_LABELS = {"topic", "partition", "follower"};

    private final Replication replication;
    private final Controller controller;
    private final BrokerConfig config;
    private final int nodeId;
    private final LeaderElections elections;

    ReplicationCollector(final Replication replication, final Controller controller, final BrokerConfig config,
        final LeaderElections elections)
    {
        this.replication = replication;
        this.controller = controller;
        this.config = config;
        this.nodeId = config.nodeId();
        this.elections = elections;
    }

    @Override
    public MetricSnapshots collect()
    {
        final MetadataImage image = controller.image();
        final Map<String, String> defaults = config.defaultTopicConfig();
        final Map<UUID, String> names = new HashMap<>();
        int underReplicated = 0;
        int underMinIsr = 0;
        for (final TopicImage topic : image.topics().values())
        {
            names.put(topic.id(), topic.name());
            int minIsr = -1; // worked out for the first partition led here only
            for (final PartitionImage p : topic.partitions())
            {
                if (p.leader() != nodeId)
                {
                    continue;
                }
                if (p.isr().size() < p.replicas().size())
                {
                    underReplicated++;
                }
                if (minIsr < 0)
                {
                    minIsr = TopicConfig.minInsyncReplicas(TopicConfig.effective(defaults, topic.configs()));
                }
                if (p.isr().size() < minIsr)
                {
                    underMinIsr++;
                }
            }
        }

        final MetricSnapshots.Builder out = MetricSnapshots.builder();
        out.metricSnapshot(BrokerCollector.gauge("ringlog_under_replicated_partitions", null,
            "partitions led here whose ISR is smaller than their replicas (Kafka's UnderReplicatedPartitions)",
            underReplicated));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_under_min_isr_partitions", null,
            "partitions led here whose ISR is below their topic's min.insync.replicas: acks=all produce is refused " +
                "NOT_ENOUGH_REPLICAS (Kafka's UnderMinIsrPartitionCount)", underMinIsr));
        final ReplicationMetrics m = replication.metrics();
        out.metricSnapshot(BrokerCollector.counter("ringlog_isr_shrinks",
            "ISR shrinks of partitions led here, counted when committed: the leader's own (a follower that fell " +
                "behind replica.lag.time.max.ms) and the controller's (a fenced broker leaves every ISR)",
            m.isrShrinks()));
        out.metricSnapshot(BrokerCollector.counter("ringlog_isr_expands",
            "ISR expansions of partitions led here (a follower caught up and rejoined), counted when committed",
            m.isrExpands()));
        out.metricSnapshot(BrokerCollector.counter("ringlog_replication_received_bytes", Unit.BYTES,
            "bytes of record batches appended here as a follower (Kafka's ReplicationBytesInPerSec)", m.bytesIn()));
        out.metricSnapshot(BrokerCollector.counter("ringlog_replication_sent_bytes", Unit.BYTES,
            "bytes of record batches streamed to followers (Kafka's ReplicationBytesOutPerSec)", m.bytesOut()));
        out.metricSnapshot(BrokerCollector.counter("ringlog_replication_truncations",
            "times a follower here truncated its log where it diverged from its leader's", m.truncations()));
        out.metricSnapshot(BrokerCollector.counter("ringlog_leader_elections",
            "leader elections seen in metadata images, any partition of the cluster (a leader epoch grew and a " +
                "leader was named; going offline is not one): the same on every broker, do not sum across brokers",
            elections.count()));
        collectFollowers(out, names);
        return out.build();
    }

    private void collectFollowers(final MetricSnapshots.Builder out, final Map<UUID, String> names)
    {
        final GaugeSnapshot.Builder maxLag = GaugeSnapshot.builder().name("ringlog_partition_follower_max_lag")
            .help("partitions led here: the largest lag of a follower, in offsets (the leader's log end minus the " +
                "follower's last acknowledged one)");
        final GaugeSnapshot.Builder lagTime = GaugeSnapshot.builder().name("ringlog_partition_follower_lag_seconds")
            .unit(Unit.SECONDS)
            .help("partitions led here: time since each follower last caught up with the leader's log end (Kafka's " +
                "lastCaughtUpTimeMs); past replica.lag.time.max.ms the leader takes it out of the ISR");
        final Map<Labels, Long> largest = new HashMap<>();
        final long now = System.currentTimeMillis();
        for (final FollowerLag f : replication.followerLags())
        {
            final String topic = names.get(f.topicId());
            if (topic == null)
            {
                continue; // deleted since the image was taken
            }
            final String partition = Integer.toString(f.partition());
            largest.merge(Labels.of(PARTITION_LABELS, new String[]{topic, partition}), f.lagOffsets(), Math::max);
            lagTime.dataPoint(GaugeDataPointSnapshot.builder()
                .labels(Labels.of(FOLLOWER_LABELS, new String[]{topic, partition, Integer.toString(f.followerId())}))
                .value(Unit.millisToSeconds(Math.max(0, now - f.lastCaughtUpMs()))).build());
        }
        largest.forEach((labels, lag) -> maxLag.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
            .value(lag).build()));
        out.metricSnapshot(maxLag.build());
        out.metricSnapshot(lagTime.build());
    }
}
