package io.ringlog.sequencer;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.sequencer.producer.ProducerStateTable;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The producer table's rules at their edges: sequence wrap-around, expiry, the cap. */
@Timeout(30)
class ProducerStateTableTest
{
    private static final int MAX = Integer.MAX_VALUE;

    @Test
    void sequencesWrapAfterIntegerMax()
    {
        assertEquals(MAX, ProducerStateTable.lastSequence(MAX - 2, 2));
        assertEquals(0, ProducerStateTable.lastSequence(MAX - 2, 3));
        assertEquals(1, ProducerStateTable.lastSequence(MAX - 1, 3));
        assertTrue(ProducerStateTable.inSequence(MAX, 0));
        assertTrue(ProducerStateTable.inSequence(4, 5));
        assertFalse(ProducerStateTable.inSequence(MAX, MAX + 1)); // overflow is not "one more"
        assertFalse(ProducerStateTable.inSequence(4, 4));

        final ProducerStateTable table = new ProducerStateTable(100, 1_000);
        table.replay(new RecordBatch().wrap(Batches.idempotent(1, 0, MAX - 3, 1), 0), 0); // ends at MAX - 3
        final UnsafeBuffer spanning = Batches.idempotent(1, 0, MAX - 2, 4); // MAX-2, MAX-1, MAX, 0
        assertEquals(ProduceStatus.OK, table.check(spanning, 0, spanning.capacity()));
        table.onAppended(spanning, 0, spanning.capacity(), 10, 0);
        assertEquals(0, table.entry(1).lastSeq());
        assertEquals(13, table.entry(1).lastOffset());
        assertEquals(ProduceStatus.DUPLICATE, table.check(spanning, 0, spanning.capacity()));
        assertEquals(10, table.duplicateFirstOffset());
        final UnsafeBuffer after = Batches.idempotent(1, 0, 1, 1);
        assertEquals(ProduceStatus.OK, table.check(after, 0, after.capacity()));
        final UnsafeBuffer replayed = Batches.idempotent(1, 0, 0, 1);
        assertEquals(ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER, table.check(replayed, 0, replayed.capacity()));
    }

    @Test
    void producersExpireByTheBrokerClockAndTheCapEvictsTheLeastRecent()
    {
        final ProducerStateTable table = new ProducerStateTable(2, 1_000);
        final UnsafeBuffer a = Batches.idempotent(1, 0, 0, 1);
        final UnsafeBuffer b = Batches.idempotent(2, 0, 0, 1);
        final UnsafeBuffer c = Batches.idempotent(3, 0, 0, 1);
        table.onAppended(a, 0, a.capacity(), 0, 100);
        table.onAppended(b, 0, b.capacity(), 1, 500);
        table.onAppended(c, 0, c.capacity(), 2, 600);
        assertEquals(2, table.size());
        assertNull(table.entry(1), "at the cap the least recently seen goes");
        assertEquals(0, table.expire(1_499));
        assertEquals(1, table.expire(1_500));
        assertNull(table.entry(2));
        assertNotNull(table.entry(3));
    }

    /** What DescribeProducers reads, on the shard: every producer, its epoch, last sequence and last timestamp. */
    @Test
    void forEachVisitsEveryProducerWithItsLastBatch()
    {
        final ProducerStateTable table = table();
        final UnsafeBuffer a = Batches.idempotent(7, 2, 0, 3); // timestamps 1000..1002
        final UnsafeBuffer b = Batches.idempotent(8, 0, 0, 1);
        table.onAppended(a, 0, a.capacity(), 0, 50);
        table.onAppended(b, 0, b.capacity(), 3, 60);
        final java.util.Map<Long, String> seen = new java.util.TreeMap<>();
        table.forEach(e -> seen.put(e.producerId(), e.epoch() + "/" + e.lastSeq() + "/" + e.lastTimestamp()));
        assertEquals(java.util.Map.of(7L, "2/2/1002", 8L, "0/0/1000"), seen);
    }

    @Test
    void brokenFramingIsLeftToTheJournal()
    {
        final ProducerStateTable table = table();
        final UnsafeBuffer first = Batches.idempotent(1, 0, 0, 5);
        assertEquals(ProduceStatus.OK, table.check(first, 0, first.capacity()));
        table.onAppended(first, 0, first.capacity(), 0, 1_000);
        final UnsafeBuffer batch = Batches.idempotent(1, 0, 9, 1); // a gap after sequence 4: out of order...
        assertEquals(ProduceStatus.OUT_OF_ORDER_SEQUENCE_NUMBER, table.check(batch, 0, batch.capacity()));
        // ...but cut short, the journal decides (CORRUPT_MESSAGE), not the producer check.
        assertEquals(ProduceStatus.OK, table.check(batch, 0, batch.capacity() - 1));
        assertEquals(ProduceStatus.OK, table.check(batch, 0, 30));
    }

    private static ProducerStateTable table()
    {
        return new ProducerStateTable(10, 1_000);
    }
}
