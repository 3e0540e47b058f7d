package io.ringlog.transport.kafka.codec;

import io.ringlog.transport.kafka.TestRecords;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ProduceRequestDecoderTest
{
    private static final int OFFSET = 13;

    private final ProduceRequestDecoder decoder = new ProduceRequestDecoder();

    @Test
    void coversEveryVersionKafkaClientsSpeaks()
    {
        assertEquals(ApiKeys.PRODUCE.oldestVersion(), ProduceRequestDecoder.MIN_VERSION);
        assertEquals(ApiKeys.PRODUCE.latestVersion(true), ProduceRequestDecoder.MAX_VERSION);
    }

    @Test
    void readsEveryFieldAsTheGeneratedClassWritesIt()
    {
        for (short version = ProduceRequestDecoder.MIN_VERSION; version <= ProduceRequestDecoder.MAX_VERSION; version++)
        {
            for (final String transactionalId : new String[]{ null, "txn-é1" })
            {
                final ProduceRequestData data = request(version, transactionalId, (short)-1, 3);
                final UnsafeBuffer buffer = serialize(data, version);
                assertEquals(ProduceRequestDecoder.OK,
                    decoder.wrap(buffer, OFFSET, buffer.capacity() - OFFSET, version), "v" + version);
                assertMatches(data, version, buffer);
                decoder.rewind();
                assertMatches(data, version, buffer);
            }
        }
    }

    @Test
    void skipsUnknownTaggedFieldsInFlexibleVersions()
    {
        for (short version = ProduceRequestDecoder.FIRST_FLEXIBLE_VERSION;
            version <= ProduceRequestDecoder.MAX_VERSION; version++)
        {
            final ProduceRequestData data = request(version, "t", (short)1, 2);
            data.unknownTaggedFields().add(new RawTaggedField(7, new byte[]{ 1, 2, 3 }));
            for (final TopicProduceData topic : data.topicData())
            {
                topic.unknownTaggedFields().add(new RawTaggedField(3, new byte[200]));
                for (final PartitionProduceData partition : topic.partitionData())
                {
                    partition.unknownTaggedFields().add(new RawTaggedField(1, new byte[]{ 9 }));
                    partition.unknownTaggedFields().add(new RawTaggedField(2, new byte[0]));
                }
            }
            final UnsafeBuffer buffer = serialize(data, version);
            assertEquals(ProduceRequestDecoder.OK, decoder.wrap(buffer, OFFSET, buffer.capacity() - OFFSET, version));
            assertMatches(data, version, buffer);
        }
    }

    @Test
    void nextTopicSkipsPartitionsNotVisited()
    {
        final short version = 9;
        final ProduceRequestData data = request(version, null, (short)0, 3);
        final UnsafeBuffer buffer = serialize(data, version);
        assertEquals(ProduceRequestDecoder.OK, decoder.wrap(buffer, OFFSET, buffer.capacity() - OFFSET, version));
        final List<String> names = new ArrayList<>();
        while (decoder.nextTopic())
        {
            names.add(decoder.topicName());
            assertTrue(decoder.nextPartition());
        }
        assertEquals(List.of("topic-0", "topic-1", "topic-2"), names);
    }

    @Test
    void everyTruncationIsMalformedAndNeverThrows()
    {
        for (short version = ProduceRequestDecoder.MIN_VERSION; version <= ProduceRequestDecoder.MAX_VERSION; version++)
        {
            final UnsafeBuffer buffer = serialize(request(version, "tx", (short)1, 2), version);
            final int length = buffer.capacity() - OFFSET;
            for (int cut = 0; cut < length; cut++)
            {
                assertEquals(ProduceRequestDecoder.MALFORMED, decoder.wrap(buffer, OFFSET, cut, version),
                    "v" + version + " cut at " + cut);
                assertFalse(decoder.nextTopic());
            }
        }
    }

    @Test
    void refusesVersionsOutsideItsRange()
    {
        final UnsafeBuffer buffer = serialize(request((short)3, null, (short)1, 1), (short)3);
        assertEquals(ProduceRequestDecoder.UNSUPPORTED_VERSION, decoder.wrap(buffer, OFFSET, 10, (short)2));
        assertEquals(ProduceRequestDecoder.UNSUPPORTED_VERSION, decoder.wrap(buffer, OFFSET, 10, (short)14));
        assertFalse(decoder.nextTopic());
    }

    @Test
    void survivesGarbageAndHostileCounts()
    {
        final Random random = new Random(42);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        for (int i = 0; i < 20_000; i++)
        {
            random.nextBytes(buffer.byteArray());
            final short version = (short)(3 + random.nextInt(11));
            final int result = decoder.wrap(buffer, 0, random.nextInt(257), version);
            assertTrue(result == ProduceRequestDecoder.OK || result == ProduceRequestDecoder.MALFORMED);
        }

        // A topic count of 2^31 - 1 with nothing behind it is refused at once, not looped over.
        final UnsafeBuffer hostile = new UnsafeBuffer(new byte[12]);
        hostile.putShort(0, (short)-1, WireReader.ORDER);
        hostile.putShort(2, (short)1, WireReader.ORDER);
        hostile.putInt(4, 1000, WireReader.ORDER);
        hostile.putInt(8, Integer.MAX_VALUE, WireReader.ORDER);
        assertEquals(ProduceRequestDecoder.MALFORMED, decoder.wrap(hostile, 0, 12, (short)3));
    }

    private void assertMatches(final ProduceRequestData data, final short version, final UnsafeBuffer buffer)
    {
        final String at = "v" + version;
        assertEquals(data.acks(), decoder.acks(), at);
        assertEquals(data.timeoutMs(), decoder.timeoutMs(), at);
        assertEquals(data.transactionalId(), decoder.transactionalId(), at);
        if (null == data.transactionalId())
        {
            assertEquals(-1, decoder.transactionalIdLength(), at);
        }
        assertEquals(data.topicData().size(), decoder.topicCount(), at);
        for (final TopicProduceData topic : data.topicData())
        {
            assertTrue(decoder.nextTopic(), at);
            if (version >= ProduceRequestDecoder.FIRST_TOPIC_ID_VERSION)
            {
                assertTrue(decoder.hasTopicId());
                assertEquals(topic.topicId(),
                    new Uuid(decoder.topicIdMostSignificantBits(), decoder.topicIdLeastSignificantBits()), at);
                assertEquals(0, decoder.topicNameLength());
            }
            else
            {
                assertFalse(decoder.hasTopicId());
                assertEquals(topic.name(), decoder.topicName(), at);
            }
            assertEquals(topic.partitionData().size(), decoder.partitionCount(), at);
            for (final PartitionProduceData partition : topic.partitionData())
            {
                assertTrue(decoder.nextPartition(), at);
                assertEquals(partition.index(), decoder.partitionIndex(), at);
                if (null == partition.records())
                {
                    assertEquals(-1, decoder.recordsLength(), at);
                }
                else
                {
                    final byte[] expected = TestRecords.bytes(((MemoryRecords)partition.records()).buffer());
                    final byte[] actual = new byte[decoder.recordsLength()];
                    buffer.getBytes(decoder.recordsOffset(), actual);
                    assertArrayEquals(expected, actual, at);
                    assertTrue(decoder.buffer() == buffer, "records are read in place, not copied");
                }
            }
            assertFalse(decoder.nextPartition(), at);
        }
        assertFalse(decoder.nextTopic(), at);
    }

    static ProduceRequestData request(
        final short version, final String transactionalId, final short acks, final int topicCount)
    {
        final TopicProduceDataCollection topics = new TopicProduceDataCollection();
        IntStream.range(0, topicCount).forEach(t ->
        {
            final TopicProduceData topic = new TopicProduceData();
            if (version >= ProduceRequestDecoder.FIRST_TOPIC_ID_VERSION)
            {
                topic.setTopicId(new Uuid(0x1234_5678_9abc_def0L + t, -t - 1L));
            }
            else
            {
                topic.setName("topic-" + t);
            }
            final List<PartitionProduceData> partitions = new ArrayList<>();
            for (int p = 0; p <= t; p++)
            {
                final MemoryRecords records = p == 1 ? null : TestRecords.batch(0, 1 + p + t, "v" + t + "-" + p);
                partitions.add(new PartitionProduceData().setIndex(p * 7 + t).setRecords(records));
            }
            topic.setPartitionData(partitions);
            topics.add(topic);
        });
        return new ProduceRequestData()
            .setTransactionalId(transactionalId)
            .setAcks(acks)
            .setTimeoutMs(30_000 + version)
            .setTopicData(topics);
    }

    private static UnsafeBuffer serialize(final ProduceRequestData data, final short version)
    {
        final ByteBuffer body = MessageUtil.toByteBufferAccessor(data, version).buffer();
        final byte[] bytes = new byte[OFFSET + body.remaining()];
        body.duplicate().get(bytes, OFFSET, body.remaining());
        return new UnsafeBuffer(bytes);
    }

    @Test
    void readsNullTransactionalIdAsNull()
    {
        final ProduceRequestData data = request((short)11, null, (short)1, 1);
        final UnsafeBuffer buffer = serialize(data, (short)11);
        assertEquals(ProduceRequestDecoder.OK, decoder.wrap(buffer, OFFSET, buffer.capacity() - OFFSET, (short)11));
        assertNull(decoder.transactionalId());
    }
}
