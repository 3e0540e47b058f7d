package io.ringlog.sequencer;

import io.ringlog.journal.JournalStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad bytes get the journal's code, passed through unchanged, even when the producer check would have answered
 * first; the requests around them are unaffected; a completion that throws is reported and answered only once.
 */
@Timeout(30)
class BadBatchTest
{
    @TempDir
    Path dir;

    @Test
    void corruptBatchGetsTheJournalsCodeAndOthersGoOn() throws Exception
    {
        final Harness harness = new Harness("bad", SequencerConfig.defaults());
        final PartitionSequencer partition = harness.add(dir, "bad", Harness.logConfig().build(), SequencerConfig.defaults());
        final Answers answers = new Answers(16);
        final UnsafeBuffer good = Batches.plain(2, 16, 1_000);
        final UnsafeBuffer idempotent = Batches.idempotent(31, 0, 0, 2);

        Harness.offer(partition, good, 1, 30_000, 0, answers);
        Harness.offer(partition, Batches.corrupt(Batches.plain(3, 16, 2_000)), 1, 30_000, 1, answers);
        Harness.offer(partition, idempotent, -1, 30_000, 2, answers);
        Harness.offer(partition, Batches.corrupt(idempotent), 1, 30_000, 3, answers); // would be a duplicate
        Harness.offer(partition, Batches.corrupt(Batches.idempotent(32, 0, 7, 1)), 1, 30_000, 4, answers); // out of order
        Harness.offer(partition, good, 0, 30_000, 5, answers);
        assertEquals(ProduceStatus.OK, partition.offer(good, 0, good.capacity() + 1, 1, 30_000, 6, 0, answers));

        answers.expect(0, ProduceStatus.OK);
        answers.expect(1, JournalStatus.CORRUPT_MESSAGE);
        answers.expect(2, ProduceStatus.OK);
        answers.expect(3, JournalStatus.CORRUPT_MESSAGE);
        answers.expect(4, JournalStatus.CORRUPT_MESSAGE);
        answers.expect(5, ProduceStatus.OK);
        answers.expect(6, JournalStatus.CORRUPT_MESSAGE);
        assertEquals(0, answers.baseOffset(0));
        assertEquals(-1, answers.baseOffset(1));
        assertEquals(2, answers.baseOffset(2), "contiguous around the refused batch");
        assertEquals(4, answers.baseOffset(5));
        assertEquals(6, partition.logEndOffset());
        harness.closeExpectingNoErrors();
    }

    @Test
    void aThrowingCompletionIsReportedAndAnsweredOnce() throws Exception
    {
        final Harness harness = new Harness("throwing", SequencerConfig.defaults());
        final PartitionSequencer partition = harness.add(dir, "throwing", Harness.logConfig().build(), SequencerConfig.defaults());
        final Answers answers = new Answers(4);
        final ProduceCompletion throwing = (correlation, slot, status, base, time, start) ->
        {
            answers.onComplete(correlation, slot, status, base, time, start);
            throw new IllegalStateException("broken network callback");
        };
        Harness.offer(partition, Batches.plain(1, 16, 1), 1, 30_000, 0, throwing);
        Harness.offer(partition, Batches.plain(1, 16, 2), 1, 30_000, 1, answers);
        answers.expect(0, ProduceStatus.OK);
        answers.expect(1, ProduceStatus.OK);
        assertEquals(1, answers.baseOffset(1));
        Harness.await(() -> !harness.errors.isEmpty(), "the error reported");
        harness.close();
        assertEquals(1, harness.errors.size());
        assertTrue(harness.errors.get(0).getMessage().contains("broken network callback"));
    }
}
