package io.ringlog.perf.journal;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-thread counters JMH reports beside ops/s, in the same unit: {@code bytes} is bytes/s
 * and {@code records} is records/s. Incrementing two fields costs well under a nanosecond,
 * the same for every benchmark that uses it.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ThroughputCounters
{
    /** Payload bytes moved in this iteration. */
    public long bytes;
    /** Kafka records moved in this iteration. */
    public long records;

    /** Start every iteration from zero. */
    @Setup(Level.Iteration)
    public void reset()
    {
        bytes = 0;
        records = 0;
    }

    /**
     * Count one operation's payload.
     *
     * @param byteCount   bytes moved.
     * @param recordCount records moved.
     */
    public void add(final int byteCount, final int recordCount)
    {
        bytes += byteCount;
        records += recordCount;
    }
}
