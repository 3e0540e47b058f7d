package io.ringlog.transport.nativeproto;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteOrder;

/**
 * The one definition of a partition's Aeron counters as broker and same-host clients share them in the media
 * driver's memory: the type ids ({@link #HIGH_WATERMARK_TYPE_ID}, {@link #SEGMENT_BASE_TYPE_ID}), the key, and the
 * labels. The broker registers a counter with {@link #putKey} and {@link #highWatermarkLabel} /
 * {@link #segmentBaseLabel}; a client finds it with {@link #find} and checks it again with {@link #matches} (a freed
 * counter's id may be reused a second later).
 * <p>
 * Key, {@value #KEY_LENGTH} bytes little-endian: topic id most significant bits (int64), least significant bits
 * (int64), partition (int32). Part of the native protocol: it grows by new type ids, never by changing this layout.
 * <p>
 * Stateless; any thread. {@link #find} walks every counter: cold path.
 */
public final class PartitionCounterKey
{
    /** A partition's high watermark: records below it are committed. */
    public static final int HIGH_WATERMARK_TYPE_ID = NativeProtocol.HIGH_WATERMARK_COUNTER_TYPE_ID;
    /** The base offset of a partition's active segment: a reader maps the next segment when it moves. */
    public static final int SEGMENT_BASE_TYPE_ID = NativeProtocol.SEGMENT_BASE_COUNTER_TYPE_ID;
    /** msb, lsb, partition. */
    public static final int KEY_LENGTH = 8 + 8 + 4;

    private static final int MSB_OFFSET = 0;
    private static final int LSB_OFFSET = 8;
    private static final int PARTITION_OFFSET = 16;

    private PartitionCounterKey()
    {
    }

    /** Write a partition's key at {@code offset}: {@link #KEY_LENGTH} bytes. */
    public static void putKey(
        final MutableDirectBuffer buffer, final int offset, final long topicIdMsb, final long topicIdLsb,
        final int partition)
    {
        buffer.putLong(offset + MSB_OFFSET, topicIdMsb, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + LSB_OFFSET, topicIdLsb, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(offset + PARTITION_OFFSET, partition, ByteOrder.LITTLE_ENDIAN);
    }

    /** True when the key at {@code offset} is the partition's. */
    public static boolean keyMatches(
        final DirectBuffer key, final int offset, final long topicIdMsb, final long topicIdLsb, final int partition)
    {
        return key.getLong(offset + MSB_OFFSET, ByteOrder.LITTLE_ENDIAN) == topicIdMsb &&
            key.getLong(offset + LSB_OFFSET, ByteOrder.LITTLE_ENDIAN) == topicIdLsb &&
            key.getInt(offset + PARTITION_OFFSET, ByteOrder.LITTLE_ENDIAN) == partition;
    }

    /** The high-watermark counter's label: {@code ringlog hw: <topic>-<partition>}. */
    public static String highWatermarkLabel(final String topic, final int partition)
    {
        return "ringlog hw: " + topic + "-" + partition;
    }

    /** The segment-base counter's label: {@code ringlog segment base: <topic>-<partition>}. */
    public static String segmentBaseLabel(final String topic, final int partition)
    {
        return "ringlog segment base: " + topic + "-" + partition;
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
}
