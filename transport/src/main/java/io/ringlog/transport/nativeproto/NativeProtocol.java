package io.ringlog.transport.nativeproto;

import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;

/**
 * Constants both ends of the native protocol agree on: the default channels and stream ids, and the schema
 * identity a receiver checks before it decodes a message. The codecs themselves are generated from
 * {@code src/main/resources/sbe/ringlog-native.xml} into {@code io.ringlog.transport.nativeproto.codecs}.
 * <p>
 * Thread-safe: constants only.
 */
public final class NativeProtocol
{
    /** The broker subscribes here for ingress on the same host. */
    public static final String DEFAULT_IPC_CHANNEL = "aeron:ipc";
    /** The broker's ingress stream id on every ingress channel (IPC and UDP). */
    public static final int DEFAULT_INGRESS_STREAM_ID = 7701;
    /** A client's default egress stream id on its response channel. */
    public static final int DEFAULT_EGRESS_STREAM_ID = 7702;
    /** The default UDP ingress port (Kafka's 9092 plus one). */
    public static final int DEFAULT_UDP_PORT = 9093;

    /** Aeron counter type id of a partition's high watermark (key: topic id msb, lsb, partition). */
    public static final int HIGH_WATERMARK_COUNTER_TYPE_ID = 7701_01;
    /** Aeron counter type id of the base offset of a partition's active segment (same key layout). */
    public static final int SEGMENT_BASE_COUNTER_TYPE_ID = 7701_02;

    /** The schema id every message header must carry. */
    public static final int SCHEMA_ID = MessageHeaderDecoder.SCHEMA_ID;
    /** The newest schema version this build speaks. */
    public static final int SCHEMA_VERSION = MessageHeaderDecoder.SCHEMA_VERSION;

    private NativeProtocol()
    {
    }
}
