package io.ringlog.perf.journal;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * How every benchmark in this package runs unless it says otherwise (JMH reads these from the
 * superclass): throughput in ops/s, one thread, one fork with the journal's JVM flags, and
 * short iterations that suit a 2-core machine. The command line overrides any of them.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {
    ForkFlags.HEAP_MIN, ForkFlags.HEAP_MAX, ForkFlags.AGRONA, ForkFlags.CRC32C,
    ForkFlags.IGNORE_UNKNOWN, ForkFlags.UNSAFE_ALLOW, ForkFlags.NATIVE_ACCESS })
public abstract class JournalBenchmarkRun
{
}
