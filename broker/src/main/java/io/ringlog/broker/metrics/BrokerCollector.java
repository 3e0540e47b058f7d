package io.ringlog.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.ringlog.broker.partition.Partition;
import io.ringlog.broker.partition.PartitionRegistry;
import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.SequencerShard;
import io.ringlog.transport.kafka.net.KafkaListenerCounters;

import java.util.Iterator;

/**
 * Reads the broker's published values into Prometheus snapshots, once per scrape, on the scrape thread.
 * <p>
 * What it reads, and why each read is safe from this thread:
 * <ul>
 * <li>the Kafka listener's Agrona counters (written by the selector with release stores, read with acquire);</li>
 * <li>each shard's partition count and longest duty cycle (volatile, documented as readable from any thread);</li>
 * <li>each partition's log start and end offsets, flushed offset, size and segment count (published by the
 * journal's writer with release stores; the segment array is replaced, never mutated), its high watermark and its
 * ring's back-pressure count (the sequencer's any-thread getters).</li>
 * </ul>
 * Rates come from Prometheus: produce records per second of a partition is
 * {@code rate(ringlog_partition_log_end_offset[1m])}; broker bytes in and out are counters.
 * <p>
 * Not here, because nothing publishes them yet (each needs a counter on a hot path owned elsewhere): per-partition
 * produce and fetch bytes and fetch rates, request latency per API, ring occupancy, journal fsync times, errors by
 * Kafka error code, consumer group lag.
 */
final class BrokerCollector implements MultiCollector
{
    private static final String[] PARTITION_LABELS = {"topic", "partition"};

    private final PartitionRegistry partitions;
    private final SequencerShard[] shards;
    private final KafkaListenerCounters listener;

    BrokerCollector(
        final PartitionRegistry partitions, final SequencerShard[] shards, final KafkaListenerCounters listener)
    {
        this.partitions = partitions;
        this.shards = shards.clone();
        this.listener = listener;
    }

    @Override
    public MetricSnapshots collect()
    {
        final MetricSnapshots.Builder out = MetricSnapshots.builder();
        collectListener(out);
        collectShards(out);
        collectPartitions(out);
        return out.build();
    }

    private void collectListener(final MetricSnapshots.Builder out)
    {
        final KafkaListenerCounters c = listener;
        out.metricSnapshot(counter("ringlog_kafka_requests", "Kafka requests with a well-formed header", c.requests()));
        out.metricSnapshot(counter("ringlog_kafka_responses", "Kafka responses sent in full", c.responses()));
        out.metricSnapshot(counter("ringlog_kafka_received_bytes", Unit.BYTES,
            "bytes read from Kafka client sockets (produce payloads included)", c.bytesIn()));
        out.metricSnapshot(counter("ringlog_kafka_sent_bytes", Unit.BYTES,
            "bytes written to Kafka client sockets (fetched records sent with sendfile included)", c.bytesOut()));
        out.metricSnapshot(counter("ringlog_kafka_connections_accepted", "connections accepted",
            c.acceptedConnections()));
        out.metricSnapshot(counter("ringlog_kafka_connections_closed", "connections closed, for any reason",
            c.closedConnections()));
        out.metricSnapshot(gauge("ringlog_kafka_connections", null, "connections open now", c.activeConnections()));
        out.metricSnapshot(counter("ringlog_kafka_accept_pauses", "times accepting paused at max.connections",
            c.acceptPauses()));
        out.metricSnapshot(counter("ringlog_kafka_idle_connections_closed", "connections closed for idleness",
            c.idleConnectionsClosed()));
        out.metricSnapshot(counter("ringlog_kafka_bad_frames",
            "frames refused as malformed (each closed its connection)", c.badFrames()));
        out.metricSnapshot(counter("ringlog_kafka_unsupported_versions",
            "requests at an API version the broker does not support", c.unsupportedVersions()));
        out.metricSnapshot(counter("ringlog_kafka_handler_errors",
            "exceptions from request handling (each closed its connection)", c.handlerErrors()));
        out.metricSnapshot(counter("ringlog_kafka_request_memory_waits",
            "times a connection stopped reading because queued.max.request.bytes was in use", c.memoryWaits()));
        out.metricSnapshot(counter("ringlog_kafka_send_stalls",
            "times a response filled the socket send buffer and waited", c.sendStalls()));
    }

    private void collectShards(final MetricSnapshots.Builder out)
    {
        final GaugeSnapshot.Builder count = GaugeSnapshot.builder()
            .name("ringlog_sequencer_shard_partitions").help("partitions a sequencer shard writes");
        final GaugeSnapshot.Builder duty = GaugeSnapshot.builder()
            .name("ringlog_sequencer_shard_max_duty_cycle_seconds").unit(Unit.SECONDS)
            .help("longest duty cycle that did work since start (appends, acks, housekeeping)");
        for (int i = 0; i < shards.length; i++)
        {
            final Labels labels = Labels.of("shard", Integer.toString(i));
            count.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(shards[i].partitionCount()).build());
            duty.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
                .value(Unit.nanosToSeconds(shards[i].maxDutyCycleNs())).build());
        }
        out.metricSnapshot(count.build());
        out.metricSnapshot(duty.build());
    }

    private void collectPartitions(final MetricSnapshots.Builder out)
    {
        final GaugeSnapshot.Builder start = gaugeFamily("ringlog_partition_log_start_offset", null,
            "first offset a consumer may read (moved by retention and DeleteRecords)");
        final GaugeSnapshot.Builder end = gaugeFamily("ringlog_partition_log_end_offset", null,
            "offset the next appended record gets; rate() of it is records produced per second");
        final GaugeSnapshot.Builder hw = gaugeFamily("ringlog_partition_high_watermark", null,
            "records below it are committed and visible to consumers");
        final GaugeSnapshot.Builder flushed = gaugeFamily("ringlog_partition_flushed_offset", null,
            "records below it are known to be on disk (fsynced, or recovered from disk)");
        final GaugeSnapshot.Builder size = gaugeFamily("ringlog_partition_size_bytes", Unit.BYTES,
            "bytes in the partition's segments");
        final GaugeSnapshot.Builder segments = gaugeFamily("ringlog_partition_segments", null,
            "segment files in the partition");
        final CounterSnapshot.Builder backPressured = CounterSnapshot.builder()
            .name("ringlog_partition_back_pressured")
            .help("produce requests refused because the partition's sequencer ring was full (answered retriable)");

        final Iterator<Partition> it = partitions.all().iterator();
        while (it.hasNext())
        {
            final Partition p = it.next();
            final PartitionLog log = p.log();
            final Labels labels = Labels.of(PARTITION_LABELS, new String[]{p.topic(), Integer.toString(p.index())});
            start.dataPoint(point(labels, log.logStartOffset()));
            end.dataPoint(point(labels, log.logEndOffset()));
            hw.dataPoint(point(labels, p.highWatermark()));
            flushed.dataPoint(point(labels, log.flushedOffset()));
            size.dataPoint(point(labels, log.sizeInBytes()));
            segments.dataPoint(point(labels, log.segmentBaseOffsets().length));
            backPressured.dataPoint(CounterDataPointSnapshot.builder().labels(labels)
                .value(p.sequencer().backPressuredCount()).build());
        }
        out.metricSnapshot(start.build());
        out.metricSnapshot(end.build());
        out.metricSnapshot(hw.build());
        out.metricSnapshot(flushed.build());
        out.metricSnapshot(size.build());
        out.metricSnapshot(segments.build());
        out.metricSnapshot(backPressured.build());
    }

    private static GaugeSnapshot.Builder gaugeFamily(final String name, final Unit unit, final String help)
    {
        final GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        return unit == null ? b : b.unit(unit);
    }

    private static GaugeDataPointSnapshot point(final Labels labels, final double value)
    {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    static CounterSnapshot counter(final String name, final String help, final double value)
    {
        return counter(name, null, help, value);
    }

    static CounterSnapshot counter(final String name, final Unit unit, final String help, final double value)
    {
        final CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help)
            .dataPoint(CounterDataPointSnapshot.builder().value(value).build());
        return unit == null ? b.build() : b.unit(unit).build();
    }

    static GaugeSnapshot gauge(final String name, final Unit unit, final String help, final double value)
    {
        final GaugeSnapshot.Builder b = gaugeFamily(name, unit, help)
            .dataPoint(GaugeDataPointSnapshot.builder().value(value).build());
        return b.build();
    }
}
