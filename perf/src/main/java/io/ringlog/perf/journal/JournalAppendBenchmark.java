package io.ringlog.perf.journal;

import io.ringlog.journal.AppendResult;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogFlusher;
import io.ringlog.journal.PartitionLog;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Journal append throughput: {@link PartitionLog#appendAsLeader} of one valid Kafka
 * RecordBatch v2, the same bytes every time (the journal assigns new offsets to each copy),
 * on the one writer thread a partition has.
 * <p>
 * Segments are 256 MiB with retention.bytes of one segment and no file-delete delay;
 * {@link PartitionLog#enforceRetention} runs on the writer thread after every 64 MiB appended,
 * inside the measured method, so its cost (and the cost of rolling segments) is in the score
 * just as the roll and delete are in {@link MappedAppendBenchmark}'s. The disk holds at most
 * about three segments however long the run.
 * <p>
 * The journal fsyncs on every roll. With {@code fsync=flusher} (the default, and how the
 * broker runs it) a {@link LogFlusher} agent does that on its own thread, sleeping 1 ms when
 * idle; with {@code fsync=writer} no flusher is attached and the writer thread fsyncs inline.
 * {@code fsync=none} is a control for diagnosis only: a flusher is attached but never run, so
 * no fsync happens at all and the score shows what the journal costs without it.
 */
@State(Scope.Thread)
public class JournalAppendBenchmark extends AppendShape
{
    /** segment.bytes, and retention.bytes too. */
    static final int SEGMENT_BYTES = 256 << 20;
    static final String TOPIC = "perf";

    /** fsync on roll runs on a {@link LogFlusher}'s own thread. */
    static final String FLUSHER_THREAD = "flusher";
    /** fsync on roll runs inline on the writer thread. */
    static final String WRITER_THREAD = "writer";
    /** Control: fsync requests are taken by a flusher that never runs. */
    static final String NO_FSYNC = "none";

    /** Which thread runs the fsync on roll. */
    @Param({FLUSHER_THREAD})
    public String fsync;

    /** Package-private so the smoke test can roll segments quickly. */
    int segmentBytes = SEGMENT_BYTES;
    /** Bytes appended between calls to {@link PartitionLog#enforceRetention}. */
    int retentionCheckBytes = SEGMENT_BYTES / 4;

    Path dir;
    PartitionLog log;
    private AgentRunner flusherRunner;
    private final AppendResult result = new AppendResult();
    private long bytesSinceRetentionCheck;
    private long appendedBatches;

    /**
     * Build the batch and open an empty log in a fresh directory.
     *
     * @throws IOException if the log cannot be created.
     */
    @Setup(Level.Trial)
    public void open() throws IOException
    {
        buildBatch();
        dir = TempDirs.create("journal-append");
        log = PartitionLog.open(dir, TOPIC, 0, LogConfig.builder()
            .segmentBytes(segmentBytes)
            .retentionBytes(segmentBytes)
            .retentionMs(-1)
            .fileDeleteDelayMs(0)
            .build());
        switch (fsync)
        {
            case FLUSHER_THREAD ->
            {
                final LogFlusher flusher = new LogFlusher();
                flusher.register(log);
                flusherRunner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, flusher);
                AgentRunner.startOnThread(flusherRunner);
            }
            case NO_FSYNC -> new LogFlusher().register(log);
            case WRITER_THREAD -> flusherRunner = null;
            default -> throw new IllegalArgumentException("fsync=" + fsync);
        }
    }

    /**
     * Append the batch once.
     *
     * @param counters bytes and records appended.
     * @return the last offset assigned, so the append cannot be optimised away.
     */
    @Benchmark
    public long append(final ThroughputCounters counters)
    {
        final int status = log.appendAsLeader(batch, 0, batchLength, LEADER_EPOCH, result);
        if (JournalStatus.OK != status)
        {
            throw new IllegalStateException("append failed: " + JournalStatus.describe(status));
        }
        appendedBatches++;
        if ((bytesSinceRetentionCheck += batchLength) >= retentionCheckBytes)
        {
            bytesSinceRetentionCheck = 0;
            log.enforceRetention(System.currentTimeMillis());
        }
        counters.add(batchLength, recordsPerBatch);

        return result.lastOffset();
    }

    /** Stop the flusher, check every record got an offset, close the log and delete its directory. */
    @TearDown(Level.Trial)
    public void close()
    {
        if (null != flusherRunner)
        {
            flusherRunner.close();
        }
        try
        {
            final long expectedEnd = appendedBatches * recordsPerBatch;
            if (log.logEndOffset() != expectedEnd)
            {
                throw new IllegalStateException(
                    "log end offset " + log.logEndOffset() + " after " + expectedEnd + " records");
            }
        }
        finally
        {
            log.close();
            TempDirs.delete(dir);
        }
    }
}
