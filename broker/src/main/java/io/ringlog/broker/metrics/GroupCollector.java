package io.ringlog.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.ringlog.broker.kafka.group.GroupCoordinator;
import io.ringlog.broker.kafka.group.GroupSnapshot;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Consumer groups on each scrape: state, members, committed offsets and lag, from a {@link GroupSnapshot} the group
 * coordinator makes on its own thread ({@link GroupCoordinator#snapshot()}). The scrape thread waits for it at most
 * {@value #SNAPSHOT_TIMEOUT_MS} ms; the coordinator never waits for the scrape. A snapshot that does not come in time
 * (the coordinator is still replaying {@code __consumer_offsets}, or is stalled) leaves the group series out of that
 * scrape and counts {@code ringlog_consumer_group_snapshot_timeouts_total}.
 * <p>
 * Lag is the partition's high watermark minus the committed offset, at least 0, as Kafka's
 * {@code kafka-consumer-groups.sh} reports it (its log end offset is ListOffsets' latest, the high watermark): the
 * records a consumer could read and has not committed. A partition this broker does not lead (a deleted topic's, a
 * commit for a partition that never existed) has a committed offset and no lag. The high watermark is read after the
 * snapshot, so a commit in between makes lag read high for one scrape, never low.
 * <p>
 * Scrape thread only (the endpoint serves one scrape at a time).
 */
final class GroupCollector implements MultiCollector
{
    /** How long a scrape waits for the coordinator's snapshot; Prometheus' own scrape timeout defaults to 10 s. */
    static final long SNAPSHOT_TIMEOUT_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(GroupCollector.class);
    private static final String[] OFFSET_LABELS = {"group", "topic", "partition"};

    private final GroupCoordinator coordinator;
    private final ReplicaManager partitions;
    private long timeouts;

    GroupCollector(final GroupCoordinator coordinator, final ReplicaManager partitions)
    {
        this.coordinator = coordinator;
        this.partitions = partitions;
    }

    @Override
    public MetricSnapshots collect()
    {
        final List<GroupSnapshot> groups = snapshot();
        final MetricSnapshots.Builder out = MetricSnapshots.builder();
        out.metricSnapshot(CounterSnapshot.builder().name("ringlog_consumer_group_snapshot_timeouts")
            .help("scrapes that left consumer groups out because the coordinator did not answer within " +
                SNAPSHOT_TIMEOUT_MS + " ms")
            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(timeouts).build()).build());
        if (groups == null)
        {
            return out.build();
        }
        final GaugeSnapshot.Builder state = gauge("ringlog_consumer_group_state",
            "1 for the group's current state (label state: Empty, PreparingRebalance, CompletingRebalance, Stable)");
        final GaugeSnapshot.Builder members = gauge("ringlog_consumer_group_members",
            "members of the group's current generation");
        final GaugeSnapshot.Builder committed = gauge("ringlog_consumer_group_committed_offset",
            "the offset the group will read next, as committed");
        final GaugeSnapshot.Builder lag = gauge("ringlog_consumer_group_lag",
            "records below the high watermark the group has not committed: high watermark - committed offset, " +
                "at least 0 (partitions this broker leads)");
        for (final GroupSnapshot group : groups)
        {
            state.dataPoint(point(Labels.of("group", group.groupId(), "state", group.state()), 1));
            members.dataPoint(point(Labels.of("group", group.groupId()), group.members()));
            for (final GroupSnapshot.Committed c : group.offsets())
            {
                final Labels labels = Labels.of(OFFSET_LABELS,
                    new String[]{group.groupId(), c.topic(), Integer.toString(c.partition())});
                committed.dataPoint(point(labels, c.offset()));
                final Partition partition = partitions.partition(c.topic(), c.partition());
                if (partition != null)
                {
                    lag.dataPoint(point(labels, Math.max(0L, partition.highWatermark() - c.offset())));
                }
            }
        }
        return out.metricSnapshot(state.build())
            .metricSnapshot(members.build())
            .metricSnapshot(committed.build())
            .metricSnapshot(lag.build())
            .build();
    }

    /** The coordinator's snapshot, or null when it did not come in time. */
    private List<GroupSnapshot> snapshot()
    {
        try
        {
            return coordinator.snapshot().get(SNAPSHOT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            timeouts++;
            LOG.debug("no consumer-group snapshot for this scrape: {}", ex.toString());
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static GaugeSnapshot.Builder gauge(final String name, final String help)
    {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static GaugeDataPointSnapshot point(final Labels labels, final double value)
    {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
