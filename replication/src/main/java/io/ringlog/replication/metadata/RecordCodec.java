package io.ringlog.replication.metadata;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.codec.CodecException;
import io.ringlog.replication.metadata.MetadataRecord.BrokerRegistrationChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.ClusterIdRecord;
import io.ringlog.replication.metadata.MetadataRecord.ConfigRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionRecord;
import io.ringlog.replication.metadata.MetadataRecord.ProducerIdsRecord;
import io.ringlog.replication.metadata.MetadataRecord.RegisterBrokerRecord;
import io.ringlog.replication.metadata.MetadataRecord.RemoveTopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.TopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.UnregisterBrokerRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * The metadata records' binary form. Each record is framed as
 * <pre>
 *   short typeId | short version | int bodyLength | body
 * </pre>
 * so a reader skips fields a newer writer appended (it reads what its version knows, then jumps to the body's end).
 * Type ids are fixed forever; a new kind of record takes a new id. Integers are little-endian, strings are an int
 * length (-1 for null) and UTF-8, UUIDs two longs, lists an int count and the elements.
 * <p>
 * Stateless and thread-safe.
 */
public final class RecordCodec
{
    public static final short REGISTER_BROKER = 1;
    public static final short BROKER_REGISTRATION_CHANGE = 2;
    public static final short UNREGISTER_BROKER = 3;
    public static final short TOPIC = 4;
    public static final short PARTITION = 5;
    public static final short PARTITION_CHANGE = 6;
    public static final short CONFIG = 7;
    public static final short REMOVE_TOPIC = 8;
    public static final short PRODUCER_IDS = 9;
    public static final short CLUSTER_ID = 10;

    /** Version written today by every record type. */
    public static final short VERSION = 0;

    private static final int FRAME_HEADER_LENGTH = 8;

    private RecordCodec()
    {
    }

    /** Append the records, each framed, to {@code writer}. */
    public static void encode(final List<MetadataRecord> records, final BufferWriter writer)
    {
        writer.putInt(records.size());
        for (final MetadataRecord record : records)
        {
            encode(record, writer);
        }
    }

    /** Decode what {@link #encode(List, BufferWriter)} wrote. */
    public static List<MetadataRecord> decodeList(final BufferReader reader)
    {
        final int count = reader.getInt();
        if (count < 0 || (long)count * FRAME_HEADER_LENGTH > reader.remaining())
        {
            throw new CodecException("bad record count " + count);
        }
        final List<MetadataRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            records.add(decode(reader));
        }
        return records;
    }

    public static void encode(final MetadataRecord record, final BufferWriter w)
    {
        final int start = w.position();
        w.putShort(typeId(record)).putShort(VERSION).putInt(0);
        final int bodyStart = w.position();
        if (record instanceof RegisterBrokerRecord r)
        {
            w.putInt(r.brokerId()).putUuid(r.incarnationId()).putLong(r.brokerEpoch());
            putEndpoints(w, r.endpoints());
            w.putString(r.rack()).putBoolean(r.fenced());
        }
        else if (record instanceof BrokerRegistrationChangeRecord r)
        {
            w.putInt(r.brokerId()).putLong(r.brokerEpoch()).putBoolean(r.fenced());
        }
        else if (record instanceof UnregisterBrokerRecord r)
        {
            w.putInt(r.brokerId()).putLong(r.brokerEpoch());
        }
        else if (record instanceof TopicRecord r)
        {
            w.putString(r.name()).putUuid(r.topicId());
        }
        else if (record instanceof PartitionRecord r)
        {
            w.putUuid(r.topicId()).putInt(r.partition()).putIntList(r.replicas()).putIntList(r.isr())
                .putInt(r.leader()).putInt(r.leaderEpoch()).putInt(r.partitionEpoch());
        }
        else if (record instanceof PartitionChangeRecord r)
        {
            w.putUuid(r.topicId()).putInt(r.partition()).putInt(r.leader()).putBoolean(null != r.isr());
            if (null != r.isr())
            {
                w.putIntList(r.isr());
            }
        }
        else if (record instanceof ConfigRecord r)
        {
            w.putByte(r.resourceType()).putString(r.resourceName()).putString(r.name()).putString(r.value());
        }
        else if (record instanceof RemoveTopicRecord r)
        {
            w.putUuid(r.topicId());
        }
        else if (record instanceof ProducerIdsRecord r)
        {
            w.putInt(r.brokerId()).putLong(r.brokerEpoch()).putLong(r.nextProducerId());
        }
        else if (record instanceof ClusterIdRecord r)
        {
            w.putString(r.clusterId());
        }
        w.putIntAt(start + 4, w.position() - bodyStart);
    }

    public static MetadataRecord decode(final BufferReader r)
    {
        final short type = r.getShort();
        r.getShort(); // version: every field of version 0 is read; later versions only append
        final int length = r.getInt();
        if (length < 0 || length > r.remaining())
        {
            throw new CodecException("record type " + type + " body length " + length + " > " + r.remaining());
        }
        final int end = r.position() + length;
        final int outerLimit = r.limit(end);
        final MetadataRecord record = switch (type)
        {
            case REGISTER_BROKER -> registerBroker(r);
            case BROKER_REGISTRATION_CHANGE -> new BrokerRegistrationChangeRecord(r.getInt(), r.getLong(), r.getBoolean());
            case UNREGISTER_BROKER -> new UnregisterBrokerRecord(r.getInt(), r.getLong());
            case TOPIC -> new TopicRecord(r.getString(), r.getUuid());
            case PARTITION -> new PartitionRecord(
                r.getUuid(), r.getInt(), r.getIntList(), r.getIntList(), r.getInt(), r.getInt(), r.getInt());
            case PARTITION_CHANGE -> new PartitionChangeRecord(
                r.getUuid(), r.getInt(), r.getInt(), r.getBoolean() ? r.getIntList() : null);
            case CONFIG -> new ConfigRecord(r.getByte(), r.getString(), r.getString(), r.getString());
            case REMOVE_TOPIC -> new RemoveTopicRecord(r.getUuid());
            case PRODUCER_IDS -> new ProducerIdsRecord(r.getInt(), r.getLong(), r.getLong());
            case CLUSTER_ID -> new ClusterIdRecord(r.getString());
            default -> throw new CodecException("unknown metadata record type " + type);
        };
        r.limit(outerLimit);
        r.position(end);
        return record;
    }

    private static RegisterBrokerRecord registerBroker(final BufferReader r)
    {
        final int brokerId = r.getInt();
        final java.util.UUID incarnation = r.getUuid();
        final long epoch = r.getLong();
        final List<Endpoint> endpoints = getEndpoints(r);
        return new RegisterBrokerRecord(brokerId, incarnation, epoch, endpoints, r.getString(), r.getBoolean());
    }

    /** A broker's endpoints: count, then listener, host, port, security protocol each (records and commands). */
    public static void putEndpoints(final BufferWriter w, final List<Endpoint> endpoints)
    {
        w.putInt(endpoints.size());
        for (final Endpoint e : endpoints)
        {
            w.putString(e.listener()).putString(e.host()).putInt(e.port()).putString(e.securityProtocol());
        }
    }

    /** What {@link #putEndpoints} wrote. @throws CodecException for a count the buffer cannot hold. */
    public static List<Endpoint> getEndpoints(final BufferReader r)
    {
        final int count = r.getInt();
        if (count < 0 || count > r.remaining())
        {
            throw new CodecException("bad endpoint count " + count);
        }
        final List<Endpoint> endpoints = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            endpoints.add(new Endpoint(r.getString(), r.getString(), r.getInt(), r.getString()));
        }
        return endpoints;
    }

    static short typeId(final MetadataRecord record)
    {
        if (record instanceof RegisterBrokerRecord)
        {
            return REGISTER_BROKER;
        }
        if (record instanceof BrokerRegistrationChangeRecord)
        {
            return BROKER_REGISTRATION_CHANGE;
        }
        if (record instanceof UnregisterBrokerRecord)
        {
            return UNREGISTER_BROKER;
        }
        if (record instanceof TopicRecord)
        {
            return TOPIC;
        }
        if (record instanceof PartitionRecord)
        {
            return PARTITION;
        }
        if (record instanceof PartitionChangeRecord)
        {
            return PARTITION_CHANGE;
        }
        if (record instanceof ConfigRecord)
        {
            return CONFIG;
        }
        if (record instanceof RemoveTopicRecord)
        {
            return REMOVE_TOPIC;
        }
        if (record instanceof ClusterIdRecord)
        {
            return CLUSTER_ID;
        }
        return PRODUCER_IDS;
    }
}
