package io.ringlog.client.reader;

import io.ringlog.transport.nativeproto.NativeProtocol;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteOrder;

/**
 * Finds and checks a partition's counters in the broker's media driver: the high watermark
 * ({@link NativeProtocol#HIGH_WATERMARK_COUNTER_TYPE_ID}) and the active segment's base offset
 * ({@link NativeProtocol#SEGMENT_BASE_COUNTER_TYPE_ID}). Both carry the key (topic id msb int64, topic id lsb int64,
 * partition int32), little-endian. Cold path; stateless.
 */
public final class PartitionCounters
{
    public static final int KEY_LENGTH = 8 + 8 + 4;

    private PartitionCounters()
    {
    }

    /**
     * The id of the allocated counter of {@code typeId} for the partition, or {@link CountersReader#NULL_COUNTER_ID}.
     */
    public static int find(
        final CountersReader counters, final int typeId, final long topicIdMsb, final long topicIdLsb, final int partition)
    {
        final int[] found = {CountersReader.NULL_COUNTER_ID};
        counters.forEach((counterId, type, key, label) ->
        {
            if (type == typeId && keyMatches(key, 0, topicIdMsb, topicIdLsb, partition) &&
                counters.getCounterState(counterId) == CountersReader.RECORD_ALLOCATED)
            {
                found[0] = counterId;
            }
        });
        return found[0];
    }

    /** True when {@code counterId} is an allocated counter of {@code typeId} with the partition's key. */
    public static boolean matches(
        final CountersReader counters,
        final int counterId,
        final int typeId,
        final long topicIdMsb,
        final long topicIdLsb,
        final int partition)
    {
        if (counterId < 0 || counterId > counters.maxCounterId() ||
            counters.getCounterState(counterId) != CountersReader.RECORD_ALLOCATED ||
            counters.getCounterTypeId(counterId) != typeId)
        {
            return false;
        }
        final int keyOffset = CountersReader.metaDataOffset(counterId) + CountersReader.KEY_OFFSET;
        return keyMatches(counters.metaDataBuffer(), keyOffset, topicIdMsb, topicIdLsb, partition);
    }

    /** Write the key a broker registers a partition's counters with. */
    public static void putKey(
        final org.agrona.MutableDirectBuffer buffer,
        final int offset,
        final long topicIdMsb,
        final long topicIdLsb,
        final int partition)
    {
        buffer.putLong(offset, topicIdMsb, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + 8, topicIdLsb, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(offset + 16, partition, ByteOrder.LITTLE_ENDIAN);
    }

    private static boolean keyMatches(
        final DirectBuffer key, final int offset, final long topicIdMsb, final long topicIdLsb, final int partition)
    {
        return key.getLong(offset, ByteOrder.LITTLE_ENDIAN) == topicIdMsb &&
            key.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN) == topicIdLsb &&
            key.getInt(offset + 16, ByteOrder.LITTLE_ENDIAN) == partition;
    }
}
