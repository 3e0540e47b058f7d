package io.ringlog.client.producer;

import io.ringlog.client.Allocation;
import io.ringlog.client.PartitionMetadata;
import io.ringlog.client.TopicMetadata;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer's accumulator: records go into their partition's batch, batches are sealed when full or lingered,
 * carry consecutive idempotent sequences, every bound answers BACK_PRESSURED, and the append path allocates
 * nothing per record once warmed up.
 */
@Timeout(60)
class RecordAccumulatorTest
{
    private static final int BATCH_SIZE = 1024;

    private static ProducerTopic topic(final int partitions, final int ringCapacity)
    {
        final PartitionMetadata[] p = new PartitionMetadata[partitions];
        for (int i = 0; i < partitions; i++)
        {
            p[i] = new PartitionMetadata(i, 1, 0, -1, -1, "");
        }
        return new ProducerTopic(new TopicMetadata("t", 1L, 2L, p), ringCapacity);
    }

    private static int append(
        final RecordAccumulator acc, final PartitionQueue q, final String value, final long token, final long now)
    {
        final UnsafeBuffer v = new UnsafeBuffer(value.getBytes(StandardCharsets.UTF_8));
        return acc.append(q, now, null, 0, -1, v, 0, v.capacity(), null, token, now);
    }

    @Test
    void sealsWhenFullWithConsecutiveSequences()
    {
        final RecordAccumulator acc = new RecordAccumulator(BATCH_SIZE, 64 * BATCH_SIZE, 5, 1000, true);
        acc.producerId(42L, (short)3);
        final ProducerTopic topic = topic(2, acc.ringCapacity());
        final PartitionQueue q = topic.queues[1];
        int records = 0;
        while (q.size() < 3)
        {
            assertEquals(SendResult.OK, append(acc, q, "value-" + records, records, 0));
            records++;
        }
        int sequence = 0;
        int tokenIndex = 0;
        for (int i = 0; i < 3; i++)
        {
            final BatchBuffer b = q.get(i);
            assertEquals(BatchBuffer.SEALED, b.state);
            assertEquals(sequence, b.baseSequence);
            final MutableRecordBatch batch = RecordBatchBuilderTest.kafkaBatch(b.buffer, BatchBuffer.BATCH_OFFSET, b.size);
            batch.ensureValid();
            assertEquals(42L, batch.producerId());
            assertEquals(3, batch.producerEpoch());
            assertEquals(sequence, batch.baseSequence());
            final Iterator<Record> it = batch.iterator();
            for (int r = 0; r < b.recordCount(); r++)
            {
                assertEquals(tokenIndex, b.tokens[r]);
                assertEquals("value-" + tokenIndex, StandardCharsets.UTF_8.decode(it.next().value()).toString());
                tokenIndex++;
            }
            sequence += b.recordCount();
        }
        assertEquals(sequence, q.nextSequence);
        assertTrue(q.open.recordCount() > 0);
        assertEquals(records, tokenIndex + q.open.recordCount());
        assertTrue(topic.queues[0].isIdle());
    }

    @Test
    void lingerSealsAPartialBatchAndFlushSealsAll()
    {
        final RecordAccumulator acc = new RecordAccumulator(BATCH_SIZE, 64 * BATCH_SIZE, 5, 5, false);
        final ProducerTopic topic = topic(3, acc.ringCapacity());
        append(acc, topic.queues[0], "a", 0, 1000);
        append(acc, topic.queues[2], "b", 0, 1003);
        assertEquals(0, acc.sealDue(1004, false));
        assertEquals(1, acc.sealDue(1005, false));
        assertEquals(1, topic.queues[0].size());
        assertNull(topic.queues[0].open);
        assertEquals(1, acc.sealDue(1005, true));
        assertEquals(1, topic.queues[2].size());
        assertEquals(-1, topic.queues[2].get(0).baseSequence, "no producer id: no sequence");
    }

    @Test
    void everyBoundAnswersBackPressured()
    {
        // The partition's ring: 2 * max.in.flight sealed batches.
        final RecordAccumulator acc = new RecordAccumulator(BATCH_SIZE, 1000 * BATCH_SIZE, 1, 1000, false);
        final ProducerTopic topic = topic(1, acc.ringCapacity());
        final PartitionQueue q = topic.queues[0];
        int result;
        int taken = 0;
        while ((result = append(acc, q, "x".repeat(100), 0, 0)) == SendResult.OK)
        {
            taken++;
        }
        assertEquals(SendResult.BACK_PRESSURED, result);
        assertEquals(2, q.size());
        assertTrue(taken > 0);

        // Acknowledge the oldest: room again.
        q.get(0).state = BatchBuffer.DONE;
        assertEquals(1, acc.releaseDone(q));
        assertEquals(SendResult.OK, append(acc, q, "x".repeat(100), 0, 0));

        // buffer.memory: three buffers in all, across partitions.
        final RecordAccumulator small = new RecordAccumulator(BATCH_SIZE, 3 * BATCH_SIZE, 5, 1000, false);
        final ProducerTopic three = topic(4, small.ringCapacity());
        for (int p = 0; p < 3; p++)
        {
            assertEquals(SendResult.OK, append(small, three.queues[p], "v", 0, 0));
        }
        assertEquals(SendResult.BACK_PRESSURED, append(small, three.queues[3], "v", 0, 0));
        assertEquals(3, small.pool().inUse());
    }

    @Test
    void aRecordLargerThanABatchIsRefused()
    {
        final RecordAccumulator acc = new RecordAccumulator(BATCH_SIZE, 4 * BATCH_SIZE, 5, 1000, false);
        final ProducerTopic topic = topic(1, acc.ringCapacity());
        assertEquals(SendResult.RECORD_TOO_LARGE, append(acc, topic.queues[0], "x".repeat(BATCH_SIZE), 0, 0));
        assertTrue(topic.queues[0].isIdle());
        assertEquals(SendResult.OK, append(acc, topic.queues[0], "x".repeat(BATCH_SIZE - 61 - 10), 0, 0)); // 962 bytes with its framing
    }

    @Test
    void renumberRestampsPendingBatches()
    {
        final RecordAccumulator acc = new RecordAccumulator(BATCH_SIZE, 64 * BATCH_SIZE, 5, 1000, false);
        acc.producerId(7L, (short)0);
        final ProducerTopic topic = topic(1, acc.ringCapacity());
        final PartitionQueue q = topic.queues[0];
        for (int i = 0; i < 3; i++)
        {
            append(acc, q, "r" + i, 0, 0);
            append(acc, q, "s" + i, 0, 0);
            acc.sealDue(0, true);
        }
        assertEquals(6, q.nextSequence);
        q.get(0).state = BatchBuffer.DONE; // failed for good: its sequences are free again
        acc.producerId(8L, (short)1);
        acc.renumber(q, 1, 0);
        assertEquals(0, q.get(1).baseSequence);
        assertEquals(2, q.get(2).baseSequence);
        assertEquals(4, q.nextSequence);
        final MutableRecordBatch batch = RecordBatchBuilderTest.kafkaBatch(
            q.get(2).buffer, BatchBuffer.BATCH_OFFSET, q.get(2).size);
        batch.ensureValid();
        assertEquals(8L, batch.producerId());
        assertEquals(1, batch.producerEpoch());
        assertEquals(2, batch.baseSequence());
    }

    @Test
    void noAllocationPerRecordOnTheAppendPath()
    {
        final RecordAccumulator acc = new RecordAccumulator(16 * 1024, 256 * 1024, 5, 1000, true);
        acc.producerId(1L, (short)0);
        final ProducerTopic topic = topic(8, acc.ringCapacity());
        final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[100]);
        final RecordHeaders headers = new RecordHeaders().add("trace".getBytes(), "abc".getBytes());
        final Partitioner partitioner = new Partitioner();
        final long[] appended = {0};
        final Runnable work = () ->
        {
            for (int i = 0; i < 10_000; i++)
            {
                key.putLong(0, appended[0]);
                final PartitionQueue q = topic.queues[Partitioner.partitionForKey(key, 0, 16, 8)];
                int result = acc.append(q, 1_700_000_000_000L + i, key, 0, 16, value, 0, 100, headers, i, i);
                if (result == SendResult.BACK_PRESSURED)
                {
                    acknowledgeAll(acc, topic); // what acks from the broker do
                    result = acc.append(q, 1_700_000_000_000L + i, key, 0, 16, value, 0, 100, headers, i, i);
                }
                assertEquals(SendResult.OK, result);
                appended[0]++;
                partitioner.roundRobin(8);
            }
            acc.sealDue(0, true);
            acknowledgeAll(acc, topic);
        };
        final long warmUntil = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmUntil)
        {
            work.run(); // warm up: let the JIT compile the path (1 s)
        }
        final List<Long> windows = Allocation.steadyState(() -> { }, () ->
        {
            for (int i = 0; i < 50; i++)
            {
                work.run();
            }
        }, 5);
        final long records = 50L * 10_000;
        System.out.printf("producer append path: bytes allocated per window of %d records: %s%n", records, windows);
        Allocation.assertSteadyStateZero(windows, records / 100, "appending " + records + " records");
    }

    private static void acknowledgeAll(final RecordAccumulator acc, final ProducerTopic topic)
    {
        for (final PartitionQueue q : topic.queues)
        {
            for (int i = 0; i < q.size(); i++)
            {
                q.get(i).state = BatchBuffer.DONE;
            }
            acc.releaseDone(q);
        }
        acc.compactActive();
    }
}
