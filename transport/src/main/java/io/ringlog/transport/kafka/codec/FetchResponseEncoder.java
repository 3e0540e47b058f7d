package io.ringlog.transport.kafka.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Allocation-free writer of a FetchResponse frame, versions {@value #MIN_VERSION} to
 * {@value #MAX_VERSION}, except the records themselves: it writes the length prefix, the response
 * header and every field around the records, and tells the caller where each partition's records
 * belong, so that they can be spliced in from the journal with {@code FileChannel.transferTo}
 * (sendfile) instead of passing through the heap. Header bytes with the records spliced in are
 * exactly what kafka-clients' generated {@code FetchResponseData} writes; tests prove it for every
 * version.
 * <pre>
 *   header    correlation_id int32 (+ tagged fields from v12, response header v1)
 *   body      throttle_time_ms int32, [error_code int16, session_id int32 from v7],
 *             responses array of {
 *               topic string (v4-v12) | topic_id uuid (v13+),
 *               partitions array of {
 *                 partition_index int32, error_code int16, high_watermark int64, last_stable_offset int64,
 *                 [log_start_offset int64 from v5], aborted_transactions nullable array of
 *                 { producer_id int64, first_offset int64 }, [preferred_read_replica int32 from v11],
 *                 records nullable records } }
 *   v12+      compact arrays, strings and records; tagged fields after every struct
 * </pre>
 * Optional tagged fields (diverging epoch, current leader, snapshot id, node endpoints) are never
 * written: answers that need them are rare error paths and go through the generated classes.
 * <p>
 * Usage, with the frame written into a response buffer and the records appended as file regions at
 * the offsets returned:
 * <pre>{@code
 * encoder.wrap(buffer, 0, version, correlationId, throttleMs, errorCode, sessionId, topicCount);
 * encoder.topic(topicName);                // or topic(idMsb, idLsb) from v13
 * encoder.partitionCount(1);
 * int at = encoder.partition(0, NONE, hw, lso, logStart, -1, recordsLength);
 * response.addFileRegion(at, channel, position, recordsLength);
 * int headerBytes = encoder.finish();     // frame = headerBytes + records
 * }</pre>
 * <b>Thread:</b> a flyweight, used by one thread at a time.
 */
public final class FetchResponseEncoder
{
    /** Lowest version written: kafka-clients 4.x removed v0 to v3. */
    public static final short MIN_VERSION = 4;
    /** Highest version written. */
    public static final short MAX_VERSION = 18;
    /** First version with error_code and session_id at the top level. */
    public static final short FIRST_SESSION_VERSION = 7;
    /** First version in the flexible encoding (response header v1). */
    public static final short FIRST_FLEXIBLE_VERSION = 12;
    /** First version naming topics by topic id only. */
    public static final short FIRST_TOPIC_ID_VERSION = 13;

    /** Size of the frame's length prefix. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private MutableDirectBuffer buffer;
    private int offset;
    private int position;
    private short version;
    private boolean flexible;
    private int topicsToWrite;
    private int partitionsToWrite;
    private boolean partitionCountDue;
    private boolean partitionOpen;
    private boolean topicOpen;
    private long recordsBytes;

    /**
     * Start a frame: length prefix (filled in by {@link #finish()}), response header and top-level fields.
     *
     * @param buffer         to write into; an expandable buffer grows as needed.
     * @param offset         where the frame starts.
     * @param version        Fetch version, {@value #MIN_VERSION} to {@value #MAX_VERSION}.
     * @param correlationId  of the request.
     * @param throttleTimeMs throttle time to report.
     * @param errorCode      top-level error (v7+; must be 0 before).
     * @param sessionId      fetch session id (v7+; must be 0 before).
     * @param topicCount     number of topics that will follow.
     * @return this.
     */
    public FetchResponseEncoder wrap(
        final MutableDirectBuffer buffer,
        final int offset,
        final short version,
        final int correlationId,
        final int throttleTimeMs,
        final short errorCode,
        final int sessionId,
        final int topicCount)
    {
        if (version < MIN_VERSION || version > MAX_VERSION)
        {
            throw new IllegalArgumentException("unsupported Fetch version: " + version);
        }
        if (version < FIRST_SESSION_VERSION && (errorCode != 0 || sessionId != 0))
        {
            throw new IllegalArgumentException("Fetch v" + version + " has no top-level error code or session id");
        }
        this.buffer = buffer;
        this.offset = offset;
        this.version = version;
        this.flexible = version >= FIRST_FLEXIBLE_VERSION;
        this.position = offset + LENGTH_PREFIX_BYTES;
        this.recordsBytes = 0;
        this.topicOpen = false;
        this.partitionOpen = false;
        this.partitionCountDue = false;
        this.partitionsToWrite = 0;

        putInt32(correlationId);
        if (flexible)
        {
            putUnsignedVarint(0);
        }
        putInt32(throttleTimeMs);
        if (version >= FIRST_SESSION_VERSION)
        {
            putInt16(errorCode);
            putInt32(sessionId);
        }
        putArrayLength(topicCount);
        topicsToWrite = topicCount;
        return this;
    }

    /**
     * Begin a topic named by name (versions before 13). Topic names are ASCII by Kafka's rules.
     *
     * @param name the topic name.
     * @return this; call {@link #partitionCount(int)} next.
     */
    public FetchResponseEncoder topic(final CharSequence name)
    {
        beginTopic(false);
        final int length = name.length();
        putStringLength(length);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(position++, (byte)name.charAt(i));
        }
        return this;
    }

    /**
     * Begin a topic named by name bytes already in a buffer (versions before 13).
     *
     * @param nameBuffer holding the UTF-8 name.
     * @param nameOffset of the name.
     * @param nameLength of the name in bytes.
     * @return this; call {@link #partitionCount(int)} next.
     */
    public FetchResponseEncoder topic(final DirectBuffer nameBuffer, final int nameOffset, final int nameLength)
    {
        beginTopic(false);
        putStringLength(nameLength);
        buffer.putBytes(position, nameBuffer, nameOffset, nameLength);
        position += nameLength;
        return this;
    }

    /**
     * Begin a topic named by topic id (version 13 and later).
     *
     * @param mostSignificantBits  of the topic id.
     * @param leastSignificantBits of the topic id.
     * @return this; call {@link #partitionCount(int)} next.
     */
    public FetchResponseEncoder topic(final long mostSignificantBits, final long leastSignificantBits)
    {
        beginTopic(true);
        putInt64(mostSignificantBits);
        putInt64(leastSignificantBits);
        return this;
    }

    /**
     * Number of partitions of the current topic that will follow.
     *
     * @param count partitions.
     * @return this.
     */
    public FetchResponseEncoder partitionCount(final int count)
    {
        if (!partitionCountDue)
        {
            throw new IllegalStateException("partitionCount must follow topic");
        }
        partitionCountDue = false;
        putArrayLength(count);
        partitionsToWrite = count;
        return this;
    }

    /**
     * Write a partition with null aborted transactions (what a read_committed consumer gets when
     * there are none, and what every read_uncommitted consumer gets).
     *
     * @return offset in the buffer where this partition's records belong (when {@code recordsLength} &gt; 0).
     * @see #partition(int, short, long, long, long, long[], long[], int, int, int)
     */
    public int partition(
        final int partitionIndex,
        final short errorCode,
        final long highWatermark,
        final long lastStableOffset,
        final long logStartOffset,
        final int preferredReadReplica,
        final int recordsLength)
    {
        return partition(
            partitionIndex, errorCode, highWatermark, lastStableOffset, logStartOffset,
            null, null, -1, preferredReadReplica, recordsLength);
    }

    /**
     * Write a partition's fields up to and including the length of its records. The caller sends
     * exactly {@code recordsLength} bytes of records at the returned offset.
     *
     * @param partitionIndex         the partition.
     * @param errorCode              partition error, 0 for none.
     * @param highWatermark          high watermark.
     * @param lastStableOffset       last stable offset.
     * @param logStartOffset         log start offset (v5+; ignored before).
     * @param abortedProducerIds     producer ids of aborted transactions, or null.
     * @param abortedFirstOffsets    first offsets of aborted transactions, or null.
     * @param abortedCount           how many aborted transactions to write from the arrays, 0 for
     *                               an empty array, -1 for null.
     * @param preferredReadReplica   preferred read replica (v11+; must be -1 before).
     * @param recordsLength          bytes of records that will be spliced in, or -1 for null records.
     * @return offset in the buffer where this partition's records belong.
     */
    public int partition(
        final int partitionIndex,
        final short errorCode,
        final long highWatermark,
        final long lastStableOffset,
        final long logStartOffset,
        final long[] abortedProducerIds,
        final long[] abortedFirstOffsets,
        final int abortedCount,
        final int preferredReadReplica,
        final int recordsLength)
    {
        if (partitionCountDue || !topicOpen || partitionsToWrite <= 0)
        {
            throw new IllegalStateException("more partitions than declared, or partitionCount not set");
        }
        if (version < 11 && preferredReadReplica != -1)
        {
            throw new IllegalArgumentException("Fetch v" + version + " has no preferred read replica");
        }
        endPartition();
        partitionsToWrite--;
        partitionOpen = true;

        putInt32(partitionIndex);
        putInt16(errorCode);
        putInt64(highWatermark);
        putInt64(lastStableOffset);
        if (version >= 5)
        {
            putInt64(logStartOffset);
        }
        putNullableArrayLength(abortedCount);
        for (int i = 0; i < abortedCount; i++)
        {
            putInt64(abortedProducerIds[i]);
            putInt64(abortedFirstOffsets[i]);
            if (flexible)
            {
                putUnsignedVarint(0);
            }
        }
        if (version >= 11)
        {
            putInt32(preferredReadReplica);
        }
        if (flexible)
        {
            putUnsignedVarint(recordsLength + 1);
        }
        else
        {
            putInt32(recordsLength);
        }
        if (recordsLength > 0)
        {
            recordsBytes += recordsLength;
        }
        return position;
    }

    /**
     * Complete the frame: close the last partition and topic, write the length prefix.
     *
     * @return bytes written into the buffer from the frame's offset; the frame is these bytes with
     * each partition's records inserted at the offset {@link #partition} returned for it.
     */
    public int finish()
    {
        endTopic();
        if (topicsToWrite != 0)
        {
            throw new IllegalStateException("fewer topics than declared: " + topicsToWrite + " missing");
        }
        if (flexible)
        {
            putUnsignedVarint(0);
        }
        final long frameLength = (position - offset - LENGTH_PREFIX_BYTES) + recordsBytes;
        if (frameLength > Integer.MAX_VALUE)
        {
            throw new IllegalStateException("frame too large: " + frameLength);
        }
        buffer.putInt(offset, (int)frameLength, ORDER);
        return position - offset;
    }

    /**
     * @return bytes of records declared so far, which the caller must splice in.
     */
    public long recordsBytes()
    {
        return recordsBytes;
    }

    /**
     * @return current write position in the buffer.
     */
    public int position()
    {
        return position;
    }

    private void beginTopic(final boolean byId)
    {
        if (byId != (version >= FIRST_TOPIC_ID_VERSION))
        {
            throw new IllegalArgumentException(
                "Fetch v" + version + " names topics by " + (byId ? "name" : "topic id"));
        }
        endTopic();
        if (topicsToWrite <= 0)
        {
            throw new IllegalStateException("more topics than declared");
        }
        topicsToWrite--;
        topicOpen = true;
        partitionCountDue = true;
    }

    private void endTopic()
    {
        if (topicOpen)
        {
            endPartition();
            if (partitionCountDue || partitionsToWrite != 0)
            {
                throw new IllegalStateException("fewer partitions than declared: " + partitionsToWrite + " missing");
            }
            if (flexible)
            {
                putUnsignedVarint(0);
            }
            topicOpen = false;
        }
    }

    private void endPartition()
    {
        if (partitionOpen)
        {
            if (flexible)
            {
                putUnsignedVarint(0);
            }
            partitionOpen = false;
        }
    }

    private void putStringLength(final int length)
    {
        if (flexible)
        {
            putUnsignedVarint(length + 1);
        }
        else
        {
            putInt16((short)length);
        }
    }

    private void putArrayLength(final int count)
    {
        if (count < 0)
        {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        putNullableArrayLength(count);
    }

    private void putNullableArrayLength(final int count)
    {
        if (flexible)
        {
            putUnsignedVarint(count + 1);
        }
        else
        {
            putInt32(count);
        }
    }

    private void putInt16(final short value)
    {
        buffer.putShort(position, value, ORDER);
        position += 2;
    }

    private void putInt32(final int value)
    {
        buffer.putInt(position, value, ORDER);
        position += 4;
    }

    private void putInt64(final long value)
    {
        buffer.putLong(position, value, ORDER);
        position += 8;
    }

    private void putUnsignedVarint(final int value)
    {
        int v = value;
        while ((v & 0xFFFFFF80) != 0)
        {
            buffer.putByte(position++, (byte)((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buffer.putByte(position++, (byte)v);
    }
}
