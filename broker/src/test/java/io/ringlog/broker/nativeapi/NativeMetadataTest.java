package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metadata: topic id, leaders, epochs, the journal directory, and the per-partition counters a same-host reader
 * uses, read the way it reads them (CountersReader on the driver's shared memory): type, key, label, and values
 * that equal what Kafka clients see.
 */
@Timeout(60)
class NativeMetadataTest
{
    @TempDir
    Path dir;

    record PartitionInfo(int partition, int leader, int epoch, int hwCounter, int baseCounter, String logDir)
    {
    }

    @Test
    void metadataNamesCountersAndTheJournalDirectory() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir, "num.partitions=2", "node.id=5",
            "log.segment.bytes=1048576");
            NativeTestClient client = broker.client();
            KafkaProducer<String, String> producer = broker.producer("batch.size", 4096, "linger.ms", 5);
            KafkaConsumer<String, String> consumer = broker.consumer();
            Admin admin = broker.admin())
        {
            client.connect();
            final MetadataResponseDecoder m = client.metadata("orders"); // auto-created, as Kafka's Metadata would
            assertEquals(NativeErrors.NONE, m.errorCode());
            final long msb = m.topicIdMsb();
            final long lsb = m.topicIdLsb();
            final List<PartitionInfo> partitions = new ArrayList<>();
            for (final MetadataResponseDecoder.PartitionsDecoder p : m.partitions())
            {
                partitions.add(new PartitionInfo(p.partition(), p.leaderId(), p.leaderEpoch(), p.highWatermarkCounterId(),
                    p.segmentBaseCounterId(), p.logDir()));
            }
            assertEquals("orders", m.topic());
            assertEquals(2, partitions.size());
            final org.apache.kafka.common.Uuid kafkaId = admin.describeTopics(List.of("orders")).allTopicNames().get()
                .get("orders").topicId();
            assertEquals(kafkaId.getMostSignificantBits(), msb, "the topic id Kafka clients see");
            assertEquals(kafkaId.getLeastSignificantBits(), lsb);

            final CountersReader counters = client.aeron.countersReader();
            for (final PartitionInfo p : partitions)
            {
                assertEquals(5, p.leader());
                assertTrue(p.epoch() >= 0);
                final Path logDir = Path.of(p.logDir());
                assertTrue(logDir.isAbsolute() && Files.isDirectory(logDir), p.logDir());
                assertEquals("orders-" + p.partition(), logDir.getFileName().toString());
                assertTrue(Files.exists(logDir.resolve("00000000000000000000.log")));
                assertNotEquals(p.hwCounter(), p.baseCounter());
                assertCounter(counters, p.hwCounter(), NativeProtocol.HIGH_WATERMARK_COUNTER_TYPE_ID, msb, lsb,
                    p.partition(), "ringlog hw: orders-" + p.partition());
                assertCounter(counters, p.baseCounter(), NativeProtocol.SEGMENT_BASE_COUNTER_TYPE_ID, msb, lsb,
                    p.partition(), "ringlog segment base: orders-" + p.partition());
                assertEquals(0, counters.getCounterValue(p.hwCounter()));
                assertEquals(0, counters.getCounterValue(p.baseCounter()));
            }

            // The high watermark counter is the high watermark Kafka clients see, across rolls too.
            final String pad = "z".repeat(700);
            for (int i = 0; i < 3_000; i++)
            {
                producer.send(new ProducerRecord<>("orders", 1, null, i + pad));
            }
            producer.flush();
            final TopicPartition tp = new TopicPartition("orders", 1);
            final long kafkaHighWatermark = consumer.endOffsets(List.of(tp)).get(tp);
            assertEquals(3_000, kafkaHighWatermark);
            final PartitionInfo p1 = partitions.get(1);
            assertEquals(kafkaHighWatermark, counters.getCounterValue(p1.hwCounter()));
            final var log = broker.broker.partitions().partition("orders", 1).log();
            assertTrue(log.segmentBaseOffsets().length > 1, "the log rolled");
            assertEquals(log.activeSegmentBaseOffset(), counters.getCounterValue(p1.baseCounter()));
            assertTrue(counters.getCounterValue(p1.baseCounter()) > 0);
            assertEquals(0, counters.getCounterValue(partitions.get(0).hwCounter()), "partition 0 untouched");

            // Names Kafka would not auto-create are answered as Kafka answers them.
            assertEquals(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION, client.metadata("__internal").errorCode());
            assertEquals(17, client.metadata("not a name!").errorCode(), "INVALID_TOPIC_EXCEPTION");

            // Deleting the topic frees its counters.
            assertEquals(4 + 4, broker.broker.nativeService().partitionCounters().size(), "orders and __consumer_offsets");
            admin.deleteTopics(List.of("orders")).all().get();
            NativeTestClient.awaitCondition("the counters are freed", () ->
                counters.getCounterState(p1.hwCounter()) != CountersReader.RECORD_ALLOCATED &&
                counters.getCounterState(p1.baseCounter()) != CountersReader.RECORD_ALLOCATED);
            assertEquals(4, broker.broker.nativeService().partitionCounters().size());
        }
    }

    private static void assertCounter(final CountersReader counters, final int id, final int typeId, final long msb,
        final long lsb, final int partition, final String label)
    {
        assertEquals(CountersReader.RECORD_ALLOCATED, counters.getCounterState(id));
        assertEquals(typeId, counters.getCounterTypeId(id));
        assertEquals(label, counters.getCounterLabel(id));
        final DirectBuffer meta = counters.metaDataBuffer();
        final int key = CountersReader.metaDataOffset(id) + CountersReader.KEY_OFFSET;
        assertEquals(msb, meta.getLong(key, ByteOrder.LITTLE_ENDIAN));
        assertEquals(lsb, meta.getLong(key + 8, ByteOrder.LITTLE_ENDIAN));
        assertEquals(partition, meta.getInt(key + 16, ByteOrder.LITTLE_ENDIAN));
    }
}
