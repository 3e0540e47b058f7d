package io.ringlog.replication.metadata;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.codec.CodecException;
import io.ringlog.replication.metadata.MetadataRecord.BrokerRegistrationChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.ConfigRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionRecord;
import io.ringlog.replication.metadata.MetadataRecord.ProducerIdsRecord;
import io.ringlog.replication.metadata.MetadataRecord.RegisterBrokerRecord;
import io.ringlog.replication.metadata.MetadataRecord.RemoveTopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.TopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.UnregisterBrokerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class MetadataCodecTest
{
    private static final UUID TOPIC = new UUID(7, 8);

    static final List<MetadataRecord> EVERY_KIND = List.of(
        new RegisterBrokerRecord(1, new UUID(1, 2), 3, List.of(new Endpoint("PLAINTEXT", "h", 9092, "PLAINTEXT"),
            new Endpoint("SSL", "h", 9093, "SSL")), "rack-a", false),
        new RegisterBrokerRecord(2, new UUID(1, 3), 4, List.of(new Endpoint("PLAINTEXT", "h2", 9092, "PLAINTEXT")),
            null, false),
        new BrokerRegistrationChangeRecord(2, 4, true),
        new TopicRecord("t", TOPIC),
        new ConfigRecord(ConfigRecord.TOPIC, "t", "retention.ms", "1000"),
        new PartitionRecord(TOPIC, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0),
        new PartitionRecord(TOPIC, 1, List.of(2, 1), List.of(2, 1), 2, 0, 0),
        new PartitionChangeRecord(TOPIC, 1, 1, List.of(1)),
        new PartitionChangeRecord(TOPIC, 0, MetadataRecord.NO_CHANGE, List.of(1)),
        new ConfigRecord(ConfigRecord.TOPIC, "t", "retention.ms", null),
        new ProducerIdsRecord(1, 3, 2000),
        new TopicRecord("gone", new UUID(9, 9)),
        new RemoveTopicRecord(new UUID(9, 9)),
        new RegisterBrokerRecord(3, new UUID(1, 4), 5, List.of(new Endpoint("PLAINTEXT", "h3", 1, "PLAINTEXT")),
            null, false),
        new UnregisterBrokerRecord(3, 5));

    @Test
    void everyRecordRoundTrips()
    {
        final BufferWriter w = new BufferWriter();
        RecordCodec.encode(EVERY_KIND, w);
        assertEquals(EVERY_KIND, RecordCodec.decodeList(new BufferReader(w.buffer(), 0, w.position())));
    }

    @Test
    void replayBuildsTheImage()
    {
        final MetadataImage image = new MetadataDelta(MetadataImage.EMPTY).replay(EVERY_KIND).apply(640, 3);
        assertEquals(640, image.position());
        assertEquals(3, image.controllerEpoch());
        assertEquals(List.of(2), image.fencedBrokers());
        assertEquals(1, image.liveBrokers().size());
        assertNull(image.broker(3));
        assertEquals(5, image.highestBrokerEpoch());
        assertEquals(2000, image.nextProducerId());
        final TopicImage t = image.topic("t");
        assertEquals(t, image.topic(TOPIC));
        assertTrue(t.configs().isEmpty());
        assertNull(image.topic("gone"));
        final PartitionRegistration p1 = image.partition("t", 1);
        assertEquals(1, p1.leader());
        assertEquals(1, p1.leaderEpoch());
        assertEquals(1, p1.partitionEpoch());
        final PartitionRegistration p0 = image.partition(TOPIC, 0);
        assertEquals(0, p0.leaderEpoch(), "an ISR change keeps the leader epoch");
        assertEquals(1, p0.partitionEpoch());
        assertEquals(List.of(1), p0.isr());
        assertTrue(image.offlinePartitions().isEmpty());
    }

    @Test
    void snapshotRoundTripsAndReplaysTheRest()
    {
        final MetadataImage half = new MetadataDelta(MetadataImage.EMPTY).replay(EVERY_KIND.subList(0, 8)).apply(10, 1);
        final MetadataImage loaded = MetadataSnapshot.load(MetadataSnapshot.write(half));
        assertEquals(half, loaded);
        final MetadataImage full = new MetadataDelta(MetadataImage.EMPTY).replay(EVERY_KIND).apply(20, 2);
        assertEquals(full, new MetadataDelta(loaded).replay(EVERY_KIND.subList(8, EVERY_KIND.size())).apply(20, 2));
    }

    @Test
    void readerSkipsFieldsAppendedByANewerWriter()
    {
        final BufferWriter w = new BufferWriter();
        RecordCodec.encode(new RemoveTopicRecord(TOPIC), w);
        w.putLong(42); // a field a later version appends to the body
        w.putIntAt(4, w.position() - 8);
        RecordCodec.encode(new ProducerIdsRecord(1, 2, 3), w);
        final BufferReader r = new BufferReader(w.buffer(), 0, w.position());
        assertEquals(new RemoveTopicRecord(TOPIC), RecordCodec.decode(r));
        assertEquals(new ProducerIdsRecord(1, 2, 3), RecordCodec.decode(r));
    }

    @Test
    void corruptInputFailsCleanly()
    {
        final BufferWriter w = new BufferWriter();
        RecordCodec.encode(EVERY_KIND.get(0), w);
        final byte[] bytes = w.toByteArray();
        assertThrows(CodecException.class, () -> RecordCodec.decode(new BufferReader(new org.agrona.concurrent
            .UnsafeBuffer(bytes), 0, bytes.length - 3)));
        bytes[0] = 99;
        assertThrows(CodecException.class, () -> RecordCodec.decode(new BufferReader(bytes)));
        assertThrows(CodecException.class, () -> MetadataSnapshot.load(new byte[]{1, 2, 3, 4, 5, 6}));
    }

    @Test
    void replayRejectsRecordsThatDoNotFit()
    {
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(MetadataImage.EMPTY)
            .replay(new PartitionChangeRecord(TOPIC, 0, 1, null)));
        assertThrows(IllegalStateException.class, () -> new MetadataDelta(MetadataImage.EMPTY)
            .replay(new BrokerRegistrationChangeRecord(1, 1, true)));
    }
}
