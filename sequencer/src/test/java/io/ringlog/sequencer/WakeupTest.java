package io.ringlog.sequencer;

import io.ringlog.journal.PartitionLog;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idle shard parks, and the thread that hands it work wakes it: with a park limit of a minute, every offer and
 * every command below is answered within the test's bound only if it woke the parked shard.
 */
@Timeout(30)
class WakeupTest
{
    private static final long PARK_LIMIT_NS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path dir;

    @Test
    void offersAndCommandsWakeAParkedShard() throws Exception
    {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final ShardIdleStrategy idle = new ShardIdleStrategy(0, PARK_LIMIT_NS);
        final SequencerShard shard = new SequencerShard("wake", SequencerConfig.defaults(), SystemEpochClock.INSTANCE,
            errors::add);
        shard.wakeWith(idle);
        idle.hasWork(shard::hasPendingWork);
        final AgentRunner runner = new AgentRunner(idle, errors::add, null, shard);
        try
        {
            AgentRunner.startOnThread(runner);
            final PartitionSequencer partition = new PartitionSequencer(
                PartitionLog.open(dir, "wake", 0, Harness.logConfig().build()), 0, 1, SequencerConfig.defaults());
            shard.addPartition(partition).get(20, TimeUnit.SECONDS); // a command wakes it

            final Answers answers = new Answers(20);
            final UnsafeBuffer batch = Batches.plain(3, 16, 1_000);
            for (int i = 0; i < 20; i++)
            {
                awaitParked(runner);
                Harness.offer(partition, batch, 1, 1_000, i, answers);
                answers.expect(i, ProduceStatus.OK);
                assertEquals(3L * i, answers.baseOffset(i));
            }
            awaitParked(runner);
            assertEquals(io.ringlog.journal.JournalStatus.OK, (int)partition.deleteRecordsBefore(30).get(20, TimeUnit.SECONDS));
        }
        finally
        {
            runner.close(100, thread -> idle.wake()); // wake it to see it must stop, instead of interrupting it
        }
        assertTrue(errors.isEmpty(), errors.toString());
    }

    /** Wait until the shard's thread is parked in the idle strategy, so the next hand-off must wake it. */
    private static void awaitParked(final AgentRunner runner)
    {
        final Thread thread = runner.thread();
        Harness.await(() -> thread != null && thread.getState() == Thread.State.TIMED_WAITING, "the shard to park");
    }
}
