package io.ringlog.replication.data;

import java.util.concurrent.atomic.LongAdder;

/**
 * Replication's counters for a broker, written by its shard threads and read by the metrics scrape: bytes streamed
 * out to followers and in from leaders, ISR shrinks and expansions of partitions led here (counted when the
 * controller has committed them, whoever asked), truncations of diverged logs.
 */
public final class ReplicationMetrics
{
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder isrShrinks = new LongAdder();
    private final LongAdder isrExpands = new LongAdder();
    private final LongAdder truncations = new LongAdder();

    void bytesOut(final long bytes)
    {
        bytesOut.add(bytes);
    }

    void bytesIn(final long bytes)
    {
        bytesIn.add(bytes);
    }

    void isrShrink()
    {
        isrShrinks.increment();
    }

    void isrExpand()
    {
        isrExpands.increment();
    }

    void truncation()
    {
        truncations.increment();
    }

    public long bytesOut()
    {
        return bytesOut.sum();
    }

    public long bytesIn()
    {
        return bytesIn.sum();
    }

    public long isrShrinks()
    {
        return isrShrinks.sum();
    }

    public long isrExpands()
    {
        return isrExpands.sum();
    }

    public long truncations()
    {
        return truncations.sum();
    }
}
