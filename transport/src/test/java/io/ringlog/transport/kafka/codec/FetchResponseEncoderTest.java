package io.ringlog.transport.kafka.codec;

import io.ringlog.transport.kafka.TestRecords;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.agrona.ExpandableDirectByteBuffer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.AbortedTransaction;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class FetchResponseEncoderTest
{
    private static final int OFFSET = 5;

    private final FetchResponseEncoder encoder = new FetchResponseEncoder();

    @Test
    void coversEveryVersionKafkaClientsSpeaks()
    {
        assertEquals(ApiKeys.FETCH.oldestVersion(), FetchResponseEncoder.MIN_VERSION);
        assertEquals(ApiKeys.FETCH.latestVersion(true), FetchResponseEncoder.MAX_VERSION);
    }

    @Test
    void headerBytesWithRecordsSplicedInAreWhatTheGeneratedClassWrites()
    {
        for (short version = FetchResponseEncoder.MIN_VERSION; version <= FetchResponseEncoder.MAX_VERSION; version++)
        {
            for (int shape = 0; shape < 3; shape++)
            {
                final FetchResponseData data = response(version, shape);
                final int correlationId = 0x0102_0304 + version;
                final byte[] expected = TestRecords.bytes(KafkaMessages.serializeResponse(data, version, correlationId));
                final byte[] actual = encode(data, version, correlationId);
                assertArrayEquals(expected, actual, "Fetch v" + version + " shape " + shape);
                if (shape == 0)
                {
                    assertTrue(expected.length > 600, "six partitions of real batches: " + expected.length);
                }
            }
        }
    }

    @Test
    void emptyResponseMatches()
    {
        for (short version = FetchResponseEncoder.MIN_VERSION; version <= FetchResponseEncoder.MAX_VERSION; version++)
        {
            final FetchResponseData data = new FetchResponseData().setThrottleTimeMs(7);
            assertArrayEquals(
                TestRecords.bytes(KafkaMessages.serializeResponse(data, version, 99)),
                encode(data, version, 99), "v" + version);
        }
    }

    @Test
    void refusesMisuse()
    {
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(64);
        assertThrows(IllegalArgumentException.class,
            () -> encoder.wrap(buffer, 0, (short)3, 1, 0, (short)0, 0, 0));
        assertThrows(IllegalArgumentException.class,
            () -> encoder.wrap(buffer, 0, (short)6, 1, 0, (short)0, 5, 0));
        encoder.wrap(buffer, 0, (short)12, 1, 0, (short)0, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> encoder.topic(1L, 2L));
        encoder.topic("t");
        assertThrows(IllegalStateException.class, () -> encoder.partition(0, (short)0, 0, 0, 0, -1, -1));
        encoder.partitionCount(1);
        encoder.partition(0, (short)0, 0, 0, 0, -1, -1);
        assertThrows(IllegalStateException.class, () -> encoder.partition(1, (short)0, 0, 0, 0, -1, -1));
        encoder.wrap(buffer, 0, (short)12, 1, 0, (short)0, 0, 2);
        encoder.topic("t").partitionCount(0);
        assertThrows(IllegalStateException.class, encoder::finish);
    }

    /**
     * Encode with the flyweight, then splice the records in at the offsets it returned, as the
     * listener does with transferTo.
     */
    private byte[] encode(final FetchResponseData data, final short version, final int correlationId)
    {
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(16);
        final List<Integer> spliceAt = new ArrayList<>();
        final List<byte[]> splices = new ArrayList<>();
        encoder.wrap(buffer, OFFSET, version, correlationId, data.throttleTimeMs(), data.errorCode(),
            data.sessionId(), data.responses().size());
        for (final FetchableTopicResponse topic : data.responses())
        {
            if (version >= FetchResponseEncoder.FIRST_TOPIC_ID_VERSION)
            {
                encoder.topic(topic.topicId().getMostSignificantBits(), topic.topicId().getLeastSignificantBits());
            }
            else
            {
                encoder.topic(topic.topic());
            }
            encoder.partitionCount(topic.partitions().size());
            for (final PartitionData partition : topic.partitions())
            {
                final List<AbortedTransaction> aborted = partition.abortedTransactions();
                final int abortedCount = null == aborted ? -1 : aborted.size();
                final long[] producerIds = new long[Math.max(0, abortedCount)];
                final long[] firstOffsets = new long[Math.max(0, abortedCount)];
                for (int i = 0; i < abortedCount; i++)
                {
                    producerIds[i] = aborted.get(i).producerId();
                    firstOffsets[i] = aborted.get(i).firstOffset();
                }
                final MemoryRecords records = (MemoryRecords)partition.records();
                final int recordsLength = null == records ? -1 : records.sizeInBytes();
                final int at;
                if (abortedCount == -1)
                {
                    at = encoder.partition(partition.partitionIndex(), partition.errorCode(),
                        partition.highWatermark(), partition.lastStableOffset(), partition.logStartOffset(),
                        partition.preferredReadReplica(), recordsLength);
                }
                else
                {
                    at = encoder.partition(partition.partitionIndex(), partition.errorCode(),
                        partition.highWatermark(), partition.lastStableOffset(), partition.logStartOffset(),
                        producerIds, firstOffsets, abortedCount, partition.preferredReadReplica(), recordsLength);
                }
                if (recordsLength > 0)
                {
                    spliceAt.add(at);
                    splices.add(TestRecords.bytes(records.buffer()));
                }
            }
        }
        final int headerBytes = encoder.finish();

        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = OFFSET;
        for (int i = 0; i < splices.size(); i++)
        {
            out.write(bytes(buffer, from, spliceAt.get(i)), 0, spliceAt.get(i) - from);
            out.write(splices.get(i), 0, splices.get(i).length);
            from = spliceAt.get(i);
        }
        out.write(bytes(buffer, from, OFFSET + headerBytes), 0, OFFSET + headerBytes - from);
        return out.toByteArray();
    }

    private static byte[] bytes(final ExpandableDirectByteBuffer buffer, final int from, final int to)
    {
        final byte[] bytes = new byte[to - from];
        buffer.getBytes(from, bytes);
        return bytes;
    }

    /**
     * Shapes: 0, several topics with every kind of partition; 1, one partition with an error and
     * null records; 2, empty records and an empty aborted-transactions array.
     */
    static FetchResponseData response(final short version, final int shape)
    {
        final FetchResponseData data = new FetchResponseData().setThrottleTimeMs(shape * 100);
        if (version >= FetchResponseEncoder.FIRST_SESSION_VERSION)
        {
            data.setErrorCode((short)(shape == 1 ? 70 : 0)).setSessionId(shape == 0 ? 0 : 123_456 + shape);
        }
        final int topics = shape == 0 ? 3 : 1;
        for (int t = 0; t < topics; t++)
        {
            final FetchableTopicResponse topic = new FetchableTopicResponse();
            if (version >= FetchResponseEncoder.FIRST_TOPIC_ID_VERSION)
            {
                topic.setTopicId(new Uuid(0x7777_0000_0000_0001L * (t + 1), 0x1234_5678L + t));
            }
            else
            {
                topic.setTopic("orders-" + t + (t == 2 ? "-with.a_long-name" : ""));
            }
            final List<PartitionData> partitions = new ArrayList<>();
            final int partitionCount = shape == 0 ? t + 1 : 1;
            for (int p = 0; p < partitionCount; p++)
            {
                final PartitionData partition = new PartitionData()
                    .setPartitionIndex(p)
                    .setHighWatermark(1000L * (p + 1))
                    .setLastStableOffset(999L * (p + 1));
                if (version >= 5)
                {
                    partition.setLogStartOffset(10L * p);
                }
                if (version >= 11)
                {
                    partition.setPreferredReadReplica(p == 1 ? 2 : -1);
                }
                switch (shape)
                {
                    case 0:
                        partition.setRecords(TestRecords.batch(100L * p, 2 + p * 3, "t" + t + "p" + p));
                        if (p == 1)
                        {
                            final List<AbortedTransaction> aborted = new ArrayList<>();
                            aborted.add(new AbortedTransaction().setProducerId(77).setFirstOffset(5));
                            aborted.add(new AbortedTransaction().setProducerId(78).setFirstOffset(9));
                            partition.setAbortedTransactions(aborted);
                        }
                        break;
                    case 1:
                        partition.setErrorCode((short)6).setRecords(null);
                        break;
                    default:
                        partition.setRecords(MemoryRecords.EMPTY).setAbortedTransactions(new ArrayList<>());
                        break;
                }
                partitions.add(partition);
            }
            topic.setPartitions(partitions);
            data.responses().add(topic);
        }
        return data;
    }
}
