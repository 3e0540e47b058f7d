package io.ringlog.client.producer;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Chooses a partition for a record, as Kafka's producer does:
 * <ul>
 *   <li>an explicit partition is used as given;</li>
 *   <li>a keyed record goes to {@code toPositive(murmur2(key)) % partitions}, bit for bit Kafka's default
 *   partitioner's choice, so records with one key land in one partition whichever client, Kafka or native, sends
 *   them (the test compares against {@code org.apache.kafka.common.utils.Utils} over many random keys);</li>
 *   <li>a record without a key goes round robin. (Kafka 4's built-in default is "sticky": a whole batch per
 *   partition. Round robin spreads single records evenly; a caller wanting stickiness passes the partition.)</li>
 * </ul>
 * The hash is the 32-bit MurmurHash2 (Austin Appleby's public-domain algorithm) with Kafka's seed
 * {@code 0x9747b28c}, reading 4-byte little-endian words. Allocation-free. The round-robin counter makes an instance
 * not thread-safe: one per producer.
 */
public final class Partitioner
{
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private final UnsafeBuffer arrayWrapper = new UnsafeBuffer(new byte[0]);
    private int next;

    /** The next partition in round-robin order, for a record without a key. */
    public int roundRobin(final int partitions)
    {
        final int p = toPositive(next++) % partitions;
        return p;
    }

    /** Kafka's partition for a key: {@code toPositive(murmur2(key)) % partitions}. */
    public static int partitionForKey(final DirectBuffer key, final int offset, final int length, final int partitions)
    {
        return toPositive(murmur2(key, offset, length)) % partitions;
    }

    /** As {@link #partitionForKey(DirectBuffer, int, int, int)} for a byte array. */
    public int partitionForKey(final byte[] key, final int partitions)
    {
        arrayWrapper.wrap(key);
        return partitionForKey(arrayWrapper, 0, key.length, partitions);
    }

    /** Kafka's {@code Utils.toPositive}: clears the sign bit (not {@code Math.abs}, which keeps MIN_VALUE negative). */
    public static int toPositive(final int n)
    {
        return n & 0x7fff_ffff;
    }

    /** 32-bit MurmurHash2 of {@code buffer[offset, offset + length)} with Kafka's seed. */
    public static int murmur2(final DirectBuffer buffer, final int offset, final int length)
    {
        int h = SEED ^ length;
        final int words = length >> 2;
        for (int i = 0; i < words; i++)
        {
            int k = buffer.getInt(offset + (i << 2), ByteOrder.LITTLE_ENDIAN);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        final int tail = offset + (words << 2);
        switch (length & 3)
        {
            case 3:
                h ^= (buffer.getByte(tail + 2) & 0xff) << 16;
                // fall through
            case 2:
                h ^= (buffer.getByte(tail + 1) & 0xff) << 8;
                // fall through
            case 1:
                h ^= buffer.getByte(tail) & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }
}
