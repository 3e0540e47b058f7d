package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.kafka.KafkaIds;
import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.broker.kafka.ColdPathApi;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** CreateTopics, DeleteTopics and CreatePartitions, through the {@link Controller}. Admin thread. */
public final class TopicAdminApi
{
    private final Controller controller;
    private final BrokerConfig config;

    public TopicAdminApi(final Controller controller, final BrokerConfig config)
    {
        this.controller = controller;
        this.config = config;
    }

    public ApiMessage createTopics(final ColdPathApi.ApiRequest request)
    {
        final CreateTopicsRequestData data = request.body();
        final CreateTopicsResponseData response = new CreateTopicsResponseData();
        for (final CreatableTopic wanted : data.topics())
        {
            final CreatableTopicResult result = new CreatableTopicResult().setName(wanted.name())
                .setTopicId(Uuid.ZERO_UUID).setNumPartitions(-1).setReplicationFactor((short)-1);
            try
            {
                if (!wanted.assignments().isEmpty())
                {
                    throw new MetadataException(MetadataException.Reason.INVALID_REQUEST,
                        "Manual replica assignment is not supported yet; give numPartitions and replicationFactor.");
                }
                final Map<String, String> configs = new TreeMap<>();
                wanted.configs().forEach(c -> configs.put(c.name(), c.value()));
                final TopicImage topic = controller.createTopic(
                    wanted.name(), wanted.numPartitions(), wanted.replicationFactor(), configs, data.validateOnly());
                result.setErrorCode(Errors.NONE.code())
                    .setTopicId(data.validateOnly() ? Uuid.ZERO_UUID : KafkaIds.toKafka(topic.id()))
                    .setNumPartitions(topic.partitions().size())
                    .setReplicationFactor((short)topic.replicationFactor());
                if (request.version() >= 5)
                {
                    final Map<String, String> effective = TopicConfig.effective(config.defaultTopicConfig(), configs);
                    effective.forEach((k, v) -> result.configs().add(new CreatableTopicConfigs()
                        .setName(k).setValue(v).setReadOnly(false).setIsSensitive(false)
                        .setConfigSource(configs.containsKey(k) ?
                            DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG.id() :
                            DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG.id())));
                }
            }
            catch (final MetadataException ex)
            {
                result.setErrorCode(KafkaErrors.fromMetadata(ex).code()).setErrorMessage(ex.getMessage());
            }
            response.topics().add(result);
        }
        return response;
    }

    public ApiMessage deleteTopics(final ColdPathApi.ApiRequest request)
    {
        final DeleteTopicsRequestData data = request.body();
        final DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        final List<String> names = new ArrayList<>(data.topicNames());
        final List<Uuid> ids = new ArrayList<>();
        for (final DeleteTopicsRequestData.DeleteTopicState state : data.topics())
        {
            if (state.name() != null)
            {
                names.add(state.name());
            }
            else
            {
                ids.add(state.topicId());
            }
        }
        for (final String name : names)
        {
            final TopicImage topic = controller.image().topic(name);
            response.responses().add(delete(name, topic == null ? Uuid.ZERO_UUID : KafkaIds.toKafka(topic.id())));
        }
        for (final Uuid id : ids)
        {
            final TopicImage topic = controller.image().topic(KafkaIds.toUuid(id));
            if (topic == null)
            {
                response.responses().add(new DeletableTopicResult().setName(null).setTopicId(id)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setErrorMessage("no topic has id " + id));
            }
            else
            {
                response.responses().add(delete(topic.name(), id));
            }
        }
        return response;
    }

    private DeletableTopicResult delete(final String name, final Uuid id)
    {
        final DeletableTopicResult result = new DeletableTopicResult().setName(name).setTopicId(id);
        try
        {
            controller.deleteTopic(name);
            result.setErrorCode(Errors.NONE.code());
        }
        catch (final MetadataException ex)
        {
            result.setErrorCode(KafkaErrors.fromMetadata(ex).code()).setErrorMessage(ex.getMessage());
        }
        return result;
    }

    public ApiMessage createPartitions(final ColdPathApi.ApiRequest request)
    {
        final CreatePartitionsRequestData data = request.body();
        final CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        for (final CreatePartitionsRequestData.CreatePartitionsTopic topic : data.topics())
        {
            final CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(topic.name());
            try
            {
                if (topic.assignments() != null && !topic.assignments().isEmpty())
                {
                    throw new MetadataException(MetadataException.Reason.INVALID_REQUEST,
                        "Manual replica assignment is not supported yet.");
                }
                controller.createPartitions(topic.name(), topic.count(), data.validateOnly());
                result.setErrorCode(Errors.NONE.code());
            }
            catch (final MetadataException ex)
            {
                result.setErrorCode(KafkaErrors.fromMetadata(ex).code()).setErrorMessage(ex.getMessage());
            }
            response.results().add(result);
        }
        return response;
    }
}
