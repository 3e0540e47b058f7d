package io.ringlog.sequencer;

import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.PartitionLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partitions join and leave a running shard while producers offer; control operations run on the shard thread;
 * retention runs there on its own.
 */
@Timeout(60)
class ShardLifecycleTest
{
    @TempDir
    Path dir;

    @Test
    void partitionsJoinAndLeaveWhileProducing() throws Exception
    {
        final SequencerConfig config = SequencerConfig.builder().ringSize(64).build();
        final Harness harness = new Harness("lifecycle", config);
        final PartitionSequencer a = harness.add(dir, "a", Harness.logConfig().build(), config);
        final PartitionSequencer b = new PartitionSequencer(PartitionLog.open(dir, "b", 0, Harness.logConfig().build()), 0, 1, config);
        final int max = 1_000_000;
        final Answers answers = new Answers(max);
        final AtomicIntegerArray offeredToA = new AtomicIntegerArray(max); // 1: taken by a
        final AtomicInteger next = new AtomicInteger();
        final AtomicBoolean bJoined = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        final UnsafeBuffer batch = Batches.plain(1, 16, 1_000);
        final Thread producer = new Thread(() ->
        {
            boolean aOpen = true;
            while (!stop.get() && next.get() < max)
            {
                final int c = next.get();
                final boolean toA = aOpen && (!bJoined.get() || c % 2 == 0);
                final int code = (toA ? a : b).offer(batch, 0, batch.capacity(), 1, 30_000, c, 0, answers);
                if (code == ProduceStatus.OK)
                {
                    offeredToA.set(c, toA ? 1 : 0);
                    next.incrementAndGet();
                }
                else if (code == ProduceStatus.NOT_LEADER_OR_FOLLOWER)
                {
                    aOpen = false; // a has left: b only from now on
                }
                else
                {
                    Thread.yield();
                }
            }
        }, "producer");
        producer.start();
        Harness.await(() -> a.logEndOffset() > 2_000, "producing into a");
        harness.shard.addPartition(b).join();
        bJoined.set(true);
        assertEquals(2, harness.shard.partitionCount());
        Harness.await(() -> b.logEndOffset() > 1_000, "b drained once it joined");
        harness.shard.removePartition(a).join();
        assertTrue(a.log().isClosed(), "removal closes the log");
        assertEquals(1, harness.shard.partitionCount());
        assertEquals(ProduceStatus.NOT_LEADER_OR_FOLLOWER, a.offer(batch, 0, batch.capacity(), 1, 0, 0, 0, answers));
        final long bAtRemoval = b.logEndOffset();
        Harness.await(() -> b.logEndOffset() > bAtRemoval + 1_000, "b goes on");
        stop.set(true);
        producer.join();

        final int accepted = next.get();
        Harness.await(() -> answers.total() == accepted, "every accepted offer answered");
        int okForA = 0;
        int notLeaderForA = 0;
        for (int c = 0; c < accepted; c++)
        {
            assertEquals(1, answers.calls(c), "answered exactly once: " + c);
            if (offeredToA.get(c) == 1)
            {
                okForA += answers.status(c) == ProduceStatus.OK ? 1 : 0;
                notLeaderForA += answers.status(c) == ProduceStatus.NOT_LEADER_OR_FOLLOWER ? 1 : 0;
            }
            else
            {
                assertEquals(ProduceStatus.OK, answers.status(c));
            }
        }
        try (PartitionLog reopened = PartitionLog.open(dir, "a", 0, Harness.logConfig().build()))
        {
            assertEquals(okForA, reopened.logEndOffset(), "what a answered OK is exactly what its log holds");
        }
        assertEquals(accepted - okForA - notLeaderForA, b.logEndOffset());
        System.out.printf("a: %d appended, %d answered NOT_LEADER_OR_FOLLOWER on removal; b: %d appended%n",
            okForA, notLeaderForA, b.logEndOffset());
        harness.closeExpectingNoErrors();
        assertTrue(b.log().isClosed(), "closing the shard closes its partitions");
    }

    @Test
    void waitingRequestsAreAnsweredWhenThePartitionLeaves() throws Exception
    {
        final Harness harness = new Harness("leave", SequencerConfig.defaults());
        final PartitionSequencer partition = harness.add(dir, "leave", Harness.logConfig().build(), SequencerConfig.defaults());
        partition.setInSyncReplicas(3).join();
        final Answers answers = new Answers(2);
        Harness.offer(partition, Batches.plain(1, 16, 1), -1, 30_000, 0, answers);
        Harness.await(() -> partition.logEndOffset() == 1, "appended and waiting");
        harness.shard.removePartition(partition).join();
        answers.expect(0, ProduceStatus.NOT_LEADER_OR_FOLLOWER);
        final CompletionException refused = assertThrows(CompletionException.class, () -> partition.setLeaderEpoch(1).join());
        assertInstanceOf(IllegalStateException.class, refused.getCause());
        harness.closeExpectingNoErrors();
        final CompletionException closed = assertThrows(CompletionException.class,
            () -> harness.shard.addPartition(partition).join());
        assertInstanceOf(RejectedExecutionException.class, closed.getCause());
    }

    @Test
    void controlOperationsRunOnTheShard() throws Exception
    {
        final LogConfig logConfig = Harness.logConfig().segmentBytes(1024).fileDeleteDelayMs(0).build();
        final Harness harness = new Harness("control", SequencerConfig.defaults());
        final PartitionSequencer partition = harness.add(dir, "control", logConfig, SequencerConfig.defaults());
        final Answers answers = new Answers(32);
        for (int b = 0; b < 10; b++)
        {
            Harness.offer(partition, Batches.idempotent(41, 0, 2 * b, 2), 1, 30_000, b, answers);
        }
        answers.expect(9, ProduceStatus.OK);
        assertEquals(20, partition.highWatermark());

        assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, (int)partition.deleteRecordsBefore(21).join());
        assertEquals(JournalStatus.OK, (int)partition.deleteRecordsBefore(6).join());
        assertEquals(6, partition.logStartOffset());

        partition.setLeaderEpoch(7).join();
        partition.setInSyncReplicas(2).join();
        Harness.offer(partition, Batches.idempotent(41, 0, 20, 2), -1, 30_000, 10, answers); // offsets 20-21, waits
        Harness.await(() -> partition.logEndOffset() == 22, "appended");
        assertEquals(7, partition.log().latestEpoch());

        assertEquals(JournalStatus.OK, (int)partition.truncateTo(16).join());
        answers.expect(10, ProduceStatus.NOT_LEADER_OR_FOLLOWER);
        assertEquals(16, partition.logEndOffset());
        assertEquals(16, partition.highWatermark(), "lowered to the new log end");
        // The producer state was rebuilt from the log: sequences 16-19 are gone, so their retry is new data.
        partition.setInSyncReplicas(1).join();
        Harness.offer(partition, Batches.idempotent(41, 0, 16, 2), 1, 30_000, 11, answers);
        answers.expect(11, ProduceStatus.OK);
        assertEquals(16, answers.baseOffset(11));
        Harness.offer(partition, Batches.idempotent(41, 0, 14, 2), 1, 30_000, 12, answers);
        answers.expect(12, ProduceStatus.DUPLICATE);
        assertEquals(14, answers.baseOffset(12));
        assertEquals(6, answers.logStartOffset(12), "answers carry the log start offset");
        harness.closeExpectingNoErrors();
    }

    @Test
    void retentionRunsOnTheShard() throws Exception
    {
        final UnsafeBuffer batch = Batches.plain(4, 100, 1_000);
        final LogConfig logConfig = Harness.logConfig()
            .segmentBytes(batch.capacity() * 2).retentionBytes(batch.capacity() * 4L).retentionMs(-1).fileDeleteDelayMs(0).build();
        final SequencerConfig config = SequencerConfig.builder().housekeepingIntervalMs(20).build();
        final Harness harness = new Harness("retention", config);
        final PartitionSequencer partition = harness.add(dir, "retention", logConfig, config);
        final Answers answers = new Answers(16);
        for (int b = 0; b < 10; b++)
        {
            Harness.offer(partition, batch, 1, 30_000, b, answers);
        }
        answers.expect(9, ProduceStatus.OK);
        Harness.await(() -> partition.logStartOffset() > 0, "retention to delete old segments");
        Harness.await(() -> partition.log().segmentBaseOffsets().length <= 3, "at most retention.bytes kept, and the active segment");
        assertEquals(40, partition.logEndOffset());
        harness.closeExpectingNoErrors();
    }

    @Test
    void controlNeedsAShard() throws Exception
    {
        final PartitionSequencer partition = new PartitionSequencer(
            PartitionLog.open(dir, "detached", 0, Harness.logConfig().build()), 0, 1, SequencerConfig.defaults());
        final CompletionException failed = assertThrows(CompletionException.class, () -> partition.truncateTo(0).join());
        assertInstanceOf(IllegalStateException.class, failed.getCause());
        assertThrows(IllegalArgumentException.class, () -> partition.setMinInsyncReplicas(0));
        partition.log().close();
    }
}
