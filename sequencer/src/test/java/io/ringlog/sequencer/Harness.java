package io.ringlog.sequencer;

import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogSlice;
import io.ringlog.journal.PartitionLog;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A shard on its own thread under an {@code AgentRunner} with a back-off idle strategy (spins a little, then parks
 * up to 100 us: never a busy spin on this 2-core machine), collecting the errors it reports; plus helpers to open
 * logs, wait on conditions with a deadline, and read a log's batch headers back.
 */
final class Harness implements AutoCloseable
{
    static final long WAIT_NS = TimeUnit.SECONDS.toNanos(20);

    final SequencerShard shard;
    final AgentRunner runner;
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    Harness(final String name, final SequencerConfig config)
    {
        shard = new SequencerShard(name, config, SystemEpochClock.INSTANCE, errors::add);
        runner = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 100_000), errors::add, null, shard);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Log settings for tests: retention by time off, because the test batches carry timestamps from 1970 and the
     * shard's housekeeping would otherwise delete their segments as seven days old.
     */
    static LogConfig.Builder logConfig()
    {
        return LogConfig.builder().retentionMs(-1);
    }

    /** A new sequencer over a log opened under {@code dir}, added to this shard. */
    PartitionSequencer add(final Path dir, final String topic, final LogConfig logConfig, final SequencerConfig config)
        throws IOException
    {
        final PartitionSequencer sequencer = new PartitionSequencer(PartitionLog.open(dir, topic, 0, logConfig), 0, 1, config);
        shard.addPartition(sequencer).join();
        return sequencer;
    }

    @Override
    public void close()
    {
        runner.close();
    }

    /** Stop, and fail if the shard reported an error the test did not expect. */
    void closeExpectingNoErrors()
    {
        close();
        if (!errors.isEmpty())
        {
            final AssertionError failure = new AssertionError("shard reported " + errors.size() + " errors");
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /** Wait, without sleeping a fixed time, until {@code condition} holds; fail after 20 s. */
    static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /** Offer until the ring takes it (retrying on back-pressure); fails on any other answer. */
    static void offer(
        final PartitionSequencer sequencer,
        final DirectBuffer batch,
        final int acks,
        final long timeoutMs,
        final int correlation,
        final ProduceCompletion completion)
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        int code;
        while ((code = sequencer.offer(batch, 0, batch.capacity(), acks, timeoutMs, correlation, 0, completion)) ==
            ProduceStatus.BACK_PRESSURED)
        {
            if (System.nanoTime() > deadline)
            {
                fail("ring stayed full");
            }
            Thread.yield();
        }
        assertEquals(ProduceStatus.describe(ProduceStatus.OK), ProduceStatus.describe(code), "offer");
    }

    /** The batches of a log, oldest first, as {baseOffset, lastOffset, baseTimestamp, producerId, baseSequence}. */
    static List<long[]> batches(final PartitionLog log)
    {
        final List<long[]> out = new ArrayList<>();
        final LogSlice slice = new LogSlice();
        final RecordBatch batch = new RecordBatch();
        long next = log.logStartOffset();
        while (next < log.logEndOffset())
        {
            assertEquals(JournalStatus.OK, log.slice(next, 1 << 20, Long.MAX_VALUE, slice));
            for (int position = 0; position < slice.length(); position += batch.sizeInBytes())
            {
                batch.wrap(slice.buffer(), position);
                out.add(new long[] {batch.baseOffset(), batch.lastOffset(), batch.baseTimestamp(), batch.producerId(),
                    batch.baseSequence()});
            }
            next = slice.nextOffset();
        }
        return out;
    }
}
