package io.ringlog.broker.kafka.group;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The records the coordinator keeps in {@code __consumer_offsets}: Ringlog's own formats (not Kafka's), versioned,
 * big-endian, strings as int16 length + UTF-8 (length -1: null), byte arrays as int32 length + bytes (-1: null).
 * <pre>
 * key                                   value (null value: a tombstone, the entry is deleted)
 * int16 type = 1 (offset commit)        int16 version = 0
 * int16 version = 0                     int64 offset
 * string group                          int32 leader epoch (-1: none)
 * string topic                          nullable string metadata
 * int32 partition                       int64 commit timestamp (ms)
 *
 * int16 type = 2 (group metadata)       int16 version = 0
 * int16 version = 0                     nullable string protocol type
 * string group                          int32 generation
 *                                       nullable string protocol (the one selected)
 *                                       nullable string leader member id
 *                                       int64 state timestamp (ms: when the group entered this state)
 *                                       int32 member count, then per member:
 *                                         string member id, nullable string group instance id, string client id,
 *                                         string client host, int32 rebalance timeout ms, int32 session timeout ms,
 *                                         bytes subscription (the selected protocol's metadata), bytes assignment
 * </pre>
 * Rules for growing them: a new key type gets a new type number; a new value version only appends fields, so a
 * reader of version n reads the fields it knows from any version at or above n and ignores the rest. A key of an
 * unknown type or a higher key version is skipped on replay (and counted). Records are written in uncompressed
 * batches (magic 2, CreateTime, no producer id): one batch per request or timer action, so a request's records are
 * appended all or nothing.
 * <p>
 * Stateless; any thread.
 */
final class GroupRecords
{
    static final short OFFSET_COMMIT_KEY = 1;
    static final short GROUP_METADATA_KEY = 2;
    static final short KEY_VERSION = 0;
    static final short VALUE_VERSION = 0;

    private GroupRecords()
    {
    }

    /** A key read back: {@code type} tells which of the other fields are set. */
    record Key(short type, String group, String topic, int partition)
    {
    }

    /** A member as the group metadata record keeps it. */
    record StoredMember(String memberId, String groupInstanceId, String clientId, String clientHost,
        int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment)
    {
    }

    /** A group metadata value read back. */
    record StoredGroup(String protocolType, int generation, String protocol, String leader, long stateTimestampMs,
        List<StoredMember> members)
    {
    }

    static byte[] offsetKey(final String group, final String topic, final int partition)
    {
        final byte[] g = utf8(group);
        final byte[] t = utf8(topic);
        final ByteBuffer b = ByteBuffer.allocate(4 + 2 + g.length + 2 + t.length + 4);
        b.putShort(OFFSET_COMMIT_KEY).putShort(KEY_VERSION);
        putString(b, g);
        putString(b, t);
        b.putInt(partition);
        return b.array();
    }

    static byte[] groupKey(final String group)
    {
        final byte[] g = utf8(group);
        final ByteBuffer b = ByteBuffer.allocate(4 + 2 + g.length);
        b.putShort(GROUP_METADATA_KEY).putShort(KEY_VERSION);
        putString(b, g);
        return b.array();
    }

    static byte[] offsetValue(final CommittedOffset offset)
    {
        final byte[] metadata = offset.metadata() == null ? null : utf8(offset.metadata());
        final ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + 2 + (metadata == null ? 0 : metadata.length) + 8);
        b.putShort(VALUE_VERSION).putLong(offset.offset()).putInt(offset.leaderEpoch());
        putString(b, metadata);
        b.putLong(offset.commitTimestampMs());
        return b.array();
    }

    static byte[] groupValue(final StoredGroup group)
    {
        final List<byte[][]> members = new ArrayList<>(group.members().size());
        int size = 2 + stringSize(group.protocolType()) + 4 + stringSize(group.protocol()) + stringSize(group.leader()) +
            8 + 4;
        for (final StoredMember m : group.members())
        {
            final byte[][] fields = {utf8(m.memberId()), m.groupInstanceId() == null ? null : utf8(m.groupInstanceId()),
                utf8(m.clientId()), utf8(m.clientHost())};
            members.add(fields);
            size += 2 + fields[0].length + 2 + (fields[1] == null ? 0 : fields[1].length) + 2 + fields[2].length + 2 +
                fields[3].length + 4 + 4 + 4 + length(m.subscription()) + 4 + length(m.assignment());
        }
        final ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort(VALUE_VERSION);
        putString(b, group.protocolType() == null ? null : utf8(group.protocolType()));
        b.putInt(group.generation());
        putString(b, group.protocol() == null ? null : utf8(group.protocol()));
        putString(b, group.leader() == null ? null : utf8(group.leader()));
        b.putLong(group.stateTimestampMs());
        b.putInt(group.members().size());
        for (int i = 0; i < members.size(); i++)
        {
            final byte[][] fields = members.get(i);
            final StoredMember m = group.members().get(i);
            putString(b, fields[0]);
            putString(b, fields[1]);
            putString(b, fields[2]);
            putString(b, fields[3]);
            b.putInt(m.rebalanceTimeoutMs()).putInt(m.sessionTimeoutMs());
            putBytes(b, m.subscription());
            putBytes(b, m.assignment());
        }
        return b.array();
    }

    /**
     * @return the key, or null when its type or version is unknown to this broker.
     * @throws IllegalArgumentException when it is truncated or malformed.
     */
    static Key readKey(final ByteBuffer key)
    {
        try
        {
            final short type = key.getShort();
            final short version = key.getShort();
            if (version > KEY_VERSION)
            {
                return null;
            }
            return switch (type)
            {
                case OFFSET_COMMIT_KEY -> new Key(type, getString(key), getString(key), key.getInt());
                case GROUP_METADATA_KEY -> new Key(type, getString(key), null, -1);
                default -> null;
            };
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("truncated key", ex);
        }
    }

    static CommittedOffset readOffsetValue(final ByteBuffer value)
    {
        try
        {
            value.getShort(); // every version starts with version 0's fields
            return new CommittedOffset(value.getLong(), value.getInt(), getString(value), value.getLong());
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("truncated offset value", ex);
        }
    }

    static StoredGroup readGroupValue(final ByteBuffer value)
    {
        try
        {
            value.getShort();
            final String protocolType = getString(value);
            final int generation = value.getInt();
            final String protocol = getString(value);
            final String leader = getString(value);
            final long stateTimestamp = value.getLong();
            final int count = value.getInt();
            if (count < 0 || count > value.remaining())
            {
                throw new IllegalArgumentException("bad member count " + count);
            }
            final List<StoredMember> members = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                members.add(new StoredMember(getString(value), getString(value), getString(value), getString(value),
                    value.getInt(), value.getInt(), getBytes(value), getBytes(value)));
            }
            return new StoredGroup(protocolType, generation, protocol, leader, stateTimestamp, members);
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("truncated group value", ex);
        }
    }

    /** One uncompressed batch of {@code (key, value)} pairs, value null for a tombstone. */
    static MemoryRecords batch(final long timestampMs, final List<byte[][]> keyValues)
    {
        final SimpleRecord[] records = new SimpleRecord[keyValues.size()];
        for (int i = 0; i < records.length; i++)
        {
            records[i] = new SimpleRecord(timestampMs, keyValues.get(i)[0], keyValues.get(i)[1]);
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int stringSize(final String s)
    {
        return 2 + (s == null ? 0 : utf8(s).length);
    }

    private static int length(final byte[] bytes)
    {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putString(final ByteBuffer b, final byte[] utf8)
    {
        if (utf8 == null)
        {
            b.putShort((short)-1);
            return;
        }
        if (utf8.length > Short.MAX_VALUE)
        {
            throw new IllegalArgumentException("string of " + utf8.length + " bytes is too long to store");
        }
        b.putShort((short)utf8.length).put(utf8);
    }

    private static void putBytes(final ByteBuffer b, final byte[] bytes)
    {
        if (bytes == null)
        {
            b.putInt(-1);
            return;
        }
        b.putInt(bytes.length).put(bytes);
    }

    private static String getString(final ByteBuffer b)
    {
        final short length = b.getShort();
        if (length < 0)
        {
            return null;
        }
        final byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] getBytes(final ByteBuffer b)
    {
        final int length = b.getInt();
        if (length < 0)
        {
            return null;
        }
        if (length > b.remaining())
        {
            throw new IllegalArgumentException("bad length " + length);
        }
        final byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }
}
