package io.ringlog.client.consumer;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka's "consumer" embedded protocol, the bytes a group's members exchange through JoinGroup (subscriptions) and
 * SyncGroup (assignments), written by hand so that the native client needs no kafka-clients. Native and Kafka
 * members can then share a group: the test proves the bytes equal kafka-clients' {@code ConsumerProtocol} both ways.
 * <p>
 * Layout (big-endian; a string is an int16 length and UTF-8 bytes; an array an int32 count; bytes an int32 length,
 * -1 for null), every message prefixed with its int16 version:
 * <pre>
 *   Subscription v0: topics [string], userData bytes
 *   Subscription v1: v0 + ownedPartitions [topic string, partitions [int32]]
 *   (v2 adds generationId int32, v3 rackId nullable string: read as v1, the rest ignored)
 *   Assignment v0 = v1 (= v2 = v3): assignedPartitions [topic string, partitions [int32]], userData bytes
 * </pre>
 * Written: subscription v1 and assignment v1 (what this client's range assignor needs; a newer reader accepts
 * older versions). As Kafka does, a subscription's topics are written sorted, and its owned partitions sorted by
 * topic then partition, so equal subscriptions give equal bytes. Read: any version, as Kafka reads a newer version
 * than it knows by its known prefix.
 * <p>
 * Cold path (a rebalance): allocates. Stateless and thread-safe.
 */
public final class ConsumerProtocol
{
    public static final short SUBSCRIPTION_VERSION = 1;
    public static final short ASSIGNMENT_VERSION = 1;
    /** The protocol name of the range assignor, Kafka's "range". */
    public static final String RANGE_ASSIGNOR = "range";

    private ConsumerProtocol()
    {
    }

    /** A member's subscription: its topics and the partitions it owned before this rebalance. */
    public record Subscription(List<String> topics, Map<String, List<Integer>> ownedPartitions, byte[] userData)
    {
        public Subscription
        {
            topics = List.copyOf(topics);
            ownedPartitions = Collections.unmodifiableMap(new LinkedHashMap<>(ownedPartitions));
        }

        public Subscription(final List<String> topics)
        {
            this(topics, Map.of(), null);
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Subscription s && topics.equals(s.topics) && ownedPartitions.equals(s.ownedPartitions) &&
                Arrays.equals(userData, s.userData);
        }

        @Override
        public int hashCode()
        {
            return topics.hashCode() * 31 + ownedPartitions.hashCode();
        }
    }

    /** A member's assignment: partitions by topic, in order. */
    public record Assignment(Map<String, List<Integer>> partitions, byte[] userData)
    {
        public Assignment
        {
            partitions = Collections.unmodifiableMap(new LinkedHashMap<>(partitions));
        }

        public Assignment(final Map<String, List<Integer>> partitions)
        {
            this(partitions, null);
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Assignment a && partitions.equals(a.partitions) && Arrays.equals(userData, a.userData);
        }

        @Override
        public int hashCode()
        {
            return partitions.hashCode();
        }
    }

    public static byte[] serializeSubscription(final Subscription subscription, final short version)
    {
        if (version < 0 || version > 1)
        {
            throw new IllegalArgumentException("subscription version " + version + " not written (0 or 1)");
        }
        final Writer w = new Writer();
        w.int16(version);
        final List<String> topics = new ArrayList<>(subscription.topics());
        Collections.sort(topics);
        w.int32(topics.size());
        for (final String topic : topics)
        {
            w.string(topic);
        }
        w.bytes(subscription.userData());
        if (version >= 1)
        {
            final Map<String, List<Integer>> owned = new java.util.TreeMap<>();
            subscription.ownedPartitions().forEach((t, p) ->
                owned.computeIfAbsent(t, k -> new ArrayList<>()).addAll(p));
            owned.values().forEach(p -> p.sort(Integer::compare));
            w.topicPartitions(owned);
        }
        return w.toArray();
    }

    public static byte[] serializeAssignment(final Assignment assignment, final short version)
    {
        if (version < 0 || version > 1)
        {
            throw new IllegalArgumentException("assignment version " + version + " not written (0 or 1)");
        }
        final Writer w = new Writer();
        w.int16(version);
        w.topicPartitions(assignment.partitions());
        w.bytes(assignment.userData());
        return w.toArray();
    }

    /** @throws IllegalArgumentException when the bytes are not a subscription. */
    public static Subscription deserializeSubscription(final ByteBuffer bytes)
    {
        try
        {
            final ByteBuffer b = bytes.duplicate();
            final short version = b.getShort();
            if (version < 0)
            {
                throw new IllegalArgumentException("negative subscription version " + version);
            }
            final int count = arrayCount(b);
            final List<String> topics = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                topics.add(readString(b));
            }
            final byte[] userData = readBytes(b);
            final Map<String, List<Integer>> owned = version >= 1 ? readTopicPartitions(b) : Map.of();
            return new Subscription(topics, owned, userData);
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("subscription cut short", ex);
        }
    }

    /** @throws IllegalArgumentException when the bytes are not an assignment. */
    public static Assignment deserializeAssignment(final ByteBuffer bytes)
    {
        try
        {
            final ByteBuffer b = bytes.duplicate();
            final short version = b.getShort();
            if (version < 0)
            {
                throw new IllegalArgumentException("negative assignment version " + version);
            }
            final Map<String, List<Integer>> partitions = readTopicPartitions(b);
            final byte[] userData = readBytes(b);
            return new Assignment(partitions, userData);
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("assignment cut short", ex);
        }
    }

    private static int arrayCount(final ByteBuffer b)
    {
        final int count = b.getInt();
        if (count < 0 || count > b.remaining())
        {
            throw new IllegalArgumentException("bad array length " + count);
        }
        return count;
    }

    private static String readString(final ByteBuffer b)
    {
        final int length = b.getShort();
        if (length < 0 || length > b.remaining())
        {
            throw new IllegalArgumentException("bad string length " + length);
        }
        final byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(final ByteBuffer b)
    {
        final int length = b.getInt();
        if (length == -1)
        {
            return null;
        }
        if (length < 0 || length > b.remaining())
        {
            throw new IllegalArgumentException("bad bytes length " + length);
        }
        final byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }

    private static Map<String, List<Integer>> readTopicPartitions(final ByteBuffer b)
    {
        final int topics = arrayCount(b);
        final Map<String, List<Integer>> result = new LinkedHashMap<>();
        for (int t = 0; t < topics; t++)
        {
            final String topic = readString(b);
            final int count = arrayCount(b);
            final List<Integer> partitions = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                partitions.add(b.getInt());
            }
            result.computeIfAbsent(topic, k -> new ArrayList<>()).addAll(partitions);
        }
        return result;
    }

    private static final class Writer
    {
        private ByteBuffer buffer = ByteBuffer.allocate(256);

        private void ensure(final int more)
        {
            if (buffer.remaining() < more)
            {
                final ByteBuffer grown = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more));
                buffer.flip();
                grown.put(buffer);
                buffer = grown;
            }
        }

        void int16(final short v)
        {
            ensure(2);
            buffer.putShort(v);
        }

        void int32(final int v)
        {
            ensure(4);
            buffer.putInt(v);
        }

        void string(final String s)
        {
            final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > Short.MAX_VALUE)
            {
                throw new IllegalArgumentException("string longer than 32767 bytes");
            }
            ensure(2 + bytes.length);
            buffer.putShort((short)bytes.length);
            buffer.put(bytes);
        }

        void bytes(final byte[] bytes)
        {
            if (null == bytes)
            {
                int32(-1);
                return;
            }
            ensure(4 + bytes.length);
            buffer.putInt(bytes.length);
            buffer.put(bytes);
        }

        void topicPartitions(final Map<String, List<Integer>> partitions)
        {
            int32(partitions.size());
            for (final Map.Entry<String, List<Integer>> e : partitions.entrySet())
            {
                string(e.getKey());
                int32(e.getValue().size());
                for (final int p : e.getValue())
                {
                    int32(p);
                }
            }
        }

        byte[] toArray()
        {
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }
}
