package io.ringlog.sequencer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads offer into one partition, and into several partitions of one shard, through small rings that push
 * back: every batch is appended exactly once, offsets are contiguous, and every accepted offer is answered exactly
 * once with the base offset its batch got in the log.
 */
@Timeout(60)
class ConcurrentProduceTest
{
    private static final int THREADS = 4;
    private static final int PER_THREAD = 1_500;

    @TempDir
    Path dir;

    @Test
    void manyThreadsIntoOnePartition() throws Exception
    {
        produce(1);
    }

    @Test
    void manyThreadsIntoSeveralPartitionsOfOneShard() throws Exception
    {
        produce(3);
    }

    private void produce(final int partitionCount) throws Exception
    {
        final SequencerConfig config = SequencerConfig.builder().ringSize(64).drainLimit(16).build();
        final Harness harness = new Harness("produce", config);
        final PartitionSequencer[] partitions = new PartitionSequencer[partitionCount];
        for (int p = 0; p < partitionCount; p++)
        {
            partitions[p] = harness.add(dir, "topic" + p, Harness.logConfig().segmentBytes(256 * 1024).build(), config);
        }

        final int total = THREADS * PER_THREAD;
        final UnsafeBuffer[] batches = new UnsafeBuffer[total];
        for (int c = 0; c < total; c++)
        {
            batches[c] = Batches.plain(1 + c % 3, 24, timestampOf(c)); // 1 to 3 records, told apart by timestamp
        }
        final Answers answers = new Answers(total);
        final AtomicLong backPressured = new AtomicLong();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] producers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++)
        {
            final int thread = t;
            producers[t] = new Thread(() ->
            {
                awaitQuietly(start);
                for (int i = 0; i < PER_THREAD; i++)
                {
                    final int c = thread * PER_THREAD + i;
                    final PartitionSequencer target = partitions[c % partitionCount];
                    final int acks = c % 5 == 0 ? -1 : c % 5 == 1 ? 0 : 1;
                    int code;
                    while ((code = target.offer(batches[c], 0, batches[c].capacity(), acks, 30_000, c, c % partitionCount,
                        answers)) == ProduceStatus.BACK_PRESSURED)
                    {
                        backPressured.incrementAndGet();
                        Thread.yield();
                    }
                    assertEquals(ProduceStatus.OK, code);
                }
            }, "producer-" + t);
            producers[t].start();
        }
        start.countDown();
        for (final Thread producer : producers)
        {
            producer.join();
        }
        Harness.await(() -> answers.total() == total, "all answers");

        for (int c = 0; c < total; c++)
        {
            assertEquals(1, answers.calls(c), "answered exactly once: " + c);
            assertEquals(ProduceStatus.OK, answers.status(c));
        }
        final Map<Long, Integer> byTimestamp = new HashMap<>();
        for (int c = 0; c < total; c++)
        {
            byTimestamp.put(timestampOf(c), c);
        }
        int seen = 0;
        for (int p = 0; p < partitionCount; p++)
        {
            final PartitionSequencer partition = partitions[p];
            final List<long[]> logged = Harness.batches(partition.log());
            long expectedBase = 0;
            for (final long[] batch : logged)
            {
                assertEquals(expectedBase, batch[0], "contiguous offsets in partition " + p);
                expectedBase = batch[1] + 1;
                final Integer c = byTimestamp.remove(batch[2]);
                assertNotNull(c, "appended once, and only batches that were offered: " + batch[2]);
                assertEquals(p, c % partitionCount, "in the partition it was offered to");
                assertEquals(batch[0], answers.baseOffset(c), "the answer carries the batch's base offset");
                seen++;
            }
            assertEquals(expectedBase, partition.logEndOffset());
            assertEquals(partition.logEndOffset(), partition.highWatermark(), "single replica: HW follows the log");
        }
        assertEquals(total, seen, "every batch appended");
        assertTrue(byTimestamp.isEmpty());
        System.out.printf("%d partition(s): %d batches from %d threads, %d offers back-pressured, max duty cycle %d us%n",
            partitionCount, total, THREADS, backPressured.get(), harness.shard.maxDutyCycleNs() / 1000);
        harness.closeExpectingNoErrors();
    }

    private static long timestampOf(final int correlation)
    {
        return 1_000_000L + correlation * 10L;
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
