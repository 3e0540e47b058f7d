package io.ringlog.broker.kafka.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The buckets' bounds: bucket k holds (2^(k-1), 2^k] microseconds, as its Prometheus le says. */
class LatencyHistogramTest
{
    @Test
    void eachDurationLandsInTheFirstBucketWhoseBoundHoldsIt()
    {
        assertEquals(0, LatencyHistogram.bucketOf(0));
        assertEquals(0, LatencyHistogram.bucketOf(1));
        assertEquals(0, LatencyHistogram.bucketOf(1_000));
        assertEquals(1, LatencyHistogram.bucketOf(1_001));
        assertEquals(1, LatencyHistogram.bucketOf(2_000));
        assertEquals(2, LatencyHistogram.bucketOf(2_001));
        assertEquals(10, LatencyHistogram.bucketOf(1_024_000)); // 1.024 ms
        assertEquals(11, LatencyHistogram.bucketOf(1_024_001));
        assertEquals(24, LatencyHistogram.bucketOf((1L << 24) * 1_000)); // 16.8 s, the last finite bound
        assertEquals(LatencyHistogram.FINITE_BUCKETS, LatencyHistogram.bucketOf((1L << 24) * 1_000 + 1));
        assertEquals(LatencyHistogram.FINITE_BUCKETS, LatencyHistogram.bucketOf(Long.MAX_VALUE));
        for (int k = 0; k < LatencyHistogram.FINITE_BUCKETS; k++)
        {
            final long boundNs = Math.round(LatencyHistogram.upperBoundsSeconds()[k] * 1e9);
            assertEquals(k, LatencyHistogram.bucketOf(boundNs), "at the bound of bucket " + k);
            assertEquals(k + 1, LatencyHistogram.bucketOf(boundNs + 1), "just past the bound of bucket " + k);
        }
    }

    @Test
    void recordsCountsAndSum()
    {
        final LatencyHistogram h = new LatencyHistogram();
        h.record(500);
        h.record(1_500);
        h.record(-7); // a clock that went back counts as zero
        h.record(60_000_000_000L);
        final long[] counts = new long[LatencyHistogram.BUCKETS];
        assertEquals(4, h.countsInto(counts));
        assertEquals(2, counts[0]);
        assertEquals(1, counts[1]);
        assertEquals(1, counts[LatencyHistogram.FINITE_BUCKETS]);
        assertEquals(500 + 1_500 + 60_000_000_000L, h.sumNs());
        assertEquals(Double.POSITIVE_INFINITY, LatencyHistogram.upperBoundsSeconds()[LatencyHistogram.BUCKETS - 1]);
    }
}
