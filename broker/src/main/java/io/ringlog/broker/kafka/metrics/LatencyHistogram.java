package io.ringlog.broker.kafka.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * A histogram of durations with fixed power-of-two buckets, written by one thread and read by the scrape: bucket
 * {@code k} counts durations in (2<sup>k-1</sup>, 2<sup>k</sup>] microseconds, from 1 µs ({@code k = 0}, which also
 * takes everything shorter) to 2<sup>24</sup> µs (16.8 s), then one overflow bucket. The bounds are Prometheus'
 * {@code le} values, so a scrape copies the counts as they are.
 * <p>
 * Why these buckets: a factor of two keeps {@code histogram_quantile}'s interpolation error within the bucket's width
 * across seven decades (a microsecond produce to a JoinGroup that waits out a rebalance) with 26 series per
 * histogram, and the bucket of a duration is one division by a constant (a multiply) and a leading-zero count, with
 * no search and no branch per bound. An HdrHistogram would keep finer values, but its cross-thread reading needs a
 * phaser (two atomic operations per record) and several kilobytes per histogram, to be cut back to fixed buckets on
 * export anyway.
 * <p>
 * <b>Threads.</b> {@link #record} from one writer thread only (debug builds assert it): a plain read and a release
 * store for the bucket and for the sum, so no lock, no atomic read-modify-write and no allocation. Readers on any
 * thread load each value with acquire semantics; a scrape that races a record may see the bucket before the sum
 * moves (off by one duration in the sum for that scrape), never a count going back. Not padded: the writer owns
 * every line, and a scrape every few seconds costs it one cache miss.
 */
public final class LatencyHistogram
{
    /** Finite buckets: 2<sup>0</sup> .. 2<sup>24</sup> microseconds. */
    public static final int FINITE_BUCKETS = 25;
    /** Finite buckets plus the overflow (+Inf) bucket. */
    public static final int BUCKETS = FINITE_BUCKETS + 1;

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SUM_NS;
    private static final double[] UPPER_BOUNDS_SECONDS = new double[BUCKETS];

    static
    {
        try
        {
            SUM_NS = MethodHandles.lookup().findVarHandle(LatencyHistogram.class, "sumNs", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
        for (int k = 0; k < FINITE_BUCKETS; k++)
        {
            UPPER_BOUNDS_SECONDS[k] = (double)(1L << k) / TimeUnit.SECONDS.toMicros(1);
        }
        UPPER_BOUNDS_SECONDS[FINITE_BUCKETS] = Double.POSITIVE_INFINITY;
    }

    private final long[] counts = new long[BUCKETS];
    @SuppressWarnings("unused") // through SUM_NS
    private long sumNs;
    private Thread writer;

    /**
     * Count one duration. Writer thread only; allocation-free.
     *
     * @param durationNs nanoseconds; a negative value (a clock that went back) counts as zero.
     */
    public void record(final long durationNs)
    {
        assert sameWriter() : "a single-writer histogram recorded from a second thread";
        final long ns = Math.max(0L, durationNs);
        final int bucket = bucketOf(ns);
        COUNTS.setRelease(counts, bucket, counts[bucket] + 1);
        SUM_NS.setRelease(this, sumNs + ns);
    }

    /** The bucket of a duration: the smallest {@code k} with {@code ns <= 2^k µs}, at most the overflow bucket. */
    public static int bucketOf(final long ns)
    {
        final long micros = (ns - 1) / 1_000; // ns <= 2^k * 1000  <=>  (ns - 1) / 1000 < 2^k, in integers
        return Math.min(Long.SIZE - Long.numberOfLeadingZeros(micros), FINITE_BUCKETS);
    }

    /** Upper bounds in seconds, the last one +Inf; shared, do not change. */
    public static double[] upperBoundsSeconds()
    {
        return UPPER_BOUNDS_SECONDS;
    }

    /**
     * Copy the bucket counts (not cumulative) into {@code into}. Any thread.
     *
     * @return the total count.
     */
    public long countsInto(final long[] into)
    {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++)
        {
            final long c = (long)COUNTS.getAcquire(counts, i);
            into[i] = c;
            total += c;
        }
        return total;
    }

    /** Sum of the recorded durations. Any thread. */
    public long sumNs()
    {
        return (long)SUM_NS.getAcquire(this);
    }

    private boolean sameWriter()
    {
        final Thread current = Thread.currentThread();
        if (writer == null)
        {
            writer = current;
        }
        return writer == current;
    }
}
