package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.core.quorum.MetadataQuorum;
import io.ringlog.broker.core.quorum.QuorumDescription;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.replication.quorum.QuorumVoters;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * DescribeQuorum (API 55, v0-v2; kafka-clients' {@code Admin.describeMetadataQuorum()}), answered from this broker's
 * view of the controller quorum ({@link QuorumDescription}): the metadata log is Kafka's {@code __cluster_metadata-0},
 * its leader the active controller, the leader epoch the Raft term, the high watermark the committed log position
 * (a byte position of Aeron Cluster's log, not a record count), voters with their log end where this node knows it
 * (-1 otherwise, which Admin shows as empty), observers the registered brokers that are not voters. v2's nodes list
 * each voter's quorum endpoint (its base port) under the listener name {@code CONTROLLER}. Admin thread.
 */
public final class QuorumApi
{
    /** Kafka's name for the metadata log, which Admin checks. */
    static final String METADATA_TOPIC = "__cluster_metadata";
    private static final String VOTER_LISTENER = "CONTROLLER";

    private final MetadataQuorum quorum;

    public QuorumApi(final MetadataQuorum quorum)
    {
        this.quorum = quorum;
    }

    public ApiMessage describeQuorum(final ColdPathApi.ApiRequest request)
    {
        final DescribeQuorumRequestData data = request.body();
        final DescribeQuorumResponseData response = new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code());
        final QuorumDescription quorumState = QuorumDescription.of(quorum);
        final List<DescribeQuorumResponseData.TopicData> topics = new ArrayList<>();
        for (final DescribeQuorumRequestData.TopicData topic : data.topics())
        {
            final List<DescribeQuorumResponseData.PartitionData> partitions = new ArrayList<>();
            for (final DescribeQuorumRequestData.PartitionData p : topic.partitions())
            {
                if (!METADATA_TOPIC.equals(topic.topicName()) || 0 != p.partitionIndex())
                {
                    partitions.add(new DescribeQuorumResponseData.PartitionData().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("the only quorum is " + METADATA_TOPIC + "-0"));
                    continue;
                }
                partitions.add(new DescribeQuorumResponseData.PartitionData()
                    .setPartitionIndex(0)
                    .setErrorCode(Errors.NONE.code())
                    .setLeaderId(quorumState.leaderId())
                    .setLeaderEpoch((int)Math.min(Integer.MAX_VALUE, quorumState.leaderEpoch()))
                    .setHighWatermark(quorumState.highWatermark())
                    .setCurrentVoters(replicas(quorumState.voters()))
                    .setObservers(replicas(quorumState.observers())));
            }
            topics.add(new DescribeQuorumResponseData.TopicData().setTopicName(topic.topicName())
                .setPartitions(partitions));
        }
        response.setTopics(topics);
        for (final QuorumVoters.Voter voter : quorumState.endpoints())
        {
            final DescribeQuorumResponseData.ListenerCollection listeners =
                new DescribeQuorumResponseData.ListenerCollection();
            listeners.add(new DescribeQuorumResponseData.Listener().setName(VOTER_LISTENER).setHost(voter.host())
                .setPort(voter.port()));
            response.nodes().add(new DescribeQuorumResponseData.Node().setNodeId(voter.id()).setListeners(listeners));
        }
        return response;
    }

    private static List<DescribeQuorumResponseData.ReplicaState> replicas(final List<QuorumDescription.Replica> list)
    {
        final List<DescribeQuorumResponseData.ReplicaState> states = new ArrayList<>(list.size());
        for (final QuorumDescription.Replica r : list)
        {
            states.add(new DescribeQuorumResponseData.ReplicaState().setReplicaId(r.id())
                .setLogEndOffset(r.logEndOffset()).setLastFetchTimestamp(r.lastFetchTimestampMs())
                .setLastCaughtUpTimestamp(r.lastFetchTimestampMs()));
        }
        return states;
    }
}
