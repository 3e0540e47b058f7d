package io.ringlog.sequencer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * acks=all: answered once the high watermark passes the batch; REQUEST_TIMED_OUT when it does not in time;
 * NOT_ENOUGH_REPLICAS (and nothing appended) below min.insync.replicas; NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
 * in-sync replicas shrink while it waits; and a full waiting list pushes back through the ring.
 */
@Timeout(60)
class AcksAllTest
{
    @TempDir
    Path dir;

    private Harness harness;

    @AfterEach
    void close()
    {
        harness.closeExpectingNoErrors();
    }

    private PartitionSequencer start(final SequencerConfig config) throws Exception
    {
        harness = new Harness("acks", config);
        return harness.add(dir, "acks", Harness.logConfig().build(), config);
    }

    @Test
    void singleReplicaAnswersAtOnce() throws Exception
    {
        final PartitionSequencer partition = start(SequencerConfig.defaults());
        final Answers answers = new Answers(1);
        Harness.offer(partition, Batches.plain(3, 16, 1_000), -1, 30_000, 0, answers);
        answers.expect(0, ProduceStatus.OK);
        assertEquals(3, partition.highWatermark());
    }

    @Test
    void waitsForTheHighWatermarkThenTimesOut() throws Exception
    {
        final PartitionSequencer partition = start(SequencerConfig.defaults());
        partition.setInSyncReplicas(2).join(); // replication now drives the high watermark: it stays put
        final Answers answers = new Answers(4);
        Harness.offer(partition, Batches.plain(2, 16, 1_000), -1, 30_000, 0, answers); // offsets 0-1
        Harness.offer(partition, Batches.plain(3, 16, 2_000), -1, 30_000, 1, answers); // offsets 2-4
        Harness.offer(partition, Batches.plain(1, 16, 3_000), 1, 30_000, 2, answers);  // offset 5, acks=1
        answers.expect(2, ProduceStatus.OK);
        assertEquals(5, answers.baseOffset(2));
        assertEquals(0, partition.highWatermark());
        assertFalse(answers.answered(0) || answers.answered(1));

        assertEquals(2L, partition.proposeHighWatermark(2).join());
        answers.expect(0, ProduceStatus.OK);
        assertEquals(0, answers.baseOffset(0));
        assertFalse(answers.answered(1), "offset 4 is not below the high watermark yet");
        assertEquals(1, (int)partition.onShardThread(PartitionSequencer::pendingAcks).join());

        assertEquals(6L, partition.proposeHighWatermark(100).join(), "never above the log end offset");
        answers.expect(1, ProduceStatus.OK);
        assertEquals(2, answers.baseOffset(1));

        final long started = System.nanoTime();
        Harness.offer(partition, Batches.plain(1, 16, 4_000), -1, 150, 3, answers);
        answers.expect(3, ProduceStatus.REQUEST_TIMED_OUT);
        final long waitedMs = (System.nanoTime() - started) / 1_000_000;
        // Deadlines count from the shard's millisecond clock at the start of the duty cycle that took the request.
        assertTrue(waitedMs >= 145 && waitedMs < 5_000, "timed out after its 150 ms: " + waitedMs);
        assertEquals(-1, answers.baseOffset(3));
        assertEquals(7, partition.logEndOffset(), "the records stay in the leader's log");
        assertEquals(6, partition.highWatermark());
        assertEquals(0, (int)partition.onShardThread(PartitionSequencer::pendingAcks).join());
    }

    @Test
    void notEnoughReplicasAppendsNothing() throws Exception
    {
        final PartitionSequencer partition = start(SequencerConfig.defaults());
        partition.setMinInsyncReplicas(2).join(); // a topic config change at run time; one replica in sync
        final Answers answers = new Answers(2);
        Harness.offer(partition, Batches.plain(2, 16, 1_000), -1, 30_000, 0, answers);
        answers.expect(0, ProduceStatus.NOT_ENOUGH_REPLICAS);
        assertEquals(0, partition.logEndOffset());
        Harness.offer(partition, Batches.plain(2, 16, 1_000), 1, 30_000, 1, answers);
        answers.expect(1, ProduceStatus.OK);
        assertEquals(2, partition.logEndOffset());
    }

    @Test
    void shrinkingBelowMinInsyncWhileWaiting() throws Exception
    {
        final PartitionSequencer partition = start(SequencerConfig.defaults());
        partition.setInSyncReplicas(2).join();
        partition.setMinInsyncReplicas(2).join();
        final Answers answers = new Answers(1);
        Harness.offer(partition, Batches.plain(2, 16, 1_000), -1, 30_000, 0, answers);
        Harness.await(() -> partition.logEndOffset() == 2, "append");
        assertFalse(answers.answered(0));
        partition.setInSyncReplicas(1).join(); // the follower dropped out: the HW follows the log again
        answers.expect(0, ProduceStatus.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertEquals(2, partition.highWatermark());
    }

    @Test
    void fullWaitingListPushesBackThroughTheRing() throws Exception
    {
        final PartitionSequencer partition = start(SequencerConfig.builder().ringSize(8).maxPendingAcks(4).build());
        partition.setInSyncReplicas(2).join();
        final int total = 12;
        final Answers answers = new Answers(total);
        final UnsafeBuffer batch = Batches.plain(1, 16, 1_000);
        for (int c = 0; c < 8; c++)
        {
            Harness.offer(partition, batch, -1, 30_000, c, answers);
        }
        Harness.await(() -> partition.logEndOffset() == 4, "four appended and waiting");
        assertEquals(4, (int)partition.onShardThread(PartitionSequencer::pendingAcks).join());
        int accepted = 8;
        while (partition.offer(batch, 0, batch.capacity(), -1, 30_000, accepted, 0, answers) == ProduceStatus.OK)
        {
            accepted++;
        }
        assertEquals(total, accepted, "the ring took four more, then pushed back");
        assertEquals(4, partition.logEndOffset(), "the ring is not drained while the waiting list is full");

        Harness.await(() ->
        {
            partition.proposeHighWatermark(partition.logEndOffset()).join();
            return answers.total() == total;
        }, "all answered as the high watermark moves");
        for (int c = 0; c < total; c++)
        {
            assertEquals(1, answers.calls(c));
            assertEquals(ProduceStatus.OK, answers.status(c));
            assertEquals(c, answers.baseOffset(c));
        }
    }
}
