package io.ringlog.sequencer;

import io.ringlog.journal.AppendResult;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.PartitionLog;
import io.ringlog.journal.batch.Crc32cChecksum;
import io.ringlog.sequencer.producer.ProducerEntry;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer state survives a restart: a new sequencer over the reopened log rebuilds it from the batch headers
 * and still recognises a retried batch; and what the rebuild costs.
 */
@Timeout(60)
class RestartTest
{
    @TempDir
    Path dir;

    @Test
    void rebuiltStateStillDetectsDuplicates() throws Exception
    {
        final LogConfig logConfig = Harness.logConfig().segmentBytes(4096).build(); // several segments
        final SequencerConfig config = SequencerConfig.defaults();
        final UnsafeBuffer[] sent = new UnsafeBuffer[40];
        final Answers answers = new Answers(64);
        final Harness first = new Harness("before", config);
        final PartitionSequencer before = first.add(dir, "restart", logConfig, config);
        for (int b = 0; b < sent.length; b++)
        {
            sent[b] = Batches.idempotent(21, 2, 3 * b, 3);
            Harness.offer(before, sent[b], 1, 30_000, b, answers);
            Harness.offer(before, Batches.plain(1, 16, b), 1, 30_000, 0, (c, s, st, o, t, l) -> { });
        }
        answers.expect(sent.length - 1, ProduceStatus.OK);
        final long originalBase = answers.baseOffset(sent.length - 1);
        first.closeExpectingNoErrors(); // closes the logs on the shard thread
        assertTrue(before.log().isClosed());

        final PartitionLog reopened = PartitionLog.open(dir, "restart", 0, logConfig);
        assertTrue(reopened.segmentBaseOffsets().length > 1);
        final PartitionSequencer after = new PartitionSequencer(reopened, 3, 1, config);
        assertEquals(2L * sent.length, after.rebuiltBatches());
        final Harness second = new Harness("after", config);
        second.shard.addPartition(after).join();

        final ProducerEntry entry = after.onShardThread(p -> p.producerState().entry(21)).join();
        assertEquals(2, entry.epoch());
        assertEquals(3 * sent.length - 1, entry.lastSeq());
        assertEquals(ProducerEntry.RETAINED_BATCHES, entry.batchCount());

        final long end = after.logEndOffset();
        Harness.offer(after, sent[sent.length - 1], 1, 30_000, 50, answers);
        answers.expect(50, ProduceStatus.DUPLICATE);
        assertEquals(originalBase, answers.baseOffset(50));
        Harness.offer(after, sent[sent.length - 5], -1, 30_000, 51, answers);
        answers.expect(51, ProduceStatus.DUPLICATE);
        Harness.offer(after, sent[sent.length - 6], 1, 30_000, 52, answers);
        answers.expect(52, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertEquals(end, after.logEndOffset());
        Harness.offer(after, Batches.idempotent(21, 2, 3 * sent.length, 1), 1, 30_000, 53, answers);
        answers.expect(53, ProduceStatus.OK);
        assertEquals(end, answers.baseOffset(53));
        assertEquals(3, after.log().latestEpoch(), "appended with the new leader epoch");
        second.closeExpectingNoErrors();
    }

    @Test
    void rebuildCost() throws Exception
    {
        final int batches = 100_000;
        final LogConfig logConfig = Harness.logConfig().segmentBytes(8 * 1024 * 1024).build();
        final UnsafeBuffer batch = Batches.idempotent(5, 0, 0, 1);
        final Crc32cChecksum crc = new Crc32cChecksum();
        final AppendResult result = new AppendResult();
        try (PartitionLog log = PartitionLog.open(dir, "cost", 0, logConfig))
        {
            for (int b = 0; b < batches; b++)
            {
                Batches.resequence(batch, b, crc);
                assertEquals(JournalStatus.OK, log.appendAsLeader(batch, 0, batch.capacity(), 0, result));
            }
        }
        long bestNs = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++)
        {
            try (PartitionLog log = PartitionLog.open(dir, "cost", 0, logConfig))
            {
                final long start = System.nanoTime();
                final PartitionSequencer sequencer = new PartitionSequencer(log, 0, 1, SequencerConfig.defaults());
                bestNs = Math.min(bestNs, System.nanoTime() - start);
                assertEquals(batches, sequencer.rebuiltBatches());
            }
        }
        System.out.printf("producer state rebuilt from %,d batches (%,d bytes, page cache warm) in %.1f ms: %.0f ns a batch%n",
            batches, (long)batches * batch.capacity(), bestNs / 1e6, (double)bestNs / batches);
    }
}
