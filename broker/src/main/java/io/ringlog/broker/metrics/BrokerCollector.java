package io.ringlog.broker.metrics;

import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.broker.kafka.metrics.LatencyHistogram;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.AppendCounters;
import io.ringlog.sequencer.PartitionSequencer;
import io.ringlog.sequencer.SequencerShard;
import io.ringlog.transport.kafka.net.KafkaListenerCounters;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.util.Iterator;

/**
 * Reads the broker's published values into Prometheus snapshots, once per scrape, on the scrape thread.
 * <p>
 * What it reads, and why each read is safe from this thread:
 * <ul>
 * <li>the Kafka listener's Agrona counters (written by the selector with release stores, read with acquire);</li>
 * <li>each shard's partition count and longest duty cycle (volatile, documented as readable from any thread);</li>
 * <li>each partition's log start and end offsets, flushed offset, size and segment count (published by the
 * journal's writer with release stores; the segment array is replaced, never mutated), its high watermark, its
 * ring's back-pressure count and occupancy, and the records and bytes its shard appended (the sequencer's any-thread
 * getters; {@link AppendCounters} is written by the shard with release stores);</li>
 * <li>the selector thread's {@link KafkaApiMetrics}: request latency and errors per API, records and bytes served
 * by Fetch per partition (release stores by the selector, acquire loads here);</li>
 * <li>the flusher thread's fsync-time histogram (the same).</li>
 * </ul>
 * Rates come from Prometheus: {@code rate()} of a {@code _total} counter is per second; broker totals are
 * {@code sum without (topic, partition)} of the partition series (see the broker README for the queries). Consumer
 * group lag is {@link GroupCollector}'s.
 */
final class BrokerCollector implements MultiCollector
{
    private static final String[] PARTITION_LABELS = {"topic", "partition"};

    private final ReplicaManager partitions;
    private final SequencerShard[] shards;
    private final KafkaListenerCounters listener;
    private final KafkaApiMetrics requests;
    private final LatencyHistogram flushTimes;

    BrokerCollector(final ReplicaManager partitions, final SequencerShard[] shards,
        final KafkaListenerCounters listener, final KafkaApiMetrics requests, final LatencyHistogram flushTimes)
    {
        this.partitions = partitions;
        this.shards = shards.clone();
        this.listener = listener;
        this.requests = requests;
        this.flushTimes = flushTimes;
    }

    @Override
    public MetricSnapshots collect()
    {
        final MetricSnapshots.Builder out = MetricSnapshots.builder();
        collectListener(out);
        collectRequests(out);
        collectShards(out);
        collectPartitions(out);
        out.metricSnapshot(HistogramSnapshot.builder().name("ringlog_journal_flush_seconds").unit(Unit.SECONDS)
            .help("time of each fsync the log flusher ran (flush.messages, flush.ms, a roll); _count is fsyncs")
            .dataPoint(histogramPoint(Labels.EMPTY, flushTimes)).build());
        return out.build();
    }

    /** Latency and errors per Kafka API, for the APIs that have had a request (or an error) since start. */
    private void collectRequests(final MetricSnapshots.Builder out)
    {
        final HistogramSnapshot.Builder latency = HistogramSnapshot.builder()
            .name("ringlog_kafka_request_seconds").unit(Unit.SECONDS)
            .help("time from a request's whole frame to its completion (the answer handed to the listener, or none " +
                "for acks=0); Produce at acks=all includes the wait for the high watermark, Fetch the long poll");
        final CounterSnapshot.Builder errors = CounterSnapshot.builder()
            .name("ringlog_kafka_errors")
            .help("error codes in answers, per API and Kafka error (each partition, topic, group or member error " +
                "counts once, as Kafka's own per-error request metric counts them)");
        final Errors[] codes = Errors.values();
        for (final ApiKeys api : ApiKeys.values())
        {
            final LatencyHistogram h = requests.latency(api.id);
            final Labels apiLabel = Labels.of("api", api.name);
            final HistogramDataPointSnapshot point = histogramPoint(apiLabel, h);
            if (point.getCount() > 0)
            {
                latency.dataPoint(point);
            }
            if (requests.hasErrors(api.id))
            {
                for (final Errors e : codes)
                {
                    final long n = requests.errors(api.id, e.code());
                    if (n > 0)
                    {
                        errors.dataPoint(CounterDataPointSnapshot.builder()
                            .labels(Labels.of("api", api.name, "error", e.name())).value(n).build());
                    }
                }
            }
        }
        out.metricSnapshot(latency.build());
        out.metricSnapshot(errors.build());
    }

    static HistogramDataPointSnapshot histogramPoint(final Labels labels, final LatencyHistogram h)
    {
        final long[] counts = new long[LatencyHistogram.BUCKETS];
        h.countsInto(counts);
        return HistogramDataPointSnapshot.builder()
            .labels(labels)
            .classicHistogramBuckets(ClassicHistogramBuckets.of(LatencyHistogram.upperBoundsSeconds(), counts))
            .sum(Unit.nanosToSeconds(h.sumNs()))
            .build();
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
        final GaugeSnapshot.Builder ringUsed = gaugeFamily("ringlog_partition_ring_occupancy", null,
            "produce requests in the partition's sequencer ring that its shard has not taken yet");
        final GaugeSnapshot.Builder ringSize = gaugeFamily("ringlog_partition_ring_size", null,
            "produce requests the partition's sequencer ring holds (sequencer.ring.size)");
        final CounterSnapshot.Builder producedRecords = counterFamily("ringlog_partition_produced_records", null,
            "records appended for producers (duplicates and refused batches not counted); rate() is records/s in");
        final CounterSnapshot.Builder producedBytes = counterFamily("ringlog_partition_produced_bytes", Unit.BYTES,
            "bytes of record batches appended for producers, as stored");
        final CounterSnapshot.Builder fetchedRecords = counterFamily("ringlog_partition_fetched_records", null,
            "records in the batches sent to Kafka consumers by Fetch answers sent in full (a batch's records before " +
                "the fetch offset included, as they are sent)");
        final CounterSnapshot.Builder fetchedBytes = counterFamily("ringlog_partition_fetched_bytes", Unit.BYTES,
            "bytes of record batches sent to Kafka consumers by Fetch answers sent in full");

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
            final PartitionSequencer sequencer = p.sequencer();
            backPressured.dataPoint(counterPoint(labels, sequencer.backPressuredCount()));
            ringUsed.dataPoint(point(labels, sequencer.ringOccupancy()));
            ringSize.dataPoint(point(labels, sequencer.ringSize()));
            final AppendCounters appended = sequencer.appendCounters();
            producedRecords.dataPoint(counterPoint(labels, appended.records()));
            producedBytes.dataPoint(counterPoint(labels, appended.bytes()));
            fetchedRecords.dataPoint(counterPoint(labels, requests.fetchedRecords(p)));
            fetchedBytes.dataPoint(counterPoint(labels, requests.fetchedBytes(p)));
        }
        out.metricSnapshot(start.build());
        out.metricSnapshot(end.build());
        out.metricSnapshot(hw.build());
        out.metricSnapshot(flushed.build());
        out.metricSnapshot(size.build());
        out.metricSnapshot(segments.build());
        out.metricSnapshot(backPressured.build());
        out.metricSnapshot(ringUsed.build());
        out.metricSnapshot(ringSize.build());
        out.metricSnapshot(producedRecords.build());
        out.metricSnapshot(producedBytes.build());
        out.metricSnapshot(fetchedRecords.build());
        out.metricSnapshot(fetchedBytes.build());
    }

    private static CounterSnapshot.Builder counterFamily(final String name, final Unit unit, final String help)
    {
        final CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        return unit == null ? b : b.unit(unit);
    }

    private static CounterDataPointSnapshot counterPoint(final Labels labels, final double value)
    {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
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
