package io.ringlog.replication.controller;

import io.ringlog.replication.metadata.Endpoint;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What a broker or an admin asks of the controller. Every id is chosen by the requester (topic ids, incarnation
 * ids), so applying a command needs no randomness. Encoded by {@link CommandCodec}.
 */
public sealed interface ControllerCommand
{
    /**
     * A broker joins, or comes back; the reply's value is its broker epoch.
     *
     * @param clusterId       the cluster id the broker brings, or null: the quorum commits it when it has none yet
     *                        (the first registration chooses the cluster's id; the state machine draws none).
     * @param clusterIdStored whether {@code clusterId} is the one in the broker's {@code meta.properties}: then a
     *                        quorum holding another id refuses the broker (INCONSISTENT_CLUSTER_ID); otherwise it is
     *                        only a proposal and the broker adopts the quorum's.
     */
    record RegisterBroker(int brokerId, UUID incarnationId, List<Endpoint> endpoints, String rack, String clusterId,
        boolean clusterIdStored) implements ControllerCommand
    {
        public RegisterBroker
        {
            endpoints = List.copyOf(endpoints);
        }

        /** A registration that brings no cluster id. */
        public RegisterBroker(final int brokerId, final UUID incarnationId, final List<Endpoint> endpoints,
            final String rack)
        {
            this(brokerId, incarnationId, endpoints, rack, null, false);
        }
    }

    /** A broker asks to be fenced or unfenced; the reply's value is 1 when it is fenced after. */
    record BrokerHeartbeat(int brokerId, long brokerEpoch, boolean wantFence) implements ControllerCommand
    {
    }

    /** A broker is stopping: its leaderships move and it is fenced. */
    record ControlledShutdown(int brokerId, long brokerEpoch) implements ControllerCommand
    {
    }

    /** A broker's lease ended (its session closed or timed out). Issued by the controller's host, not by brokers. */
    record FenceBroker(int brokerId, long brokerEpoch) implements ControllerCommand
    {
    }

    /** An admin removes a broker from the cluster. */
    record UnregisterBroker(int brokerId) implements ControllerCommand
    {
    }

    /** Create a topic; -1 partitions or replication factor take the controller's defaults. */
    record CreateTopic(String name, UUID topicId, int partitions, int replicationFactor, Map<String, String> configs,
        boolean validateOnly) implements ControllerCommand
    {
        public CreateTopic
        {
            configs = new TreeMap<>(configs);
        }
    }

    record DeleteTopic(String name) implements ControllerCommand
    {
    }

    /** Grow a topic to {@code totalCount} partitions. */
    record CreatePartitions(String name, int totalCount, boolean validateOnly) implements ControllerCommand
    {
    }

    /** Set and delete topic configs; with {@code replaceAll} the topic's configs become exactly {@code set}. */
    record AlterConfigs(String topic, Map<String, String> set, Set<String> delete, boolean replaceAll,
        boolean validateOnly) implements ControllerCommand
    {
        public AlterConfigs
        {
            set = new TreeMap<>(set);
            delete = new TreeSet<>(delete);
        }
    }

    /** The leader changes a partition's ISR, as of the leader and partition epochs it knows. */
    record AlterPartition(int brokerId, long brokerEpoch, UUID topicId, int partition, int leaderEpoch,
        int partitionEpoch, List<Integer> newIsr) implements ControllerCommand
    {
        public AlterPartition
        {
            newIsr = List.copyOf(newIsr);
        }
    }

    /** Move leadership to the preferred replica, or, when {@code unclean}, elect any live replica of an offline one. */
    record ElectLeader(String topic, int partition, boolean unclean) implements ControllerCommand
    {
    }

    /** Hand a broker the next block of {@link ControllerStateMachine#PRODUCER_ID_BLOCK_SIZE} producer ids. */
    record AllocateProducerIds(int brokerId, long brokerEpoch) implements ControllerCommand
    {
    }
}
