package io.ringlog.client.consumer;

import io.ringlog.client.RinglogException;
import io.ringlog.transport.nativeproto.NativeErrors;

/**
 * A batch the native consumer cannot decode because it is compressed: the native client reads uncompressed batches
 * only (see the module README). Thrown by {@link RinglogConsumer#poll} each time it reaches the batch, naming the
 * codec, the partition and the batch's offsets, so the application can produce uncompressed, read that partition
 * with a Kafka consumer, or {@link RinglogConsumer#seek} past the batch (to {@link #lastOffset()} + 1).
 * The code is Kafka's UNSUPPORTED_COMPRESSION_TYPE (76).
 */
public final class UnsupportedCompressionException extends RinglogException
{
    /** Kafka's UNSUPPORTED_COMPRESSION_TYPE (76), as {@link NativeErrors} has it. */
    public static final short UNSUPPORTED_COMPRESSION_TYPE = NativeErrors.UNSUPPORTED_COMPRESSION_TYPE;

    private final String codec;
    private final String topic;
    private final int partition;
    private final long baseOffset;
    private final long lastOffset;

    public UnsupportedCompressionException(
        final String codec, final String topic, final int partition, final long baseOffset, final long lastOffset)
    {
        super(UNSUPPORTED_COMPRESSION_TYPE, NativeErrors.name(UNSUPPORTED_COMPRESSION_TYPE),
            "the batch at offsets " + baseOffset + ".." + lastOffset + " of " + topic + "-" + partition +
            " is compressed with " + codec + "; the native consumer decodes uncompressed batches only", null);
        this.codec = codec;
        this.topic = topic;
        this.partition = partition;
        this.baseOffset = baseOffset;
        this.lastOffset = lastOffset;
    }

    /** Kafka's name of the codec: gzip, snappy, lz4 or zstd. */
    public String codec()
    {
        return codec;
    }

    public String topic()
    {
        return topic;
    }

    public int partition()
    {
        return partition;
    }

    public long baseOffset()
    {
        return baseOffset;
    }

    public long lastOffset()
    {
        return lastOffset;
    }
}
