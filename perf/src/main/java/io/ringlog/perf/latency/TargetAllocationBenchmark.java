package io.ringlog.perf.latency;

import io.ringlog.perf.journal.ForkFlags;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code -prof gc} check of allocation for any {@link LatencyTarget}: one operation is one message sent (offered
 * again after a poll while back-pressured) and one poll, so {@code gc.alloc.rate.norm} is bytes allocated per message
 * by <em>every</em> thread of the fork: the benchmark thread's send and receive, the echo, the media driver,
 * Chronicle's background threads, and, for a Ringlog target with an in-process broker, the broker's. It measures no
 * latency (the harness does); the throughput it reports is the unpaced send-and-poll rate under JMH.
 * <p>
 * Targets by name or class name, as for {@code --target}; idle back-off by default so that a run does not starve the
 * machine (the allocation does not depend on it). Tear-down checks that messages came back, in order.
 * <pre>
 * java -jar perf/target/benchmarks.jar TargetAllocationBenchmark -prof gc
 * java -jar perf/target/benchmarks.jar TargetAllocationBenchmark -p target=com.example.MyTarget -p size=64 -prof gc
 * java -jar perf/target/benchmarks.jar TargetAllocationBenchmark -p target=ringlog-ipc-same-host -p size=64 \
 *     -p idle=busy-spin -prof gc
 * </pre>
 * The Ringlog targets want {@code -p idle=busy-spin}: their producer sends with acks=0, and a broker that backs off
 * (the gateway on its own thread, the shard parking) refuses what its ring cannot take when the loop runs unpaced;
 * those records are lost (the tear-down fails the trial) and each refusal allocates an exception on the client.
 * Busy-spin puts the gateway on the shard's thread, which takes at most 64 requests from the ingress per duty cycle
 * and appends them in the same cycle, so the ring never fills and the producer is held back by Aeron instead. Or
 * acknowledge: {@code -p options=ringlog.client.acks=all}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    ForkFlags.HEAP_MIN, ForkFlags.HEAP_MAX, ForkFlags.AGRONA, ForkFlags.CRC32C,
    ForkFlags.IGNORE_UNKNOWN, ForkFlags.UNSAFE_ALLOW, ForkFlags.NATIVE_ACCESS,
    ForkFlags.CHRONICLE_REFLECT, ForkFlags.CHRONICLE_NIO_CH_EXPORTS, ForkFlags.CHRONICLE_REF,
    ForkFlags.CHRONICLE_NIO, ForkFlags.CHRONICLE_NIO_CH_OPENS, ForkFlags.CHRONICLE_LANG,
    ForkFlags.CHRONICLE_NO_ANALYTICS })
public class TargetAllocationBenchmark
{
    /** A built-in target name or a {@link LatencyTarget} class name. */
    @Param({"aeron-ipc-oneway", "aeron-ipc-pingpong", "chronicle"})
    public String target;

    /** Message size, bytes. */
    @Param({"64", "1024"})
    public int size;

    /** Idle mode of the target's own threads. */
    @Param({"backoff"})
    public String idle;

    /**
     * Target options, as {@code --target-option} gives them: {@code key=value} pairs separated by commas, e.g.
     * {@code ringlog.client.acks=all}; empty for none.
     */
    @Param({""})
    public String options;

    private final ThroughputRun.Counter counter = new ThroughputRun.Counter();
    private LatencyTarget system;
    private UnsafeBuffer payload;
    private long sequence;

    /**
     * Start the target.
     *
     * @throws Exception if it cannot start.
     */
    @Setup(Level.Trial)
    public void open() throws Exception
    {
        payload = Payload.allocate(size);
        system = Targets.create(target);
        final Map<String, String> targetOptions = new HashMap<>();
        for (final String option : options.split(","))
        {
            final int equals = option.indexOf('=');
            if (equals > 0)
            {
                targetOptions.put(option.substring(0, equals).trim(), option.substring(equals + 1).trim());
            }
            else if (!option.isBlank())
            {
                throw new IllegalArgumentException("options: not key=value: " + option);
            }
        }
        system.start(new TargetSettings(size, IdleMode.parse(idle), targetOptions));
    }

    /**
     * Send one message, then poll once.
     *
     * @return messages the poll delivered.
     */
    @Benchmark
    public int sendAndPoll()
    {
        final long nowNs = System.nanoTime();
        Payload.stamp(payload, nowNs, sequence);
        while (!system.send(nowNs, payload, size))
        {
            system.poll(counter, FixedRateRun.POLL_LIMIT);
        }
        sequence++;
        return system.poll(counter, FixedRateRun.POLL_LIMIT);
    }

    /** Drain, check what came back, close the target. */
    @TearDown(Level.Trial)
    public void close()
    {
        try
        {
            final long deadlineNs = System.nanoTime() + FixedRateRun.DRAIN_QUIET_NS;
            while (counter.received < sequence && System.nanoTime() < deadlineNs)
            {
                if (system.poll(counter, FixedRateRun.POLL_LIMIT) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            if (counter.received != sequence || counter.outOfOrder != 0)
            {
                throw new IllegalStateException(target + ": sent " + sequence + ", received " + counter.received
                    + ", out of order " + counter.outOfOrder);
            }
        }
        finally
        {
            system.close();
        }
    }
}
