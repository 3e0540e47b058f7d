package io.ringlog.replication.metadata;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.codec.CodecException;
import io.ringlog.replication.metadata.MetadataRecord.ClusterIdRecord;
import io.ringlog.replication.metadata.MetadataRecord.ConfigRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionRecord;
import io.ringlog.replication.metadata.MetadataRecord.RegisterBrokerRecord;
import io.ringlog.replication.metadata.MetadataRecord.TopicRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole image as bytes, as KRaft writes snapshots: a header with the stamp and the counters, then the records that
 * rebuild the image from empty (the cluster id, each broker, each topic with its configs and partitions in full). Loading replays
 * them, so a snapshot and the log share one decoder.
 * <pre>
 *   int magic 'RLMS' | short version | long position | long controllerEpoch | long nextProducerId |
 *   long highestBrokerEpoch | records (see {@link RecordCodec})
 * </pre>
 * Stateless and thread-safe.
 */
public final class MetadataSnapshot
{
    public static final int MAGIC = 0x534D4C52; // "RLMS" read little-endian
    public static final short VERSION = 0;

    private MetadataSnapshot()
    {
    }

    public static byte[] write(final MetadataImage image)
    {
        final BufferWriter w = new BufferWriter(1024);
        write(image, w);
        return w.toByteArray();
    }

    public static void write(final MetadataImage image, final BufferWriter w)
    {
        w.putInt(MAGIC).putShort(VERSION).putLong(image.position()).putLong(image.controllerEpoch())
            .putLong(image.nextProducerId()).putLong(image.highestBrokerEpoch());
        RecordCodec.encode(records(image), w);
    }

    /** The records that rebuild {@code image} from {@link MetadataImage#EMPTY}. */
    public static List<MetadataRecord> records(final MetadataImage image)
    {
        final List<MetadataRecord> records = new ArrayList<>();
        if (null != image.clusterId())
        {
            records.add(new ClusterIdRecord(image.clusterId()));
        }
        for (final BrokerRegistration b : image.brokers().values())
        {
            records.add(new RegisterBrokerRecord(
                b.brokerId(), b.incarnationId(), b.brokerEpoch(), b.endpoints(), b.rack(), b.fenced()));
        }
        for (final TopicImage t : image.topics())
        {
            records.add(new TopicRecord(t.name(), t.id()));
            for (final Map.Entry<String, String> c : t.configs().entrySet())
            {
                records.add(new ConfigRecord(ConfigRecord.TOPIC, t.name(), c.getKey(), c.getValue()));
            }
            for (final PartitionRegistration p : t.partitions())
            {
                records.add(new PartitionRecord(p.topicId(), p.partition(), p.replicas(), p.isr(), p.leader(),
                    p.leaderEpoch(), p.partitionEpoch()));
            }
        }
        return records;
    }

    public static MetadataImage load(final byte[] bytes)
    {
        return load(new BufferReader(bytes));
    }

    public static MetadataImage load(final BufferReader r)
    {
        final int magic = r.getInt();
        if (MAGIC != magic)
        {
            throw new CodecException("not a metadata snapshot: magic " + Integer.toHexString(magic));
        }
        r.getShort();
        final long position = r.getLong();
        final long controllerEpoch = r.getLong();
        final long nextProducerId = r.getLong();
        final long highestBrokerEpoch = r.getLong();
        return new MetadataDelta(MetadataImage.EMPTY)
            .replay(RecordCodec.decodeList(r))
            .counters(nextProducerId, highestBrokerEpoch)
            .apply(position, controllerEpoch);
    }
}
