package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.core.policy.TopicAutoCreation;

import io.ringlog.broker.kafka.KafkaIds;
import io.ringlog.broker.kafka.ColdPathApi;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;

/**
 * Metadata: brokers, cluster id, controller, and topics with their ids, partitions, leaders, epochs and replicas,
 * from the current {@link MetadataImage}. Topics asked for by name may be auto-created (when the client allows it
 * and {@code auto.create.topics.enable} is on); topics asked for by id (Metadata v10+) never are.
 */
public final class MetadataApi implements ColdPathApi
{
    /** Kafka's "authorized operations not requested" value. */
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

    private final Controller controller;
    private final TopicAutoCreation autoCreation;

    public MetadataApi(final Controller controller, final BrokerConfig config)
    {
        this.controller = controller;
        this.autoCreation = new TopicAutoCreation(controller, config);
    }

    @Override
    public ApiMessage handle(final ApiRequest request)
    {
        final MetadataRequestData data = request.body();
        // Metadata v0 asks for every topic with an empty list; v1+ with a null list.
        final boolean allTopics = data.topics() == null || (request.version() == 0 && data.topics().isEmpty());
        final boolean allowAutoCreate = request.version() < 4 || data.allowAutoTopicCreation();

        final MetadataResponseData response = new MetadataResponseData();
        final List<MetadataResponseTopic> topics = new ArrayList<>();
        if (allTopics)
        {
            final MetadataImage image = controller.image();
            for (final TopicImage topic : image.topics().values())
            {
                topics.add(topic(topic, Errors.NONE, image));
            }
        }
        else
        {
            for (final MetadataRequestData.MetadataRequestTopic wanted : data.topics())
            {
                topics.add(lookup(wanted, allowAutoCreate));
            }
        }

        final MetadataImage image = controller.image(); // after any auto-creation
        for (final MetadataImage.BrokerRegistration broker : image.liveBrokers().values())
        {
            if (broker.port() < 0)
            {
                continue; // registered no Kafka endpoint (only NATIVE / REPLICATION): not reachable by Kafka clients
            }
            response.brokers().add(new MetadataResponseBroker()
                .setNodeId(broker.nodeId()).setHost(broker.host()).setPort(broker.port()).setRack(broker.rack()));
        }
        response.setClusterId(image.clusterId());
        response.setControllerId(image.controllerId());
        response.setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        topics.forEach(t -> response.topics().add(t));
        return response;
    }

    private MetadataResponseTopic lookup(final MetadataRequestData.MetadataRequestTopic wanted, final boolean allowAutoCreate)
    {
        final MetadataImage image = controller.image();
        if (wanted.name() == null && wanted.topicId() != null && !Uuid.ZERO_UUID.equals(wanted.topicId()))
        {
            final TopicImage byId = image.topic(KafkaIds.toUuid(wanted.topicId()));
            return byId != null ? topic(byId, Errors.NONE, image) :
                new MetadataResponseTopic().setTopicId(wanted.topicId()).setName(null)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
        }
        final String name = wanted.name();
        final TopicAutoCreation.Result found = autoCreation.lookUp(name, allowAutoCreate);
        return found.topic() != null ? topic(found.topic(), Errors.NONE, controller.image()) :
            emptyTopic(name, Errors.forCode(found.errorCode()));
    }

    /**
     * A topic as Metadata answers it: a partition without a leader says LEADER_NOT_AVAILABLE (leader -1), and
     * replicas on brokers without a lease are its offline replicas.
     */
    static MetadataResponseTopic topic(final TopicImage topic, final Errors error, final MetadataImage image)
    {
        final List<MetadataResponsePartition> partitions = new ArrayList<>(topic.partitions().size());
        for (final PartitionImage p : topic.partitions())
        {
            partitions.add(new MetadataResponsePartition()
                .setErrorCode(p.leader() < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
                .setPartitionIndex(p.partition())
                .setLeaderId(p.leader())
                .setLeaderEpoch(p.leaderEpoch())
                .setReplicaNodes(new ArrayList<>(p.replicas()))
                .setIsrNodes(new ArrayList<>(p.isr()))
                .setOfflineReplicas(p.offlineReplicas(image.brokers())));
        }
        return new MetadataResponseTopic()
            .setErrorCode(error.code())
            .setName(topic.name())
            .setTopicId(KafkaIds.toKafka(topic.id()))
            .setIsInternal(topic.isInternal())
            .setPartitions(partitions)
            .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    }

    private static MetadataResponseTopic emptyTopic(final String name, final Errors error)
    {
        return new MetadataResponseTopic().setName(name).setErrorCode(error.code()).setTopicId(Uuid.ZERO_UUID)
            .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    }
}
