package io.ringlog.broker.kafka.metrics;

import io.ringlog.broker.metrics.BrokerMetrics;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogFlusher;
import io.ringlog.journal.PartitionLog;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guards "zero garbage on the hot path" for what the metrics add to it: the recording calls made per request (latency,
 * the Fetch answer's bytes and records per partition, a partition error) and per fsync, measured in isolation with the
 * JVM's per-thread allocation counter (exact, not sampled). The test thread plays the one writer (the selector, the
 * flusher). The append counters the shard writes are covered by the sequencer's own {@code AllocationTest}, which runs
 * the whole append path.
 * <p>
 * The bound is under one byte per round: one allocation per round would be at least 16 bytes per round.
 */
@Timeout(60)
class MetricsAllocationTest
{
    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 100_000;

    @TempDir
    Path dir;

    @Test
    void recordingAllocatesNothingPerRequest() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long self = Thread.currentThread().getId();
        try (PartitionLog log0 = PartitionLog.open(dir.resolve("a-0"), "a", 0, LogConfig.defaults());
            PartitionLog log1 = PartitionLog.open(dir.resolve("a-1"), "a", 1, LogConfig.defaults());
            BrokerMetrics endpoint = BrokerMetrics.start(BrokerConfig.defaults()))
        {
            final UUID id = UUID.randomUUID();
            final Partition p0 = new Partition("a", id, 0, log0, null, 0);
            final Partition p1 = new Partition("a", id, 1, log1, null, 0);
            final KafkaApiMetrics metrics = endpoint.requests();
            final LogFlusher.FlushListener flushes = endpoint.flushListener();

            for (int i = 0; i < WARM_UP; i++)
            {
                round(metrics, flushes, p0, p1, log0, i);
            }
            final long before = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < MEASURED; i++)
            {
                round(metrics, flushes, p0, p1, log0, i);
            }
            final long allocated = threads.getThreadAllocatedBytes(self) - before;
            System.out.printf("metrics recording: %d bytes allocated over %,d rounds (%.4f B/round)%n",
                allocated, MEASURED, allocated / (double)MEASURED);
            assertTrue(allocated < MEASURED, "bytes allocated by " + MEASURED + " rounds: " + allocated);

            // What was recorded is what the rounds did.
            final long rounds = WARM_UP + MEASURED;
            final long[] counts = new long[LatencyHistogram.BUCKETS];
            assertEquals(rounds, metrics.latency(ApiKeys.PRODUCE.id).countsInto(counts));
            assertEquals(rounds, metrics.latency(ApiKeys.FETCH.id).countsInto(counts));
            assertEquals(rounds, metrics.fetchedRecords(p0));
            assertEquals(rounds * 1_000, metrics.fetchedBytes(p0));
            assertEquals(0, metrics.fetchedBytes(p1));
            assertEquals((WARM_UP + 15) / 16 + (MEASURED + 15) / 16, // i = 0, 16, 32, ... in each loop
                metrics.errors(ApiKeys.FETCH.id, Errors.OFFSET_OUT_OF_RANGE.code()));
            assertEquals(0, metrics.errors(ApiKeys.PRODUCE.id, Errors.NONE.code()), "NONE is not an error");
        }
    }

    /** What one Produce, one Fetch answer of two partitions and one fsync record. */
    private static void round(final KafkaApiMetrics metrics, final LogFlusher.FlushListener flushes,
        final Partition p0, final Partition p1, final PartitionLog log, final int i)
    {
        metrics.onLatency(ApiKeys.PRODUCE.id, 35_000 + i % 1_000);
        metrics.onError(ApiKeys.PRODUCE.id, Errors.NONE.code());
        metrics.onLatency(ApiKeys.FETCH.id, 480_000_000L + i);
        metrics.onFetched(p0, 1_000, 1);
        metrics.onError(ApiKeys.FETCH.id, (i & 15) == 0 ? Errors.OFFSET_OUT_OF_RANGE.code() : Errors.NONE.code());
        metrics.onError(ApiKeys.FETCH.id, Errors.NONE.code());
        flushes.onFlush(log, 2_000_000L + i);
    }
}
