package io.ringlog.transport.kafka.codec;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Allocation-free flyweight over a ProduceRequest body, versions {@value #MIN_VERSION} to
 * {@value #MAX_VERSION}, kept equivalent to kafka-clients' generated {@code ProduceRequestData}
 * by tests for every version.
 * <pre>
 *   v3-v8   transactional_id nullable string, acks int16, timeout_ms int32,
 *           topic_data array of { name string, partition_data array of { index int32, records nullable records } }
 *   v9-v12  the same in the flexible encoding: compact strings, arrays and records, tagged fields
 *           after each partition, each topic and the whole body
 *   v13     topics named by topic_id (UUID, two int64) instead of name
 * </pre>
 * The records of each partition are reported as an offset and length in the wrapped buffer,
 * never copied: the sequencer copies them once, into the journal.
 * <p>
 * {@link #wrap} validates the whole body (every length against the limit, every tagged-field
 * section) in one pass, as an SBE flyweight is validated on wrap, and then rewinds; the
 * iteration methods walk the same structure again.
 * <p>
 * Usage:
 * <pre>{@code
 * if (decoder.wrap(buffer, offset, length, version) == ProduceRequestDecoder.OK) {
 *     while (decoder.nextTopic()) {
 *         while (decoder.nextPartition()) {
 *             append(topic..., decoder.partitionIndex(), buffer, decoder.recordsOffset(), decoder.recordsLength());
 *         }
 *     }
 * }
 * }</pre>
 * <b>Thread:</b> a flyweight, used by one thread at a time; the buffer must not change while wrapped.
 */
public final class ProduceRequestDecoder
{
    /** Lowest version decoded: kafka-clients 4.x removed v0 to v2. */
    public static final short MIN_VERSION = 3;
    /** Highest version decoded. */
    public static final short MAX_VERSION = 13;
    /** First version in the flexible encoding. */
    public static final short FIRST_FLEXIBLE_VERSION = 9;
    /** First version naming topics by topic id only. */
    public static final short FIRST_TOPIC_ID_VERSION = 13;

    /** The body is well formed. */
    public static final int OK = 0;
    /** The body is cut short or a length or count in it is impossible. */
    public static final int MALFORMED = -1;
    /** The version is outside {@value #MIN_VERSION}..{@value #MAX_VERSION}. */
    public static final int UNSUPPORTED_VERSION = -2;

    private final WireReader reader = new WireReader();
    private boolean flexible;
    private boolean topicIds;
    private int offset;
    private int length;

    private short acks;
    private int timeoutMs;
    private int transactionalIdOffset;
    private int transactionalIdLength;
    private int topicCount;
    private int firstTopicPosition;

    private int topicsRemaining;
    private boolean topicOpen;
    private int topicNameOffset;
    private int topicNameLength;
    private long topicIdMsb;
    private long topicIdLsb;
    private int partitionCount;
    private int partitionsRemaining;

    private int partitionIndex;
    private int recordsOffset;
    private int recordsLength;

    /**
     * Wrap and validate a ProduceRequest body.
     *
     * @param buffer  holding the body.
     * @param offset  of the body (just after the request header).
     * @param length  of the body.
     * @param version the request's api version.
     * @return {@link #OK}, {@link #MALFORMED} or {@link #UNSUPPORTED_VERSION}; on anything but
     * {@link #OK} the iteration methods report no topics.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length, final short version)
    {
        this.offset = offset;
        this.length = length;
        topicsRemaining = 0;
        partitionsRemaining = 0;
        topicOpen = false;
        if (version < MIN_VERSION || version > MAX_VERSION)
        {
            reader.wrap(buffer, offset, 0);
            return UNSUPPORTED_VERSION;
        }
        flexible = version >= FIRST_FLEXIBLE_VERSION;
        topicIds = version >= FIRST_TOPIC_ID_VERSION;

        reader.wrap(buffer, offset, length);
        transactionalIdLength = reader.readStringLength(flexible, true);
        transactionalIdOffset = reader.position();
        reader.skip(Math.max(0, transactionalIdLength));
        acks = reader.readInt16();
        timeoutMs = reader.readInt32();
        topicCount = reader.readArrayLength(flexible, false);
        firstTopicPosition = reader.position();
        topicsRemaining = topicCount;

        while (nextTopic())
        {
            while (nextPartition())
            {
                // Walking is the validation.
            }
        }
        if (flexible && !reader.isMalformed())
        {
            reader.skipTaggedFields();
        }
        if (reader.isMalformed())
        {
            topicsRemaining = 0;
            return MALFORMED;
        }
        rewind();
        return OK;
    }

    /**
     * Start the iteration again at the first topic.
     */
    public void rewind()
    {
        reader.position(firstTopicPosition);
        topicsRemaining = topicCount;
        topicOpen = false;
        partitionsRemaining = 0;
    }

    /**
     * Move to the next topic, skipping the partitions of the current one that were not visited.
     *
     * @return true if there is one.
     */
    public boolean nextTopic()
    {
        if (topicOpen)
        {
            while (nextPartition())
            {
                // Skip the rest of the current topic.
            }
            if (flexible)
            {
                reader.skipTaggedFields();
            }
            topicOpen = false;
        }
        if (topicsRemaining <= 0 || reader.isMalformed())
        {
            return false;
        }
        topicsRemaining--;

        if (topicIds)
        {
            topicIdMsb = reader.readInt64();
            topicIdLsb = reader.readInt64();
            topicNameLength = 0;
            topicNameOffset = reader.position();
        }
        else
        {
            topicNameLength = reader.readStringLength(flexible, false);
            topicNameOffset = reader.position();
            reader.skip(topicNameLength);
            topicIdMsb = 0;
            topicIdLsb = 0;
        }
        partitionCount = reader.readArrayLength(flexible, false);
        partitionsRemaining = partitionCount;
        topicOpen = !reader.isMalformed();
        return topicOpen;
    }

    /**
     * Move to the next partition of the current topic.
     *
     * @return true if there is one.
     */
    public boolean nextPartition()
    {
        if (partitionsRemaining <= 0 || reader.isMalformed())
        {
            return false;
        }
        partitionsRemaining--;
        partitionIndex = reader.readInt32();
        recordsLength = reader.readBytesLength(flexible, true);
        recordsOffset = reader.position();
        reader.skip(Math.max(0, recordsLength));
        if (flexible)
        {
            reader.skipTaggedFields();
        }
        return !reader.isMalformed();
    }

    public DirectBuffer buffer()
    {
        return reader.buffer();
    }

    /**
     * @return offset of the wrapped body in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return length of the wrapped body.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return 0 (no acknowledgement), 1 (leader) or -1 (all in-sync replicas).
     */
    public short acks()
    {
        return acks;
    }

    public int timeoutMs()
    {
        return timeoutMs;
    }

    /**
     * @return length in bytes of the transactional id, or -1 when it is null.
     */
    public int transactionalIdLength()
    {
        return transactionalIdLength;
    }

    /**
     * @return offset of the transactional id's UTF-8 bytes in the buffer.
     */
    public int transactionalIdOffset()
    {
        return transactionalIdOffset;
    }

    /**
     * @return the transactional id as a new String (allocates: control path), or null.
     */
    public String transactionalId()
    {
        return transactionalIdLength < 0 ? null : string(transactionalIdOffset, transactionalIdLength);
    }

    /**
     * @return number of topics in the request.
     */
    public int topicCount()
    {
        return topicCount;
    }

    /**
     * @return true if the current topic is named by topic id (v13 and later), false if by name.
     */
    public boolean hasTopicId()
    {
        return topicIds;
    }

    public long topicIdMostSignificantBits()
    {
        return topicIdMsb;
    }

    public long topicIdLeastSignificantBits()
    {
        return topicIdLsb;
    }

    /**
     * @return offset of the current topic's name bytes in the buffer (versions before 13).
     */
    public int topicNameOffset()
    {
        return topicNameOffset;
    }

    /**
     * @return length of the current topic's name in bytes; 0 from v13, where topics have no name.
     */
    public int topicNameLength()
    {
        return topicNameLength;
    }

    /**
     * @return the current topic's name as a new String (allocates: control path and tests).
     */
    public String topicName()
    {
        return string(topicNameOffset, topicNameLength);
    }

    /**
     * @return number of partitions of the current topic.
     */
    public int partitionCount()
    {
        return partitionCount;
    }

    public int partitionIndex()
    {
        return partitionIndex;
    }

    /**
     * @return offset in the buffer of the current partition's records (a sequence of RecordBatch v2).
     */
    public int recordsOffset()
    {
        return recordsOffset;
    }

    /**
     * @return length of the current partition's records in bytes, or -1 when they are null.
     */
    public int recordsLength()
    {
        return recordsLength;
    }

    private String string(final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        reader.buffer().getBytes(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
