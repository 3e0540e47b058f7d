package io.ringlog.client.producer;

import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The key partitioner chooses exactly what Kafka's default partitioner chooses. */
@Timeout(60)
class PartitionerTest
{
    @Test
    void murmur2AndPartitionEqualKafkasOverRandomKeys()
    {
        final Random random = new Random(2024);
        final Partitioner partitioner = new Partitioner();
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(300));
        for (int i = 0; i < 100_000; i++)
        {
            final byte[] key = new byte[random.nextInt(i < 1000 ? 9 : 257)];
            random.nextBytes(key);
            final int partitions = 1 + random.nextInt(1000);
            assertEquals(Utils.murmur2(key), Partitioner.murmur2(new UnsafeBuffer(key), 0, key.length));
            final int expected = Utils.toPositive(Utils.murmur2(key)) % partitions;
            assertEquals(expected, partitioner.partitionForKey(key, partitions));

            final int at = random.nextInt(300 - key.length + 1); // unaligned, off-heap
            direct.putBytes(at, key);
            assertEquals(expected, Partitioner.partitionForKey(direct, at, key.length, partitions));
        }
    }

    @Test
    void toPositiveEqualsKafkasAtTheEdges()
    {
        for (final int n : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, -123456789})
        {
            assertEquals(Utils.toPositive(n), Partitioner.toPositive(n));
        }
    }

    @Test
    void roundRobinVisitsEveryPartitionInTurn()
    {
        final Partitioner partitioner = new Partitioner();
        final int[] counts = new int[7];
        for (int i = 0; i < 7 * 1000; i++)
        {
            final int p = partitioner.roundRobin(7);
            assertEquals(i % 7, p);
            counts[p]++;
        }
        for (final int c : counts)
        {
            assertEquals(1000, c);
        }
    }
}
