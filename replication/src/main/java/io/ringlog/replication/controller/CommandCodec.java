package io.ringlog.replication.controller;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.codec.CodecException;
import io.ringlog.replication.controller.ControllerCommand.AllocateProducerIds;
import io.ringlog.replication.controller.ControllerCommand.AlterConfigs;
import io.ringlog.replication.controller.ControllerCommand.AlterPartition;
import io.ringlog.replication.controller.ControllerCommand.BrokerHeartbeat;
import io.ringlog.replication.controller.ControllerCommand.ControlledShutdown;
import io.ringlog.replication.controller.ControllerCommand.CreatePartitions;
import io.ringlog.replication.controller.ControllerCommand.CreateTopic;
import io.ringlog.replication.controller.ControllerCommand.DeleteTopic;
import io.ringlog.replication.controller.ControllerCommand.ElectLeader;
import io.ringlog.replication.controller.ControllerCommand.FenceBroker;
import io.ringlog.replication.controller.ControllerCommand.RegisterBroker;
import io.ringlog.replication.controller.ControllerCommand.UnregisterBroker;
import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.replication.metadata.RecordCodec;

import java.util.List;

/**
 * Commands and replies in binary, framed like the records ({@code short typeId | short version | int bodyLength |
 * body}) so that fields can be appended later and old readers skip them. Type ids are fixed forever.
 * <p>
 * Stateless and thread-safe.
 */
public final class CommandCodec
{
    public static final short REGISTER_BROKER = 1;
    public static final short BROKER_HEARTBEAT = 2;
    public static final short CONTROLLED_SHUTDOWN = 3;
    public static final short FENCE_BROKER = 4;
    public static final short UNREGISTER_BROKER = 5;
    public static final short CREATE_TOPIC = 6;
    public static final short DELETE_TOPIC = 7;
    public static final short CREATE_PARTITIONS = 8;
    public static final short ALTER_CONFIGS = 9;
    public static final short ALTER_PARTITION = 10;
    public static final short ELECT_LEADER = 11;
    public static final short ALLOCATE_PRODUCER_IDS = 12;

    private CommandCodec()
    {
    }

    public static void encode(final ControllerCommand command, final BufferWriter w)
    {
        final int start = w.position();
        w.putShort(typeId(command)).putShort((short)0).putInt(0);
        final int bodyStart = w.position();
        if (command instanceof RegisterBroker c)
        {
            w.putInt(c.brokerId()).putUuid(c.incarnationId());
            RecordCodec.putEndpoints(w, c.endpoints());
            w.putString(c.rack());
            w.putString(c.clusterId()).putBoolean(c.clusterIdStored()); // appended: cluster id
        }
        else if (command instanceof BrokerHeartbeat c)
        {
            w.putInt(c.brokerId()).putLong(c.brokerEpoch()).putBoolean(c.wantFence());
        }
        else if (command instanceof ControlledShutdown c)
        {
            w.putInt(c.brokerId()).putLong(c.brokerEpoch());
        }
        else if (command instanceof FenceBroker c)
        {
            w.putInt(c.brokerId()).putLong(c.brokerEpoch());
        }
        else if (command instanceof UnregisterBroker c)
        {
            w.putInt(c.brokerId());
        }
        else if (command instanceof CreateTopic c)
        {
            w.putString(c.name()).putUuid(c.topicId()).putInt(c.partitions()).putInt(c.replicationFactor())
                .putStringMap(c.configs()).putBoolean(c.validateOnly());
        }
        else if (command instanceof DeleteTopic c)
        {
            w.putString(c.name());
        }
        else if (command instanceof CreatePartitions c)
        {
            w.putString(c.name()).putInt(c.totalCount()).putBoolean(c.validateOnly());
        }
        else if (command instanceof AlterConfigs c)
        {
            w.putString(c.topic()).putStringMap(c.set()).putStringSet(c.delete()).putBoolean(c.replaceAll())
                .putBoolean(c.validateOnly());
        }
        else if (command instanceof AlterPartition c)
        {
            w.putInt(c.brokerId()).putLong(c.brokerEpoch()).putUuid(c.topicId()).putInt(c.partition())
                .putInt(c.leaderEpoch()).putInt(c.partitionEpoch()).putIntList(c.newIsr());
        }
        else if (command instanceof ElectLeader c)
        {
            w.putString(c.topic()).putInt(c.partition()).putBoolean(c.unclean());
        }
        else if (command instanceof AllocateProducerIds c)
        {
            w.putInt(c.brokerId()).putLong(c.brokerEpoch());
        }
        w.putIntAt(start + 4, w.position() - bodyStart);
    }

    public static ControllerCommand decode(final BufferReader r)
    {
        final short type = r.getShort();
        r.getShort();
        final int length = r.getInt();
        if (length < 0 || length > r.remaining())
        {
            throw new CodecException("command type " + type + " body length " + length + " > " + r.remaining());
        }
        final int end = r.position() + length;
        final int outerLimit = r.limit(end);
        final ControllerCommand command = switch (type)
        {
            case REGISTER_BROKER -> registerBroker(r);
            case BROKER_HEARTBEAT -> new BrokerHeartbeat(r.getInt(), r.getLong(), r.getBoolean());
            case CONTROLLED_SHUTDOWN -> new ControlledShutdown(r.getInt(), r.getLong());
            case FENCE_BROKER -> new FenceBroker(r.getInt(), r.getLong());
            case UNREGISTER_BROKER -> new UnregisterBroker(r.getInt());
            case CREATE_TOPIC -> new CreateTopic(
                r.getString(), r.getUuid(), r.getInt(), r.getInt(), r.getStringMap(), r.getBoolean());
            case DELETE_TOPIC -> new DeleteTopic(r.getString());
            case CREATE_PARTITIONS -> new CreatePartitions(r.getString(), r.getInt(), r.getBoolean());
            case ALTER_CONFIGS -> new AlterConfigs(
                r.getString(), r.getStringMap(), r.getStringSet(), r.getBoolean(), r.getBoolean());
            case ALTER_PARTITION -> new AlterPartition(
                r.getInt(), r.getLong(), r.getUuid(), r.getInt(), r.getInt(), r.getInt(), r.getIntList());
            case ELECT_LEADER -> new ElectLeader(r.getString(), r.getInt(), r.getBoolean());
            case ALLOCATE_PRODUCER_IDS -> new AllocateProducerIds(r.getInt(), r.getLong());
            default -> throw new CodecException("unknown command type " + type);
        };
        r.limit(outerLimit);
        r.position(end);
        return command;
    }

    /** {@code short errorCode | string message | long value}. */
    public static void encode(final Reply reply, final BufferWriter w)
    {
        w.putShort(reply.error().code()).putString(reply.message()).putLong(reply.value());
    }

    public static Reply decodeReply(final BufferReader r)
    {
        return new Reply(ControllerError.forCode(r.getShort()), r.getString(), r.getLong());
    }

    private static RegisterBroker registerBroker(final BufferReader r)
    {
        final int brokerId = r.getInt();
        final java.util.UUID incarnation = r.getUuid();
        final List<Endpoint> endpoints = RecordCodec.getEndpoints(r);
        final String rack = r.getString();
        if (0 == r.remaining())
        {
            return new RegisterBroker(brokerId, incarnation, endpoints, rack); // written before the cluster id
        }
        return new RegisterBroker(brokerId, incarnation, endpoints, rack, r.getString(), r.getBoolean());
    }

    private static short typeId(final ControllerCommand command)
    {
        return switch (command.getClass().getSimpleName())
        {
            case "RegisterBroker" -> REGISTER_BROKER;
            case "BrokerHeartbeat" -> BROKER_HEARTBEAT;
            case "ControlledShutdown" -> CONTROLLED_SHUTDOWN;
            case "FenceBroker" -> FENCE_BROKER;
            case "UnregisterBroker" -> UNREGISTER_BROKER;
            case "CreateTopic" -> CREATE_TOPIC;
            case "DeleteTopic" -> DELETE_TOPIC;
            case "CreatePartitions" -> CREATE_PARTITIONS;
            case "AlterConfigs" -> ALTER_CONFIGS;
            case "AlterPartition" -> ALTER_PARTITION;
            case "ElectLeader" -> ELECT_LEADER;
            case "AllocateProducerIds" -> ALLOCATE_PRODUCER_IDS;
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }
}
