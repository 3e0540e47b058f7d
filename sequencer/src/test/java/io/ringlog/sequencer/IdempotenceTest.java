package io.ringlog.sequencer;

import io.ringlog.sequencer.producer.ProducerEntry;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The idempotent producer through a running shard: duplicates of each of the last five batches answered with the
 * original offsets and not appended again; gaps, fenced epochs and epoch bumps as Kafka answers them.
 */
@Timeout(60)
class IdempotenceTest
{
    @TempDir
    Path dir;

    private Harness harness;
    private PartitionSequencer partition;
    private Answers answers;
    private int next;

    @BeforeEach
    void start() throws Exception
    {
        harness = new Harness("idem", SequencerConfig.defaults());
        partition = harness.add(dir, "idem", Harness.logConfig().build(), SequencerConfig.defaults());
        answers = new Answers(256);
    }

    @AfterEach
    void close()
    {
        harness.closeExpectingNoErrors();
    }

    /** Offer, wait for the answer, check its status; returns the base offset answered. */
    private long produce(final UnsafeBuffer batch, final int acks, final int expected)
    {
        final int correlation = next++;
        Harness.offer(partition, batch, acks, 30_000, correlation, answers);
        answers.expect(correlation, expected);
        return answers.baseOffset(correlation);
    }

    @Test
    void duplicateOfEachOfTheLastFiveGetsTheOriginalOffset()
    {
        final UnsafeBuffer[] sent = new UnsafeBuffer[7];
        for (int b = 0; b < sent.length; b++)
        {
            sent[b] = Batches.idempotent(7, 0, 2 * b, 2); // sequences 0-1, 2-3, ... 12-13
            assertEquals(2L * b, produce(sent[b], 1, ProduceStatus.OK));
        }
        for (int b = 2; b < sent.length; b++)
        {
            assertEquals(2L * b, produce(sent[b], b % 2 == 0 ? 1 : -1, ProduceStatus.DUPLICATE), "original offset of batch " + b);
        }
        assertEquals(14, partition.logEndOffset(), "nothing appended twice");
        assertEquals(7, Harness.batches(partition.log()).size());

        // Batches older than the last five are forgotten: a retry of one is out of order, as in Kafka.
        produce(sent[1], 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER);
        produce(sent[0], 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertEquals(16L, produce(Batches.idempotent(7, 0, 14, 1), 1, ProduceStatus.OK) + 2, "then goes on in sequence");
    }

    @Test
    void gapsAreOutOfOrderAndAppendNothing()
    {
        produce(Batches.idempotent(8, 0, 0, 3), 1, ProduceStatus.OK);
        produce(Batches.idempotent(8, 0, 4, 1), 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER);
        produce(Batches.idempotent(8, 0, 1, 2), 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER); // overlaps, not equal
        assertEquals(3, partition.logEndOffset());
        assertEquals(3L, produce(Batches.idempotent(8, 0, 3, 1), 1, ProduceStatus.OK));
        assertEquals(4L, produce(Batches.plain(1, 16, 5), 1, ProduceStatus.OK), "plain batches are not checked");
    }

    @Test
    void anUnknownProducerStartsAtAnySequenceAsInKafka()
    {
        assertEquals(0L, produce(Batches.idempotent(9, 0, 5, 1), 1, ProduceStatus.OK));
        produce(Batches.idempotent(9, 0, 7, 1), 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER); // now known: 6 next
        assertEquals(1L, produce(Batches.idempotent(9, 0, 6, 1), 1, ProduceStatus.OK));
    }

    @Test
    void epochsFenceZombiesAndABumpRestartsTheSequence()
    {
        final UnsafeBuffer epoch0 = Batches.idempotent(10, 0, 0, 2);
        produce(epoch0, 1, ProduceStatus.OK);
        produce(Batches.idempotent(10, 1, 2, 1), 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER); // new epoch, not 0
        assertEquals(2L, produce(Batches.idempotent(10, 1, 0, 1), 1, ProduceStatus.OK));         // bump
        produce(Batches.idempotent(10, 0, 2, 1), 1, ProduceStatus.INVALID_PRODUCER_EPOCH);       // zombie
        produce(epoch0, 1, ProduceStatus.INVALID_PRODUCER_EPOCH); // an old-epoch retry is not a duplicate any more
        assertEquals(3L, produce(Batches.idempotent(10, 1, 1, 1), 1, ProduceStatus.OK));
        final ProducerEntry entry = partition.onShardThread(p -> p.producerState().entry(10)).join();
        assertEquals(1, entry.epoch());
        assertEquals(1, entry.lastSeq());
        assertEquals(2, entry.batchCount(), "the bump forgot the old epoch's batches");
    }

    @Test
    void severalBatchesInOneRequest()
    {
        final UnsafeBuffer first = Batches.idempotent(11, 0, 0, 2);
        final UnsafeBuffer second = Batches.idempotent(11, 0, 2, 2);
        final UnsafeBuffer other = Batches.idempotent(12, 0, 0, 1);
        assertEquals(0L, produce(Batches.concat(first, second, Batches.plain(1, 16, 1), other), 1, ProduceStatus.OK));
        assertEquals(6, partition.logEndOffset());
        assertEquals(0L, produce(Batches.concat(first, second), 1, ProduceStatus.DUPLICATE));
        assertEquals(5L, produce(other, -1, ProduceStatus.DUPLICATE));
        produce(Batches.concat(second, Batches.idempotent(11, 0, 4, 1)), 1, ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER);
        produce(Batches.concat(Batches.idempotent(11, 0, 4, 1), Batches.idempotent(11, 0, 4, 1)), 1,
            ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER); // the second must follow the first
        produce(Batches.concat(Batches.idempotent(11, 0, 4, 1), Batches.idempotent(11, 0, 6, 1)), 1,
            ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertEquals(6, partition.logEndOffset(), "all or nothing");
        assertEquals(6L, produce(Batches.concat(Batches.idempotent(11, 0, 4, 1), Batches.idempotent(11, 0, 5, 2)), 1,
            ProduceStatus.OK));
        assertEquals(7L, produce(Batches.idempotent(11, 0, 5, 2), 1, ProduceStatus.DUPLICATE), "each batch remembered");
    }
}
