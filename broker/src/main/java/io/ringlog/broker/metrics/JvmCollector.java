package io.ringlog.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * The JVM figures a latency-minded operator looks at first: collections and the time they took per collector (a
 * pause is a latency spike every client sees), heap and non-heap memory, live threads. Read from the platform MXBeans
 * on the scrape thread. (Prometheus' own JVM instrumentation module could replace this; it is not on the registry
 * this project builds from at the pinned client version.)
 */
final class JvmCollector implements MultiCollector
{
    @Override
    public MetricSnapshots collect()
    {
        final CounterSnapshot.Builder collections = CounterSnapshot.builder()
            .name("jvm_gc_collections").help("garbage collections, per collector");
        final CounterSnapshot.Builder collectionTime = CounterSnapshot.builder()
            .name("jvm_gc_collection_seconds").unit(Unit.SECONDS)
            .help("time spent in garbage collections, per collector (approximate; pauses and concurrent work)");
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            final Labels labels = Labels.of("gc", gc.getName());
            collections.dataPoint(CounterDataPointSnapshot.builder().labels(labels)
                .value(Math.max(0, gc.getCollectionCount())).build());
            collectionTime.dataPoint(CounterDataPointSnapshot.builder().labels(labels)
                .value(Unit.millisToSeconds(Math.max(0, gc.getCollectionTime()))).build());
        }

        final MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        final MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        final GaugeSnapshot.Builder used = GaugeSnapshot.builder()
            .name("jvm_memory_used_bytes").unit(Unit.BYTES).help("memory used, heap or non-heap");
        final GaugeSnapshot.Builder max = GaugeSnapshot.builder()
            .name("jvm_memory_max_bytes").unit(Unit.BYTES).help("memory limit, heap or non-heap; -1 when unbounded");
        used.dataPoint(area("heap", heap.getUsed())).dataPoint(area("nonheap", nonHeap.getUsed()));
        max.dataPoint(area("heap", heap.getMax())).dataPoint(area("nonheap", nonHeap.getMax()));

        return MetricSnapshots.builder()
            .metricSnapshot(collections.build())
            .metricSnapshot(collectionTime.build())
            .metricSnapshot(used.build())
            .metricSnapshot(max.build())
            .metricSnapshot(BrokerCollector.gauge("jvm_threads_live", null, "live threads",
                ManagementFactory.getThreadMXBean().getThreadCount()))
            .build();
    }

    private static GaugeDataPointSnapshot area(final String area, final long bytes)
    {
        return GaugeDataPointSnapshot.builder().labels(Labels.of("area", area)).value(bytes).build();
    }
}
