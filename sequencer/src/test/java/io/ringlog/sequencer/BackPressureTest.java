package io.ringlog.sequencer;

import io.ringlog.journal.PartitionLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A full ring answers BACK_PRESSURED at once, takes nothing, never grows, and loses nothing it took. */
@Timeout(30)
class BackPressureTest
{
    @TempDir
    Path dir;

    @Test
    void fullRingPushesBackAndLosesNothing() throws Exception
    {
        final SequencerConfig config = SequencerConfig.builder().ringSize(8).build();
        final PartitionSequencer partition = new PartitionSequencer(
            PartitionLog.open(dir, "bp", 0, Harness.logConfig().build()), 0, 1, config);
        final Answers answers = new Answers(16);
        final UnsafeBuffer[] batches = new UnsafeBuffer[9];
        for (int c = 0; c < 9; c++)
        {
            batches[c] = Batches.plain(2, 16, 1_000 + c);
        }

        // No shard drains it yet: eight fit, the ninth is pushed back and not taken.
        for (int c = 0; c < 8; c++)
        {
            assertEquals(ProduceStatus.OK, partition.offer(batches[c], 0, batches[c].capacity(), 1, 1_000, c, 0, answers));
        }
        assertEquals(ProduceStatus.BACK_PRESSURED, partition.offer(batches[8], 0, batches[8].capacity(), 1, 1_000, 8, 0, answers));
        assertEquals(1, partition.backPressuredCount());

        final Harness harness = new Harness("bp", config);
        harness.shard.addPartition(partition).join();
        for (int c = 0; c < 8; c++)
        {
            answers.expect(c, ProduceStatus.OK);
            assertEquals(2L * c, answers.baseOffset(c), "in ring order");
        }
        assertFalse(answers.answered(8), "a pushed-back offer is never answered");
        Harness.offer(partition, batches[8], 1, 1_000, 8, answers);
        answers.expect(8, ProduceStatus.OK);
        assertEquals(18, partition.logEndOffset());
        assertEquals(9, Harness.batches(partition.log()).size());
        harness.closeExpectingNoErrors();
    }

    @Test
    void badAcksAreRefusedAtTheOffer() throws Exception
    {
        final PartitionSequencer partition = new PartitionSequencer(
            PartitionLog.open(dir, "acks", 0, Harness.logConfig().build()), 0, 1, SequencerConfig.defaults());
        final UnsafeBuffer batch = Batches.plain(1, 16, 1_000);
        assertEquals(ProduceStatus.INVALID_REQUIRED_ACKS, partition.offer(batch, 0, batch.capacity(), 2, 1_000, 0, 0, new Answers(1)));
        partition.log().close();
    }
}
