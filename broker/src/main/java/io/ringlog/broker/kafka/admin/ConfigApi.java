package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.broker.kafka.ColdPathApi;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.ConfigKey;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import io.ringlog.journal.LogConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. Topic configs are stored with the topic by the
 * controller and reach the partitions at once, through the metadata image. Broker configs are described (read-only:
 * they come from {@code server.properties}); changing them at run time is refused with INVALID_REQUEST.
 * Admin thread.
 */
public final class ConfigApi
{
    private static final Map<String, ConfigType> TOPIC_TYPES = Map.ofEntries(
        Map.entry(LogConfig.SEGMENT_BYTES, ConfigType.INT),
        Map.entry(LogConfig.SEGMENT_MS, ConfigType.LONG),
        Map.entry(LogConfig.SEGMENT_INDEX_BYTES, ConfigType.INT),
        Map.entry(LogConfig.INDEX_INTERVAL_BYTES, ConfigType.INT),
        Map.entry(LogConfig.RETENTION_MS, ConfigType.LONG),
        Map.entry(LogConfig.RETENTION_BYTES, ConfigType.LONG),
        Map.entry(LogConfig.FLUSH_MESSAGES, ConfigType.LONG),
        Map.entry(LogConfig.FLUSH_MS, ConfigType.LONG),
        Map.entry(LogConfig.MAX_MESSAGE_BYTES, ConfigType.INT),
        Map.entry(LogConfig.FILE_DELETE_DELAY_MS, ConfigType.LONG),
        Map.entry(LogConfig.PREALLOCATE, ConfigType.BOOLEAN),
        Map.entry(LogConfig.RESERVE_BYTES, ConfigType.LONG),
        Map.entry(TopicConfig.CLEANUP_POLICY, ConfigType.LIST),
        Map.entry(TopicConfig.MIN_INSYNC_REPLICAS, ConfigType.INT));

    private static final byte OP_SET = 0;
    private static final byte OP_DELETE = 1;
    private static final byte OP_APPEND = 2;
    private static final byte OP_SUBTRACT = 3;

    private final Controller controller;
    private final BrokerConfig config;

    public ConfigApi(final Controller controller, final BrokerConfig config)
    {
        this.controller = controller;
        this.config = config;
    }

    public ApiMessage describeConfigs(final ColdPathApi.ApiRequest request)
    {
        final DescribeConfigsRequestData data = request.body();
        final DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (final DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources())
        {
            final DescribeConfigsResult result = new DescribeConfigsResult()
                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                .setErrorCode(Errors.NONE.code());
            final Set<String> wanted = resource.configurationKeys() == null ? null : new HashSet<>(resource.configurationKeys());
            final ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            if (type == ConfigResource.Type.TOPIC)
            {
                final TopicImage topic = controller.image().topic(resource.resourceName());
                if (topic == null)
                {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("Topic " + resource.resourceName() + " does not exist.");
                }
                else
                {
                    final Map<String, String> effective = TopicConfig.effective(config.defaultTopicConfig(), topic.configs());
                    effective.forEach((k, v) ->
                    {
                        if (wanted == null || wanted.contains(k))
                        {
                            result.configs().add(entry(k, v, false,
                                topic.configs().containsKey(k) ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG,
                                TOPIC_TYPES.getOrDefault(k, ConfigType.STRING)));
                        }
                    });
                }
            }
            else if (type == ConfigResource.Type.BROKER)
            {
                if (!resource.resourceName().isEmpty() && !resource.resourceName().equals(Integer.toString(config.nodeId())))
                {
                    result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("This broker is node " + config.nodeId() + ", not " + resource.resourceName());
                }
                else
                {
                    for (final ConfigKey<?> key : BrokerConfig.KEYS)
                    {
                        if (wanted == null || wanted.contains(key.name()))
                        {
                            final Object value = config.get(key);
                            result.configs().add(entry(key.name(), value == null ? null : value.toString(), true,
                                config.given().containsKey(key.name()) ? ConfigSource.STATIC_BROKER_CONFIG :
                                    ConfigSource.DEFAULT_CONFIG, ConfigType.STRING));
                        }
                    }
                }
            }
            else
            {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("Resource type " + type + " is not supported.");
            }
            response.results().add(result);
        }
        return response;
    }

    private static DescribeConfigsResourceResult entry(
        final String name, final String value, final boolean readOnly, final ConfigSource source, final ConfigType type)
    {
        return new DescribeConfigsResourceResult().setName(name).setValue(value).setReadOnly(readOnly)
            .setConfigSource(source.id()).setIsSensitive(false).setConfigType(type.id());
    }

    /** Kafka's legacy AlterConfigs: the topic's configs become exactly the ones given. */
    public ApiMessage alterConfigs(final ColdPathApi.ApiRequest request)
    {
        final AlterConfigsRequestData data = request.body();
        final AlterConfigsResponseData response = new AlterConfigsResponseData();
        for (final AlterConfigsRequestData.AlterConfigsResource resource : data.resources())
        {
            final Map<String, String> set = new TreeMap<>();
            resource.configs().forEach(c -> set.put(c.name(), c.value()));
            final Errors[] error = {Errors.NONE};
            final String message = alter(resource.resourceType(), resource.resourceName(), set, Set.of(), true,
                data.validateOnly(), error);
            response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                .setErrorCode(error[0].code()).setErrorMessage(message));
        }
        return response;
    }

    public ApiMessage incrementalAlterConfigs(final ColdPathApi.ApiRequest request)
    {
        final IncrementalAlterConfigsRequestData data = request.body();
        final IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        for (final IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources())
        {
            final Errors[] error = {Errors.NONE};
            String message = null;
            final Map<String, String> set = new TreeMap<>();
            final Set<String> delete = new HashSet<>();
            final TopicImage topic = controller.image().topic(resource.resourceName());
            for (final IncrementalAlterConfigsRequestData.AlterableConfig c : resource.configs())
            {
                switch (c.configOperation())
                {
                    case OP_SET -> set.put(c.name(), c.value());
                    case OP_DELETE -> delete.add(c.name());
                    case OP_APPEND, OP_SUBTRACT ->
                    {
                        if (TOPIC_TYPES.get(c.name()) != ConfigType.LIST)
                        {
                            error[0] = Errors.INVALID_CONFIG;
                            message = "Config " + c.name() + " is not a list: APPEND and SUBTRACT do not apply.";
                        }
                        else
                        {
                            final String current = topic == null ? "" : TopicConfig.effective(
                                config.defaultTopicConfig(), topic.configs()).getOrDefault(c.name(), "");
                            set.put(c.name(), listOp(current, c.value(), c.configOperation() == OP_APPEND));
                        }
                    }
                    default ->
                    {
                        error[0] = Errors.INVALID_REQUEST;
                        message = "Unknown config operation " + c.configOperation();
                    }
                }
            }
            if (error[0] == Errors.NONE)
            {
                message = alter(resource.resourceType(), resource.resourceName(), set, delete, false,
                    data.validateOnly(), error);
            }
            response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                .setErrorCode(error[0].code()).setErrorMessage(message));
        }
        return response;
    }

    private String alter(
        final byte resourceType,
        final String name,
        final Map<String, String> set,
        final Set<String> delete,
        final boolean replaceAll,
        final boolean validateOnly,
        final Errors[] error)
    {
        if (ConfigResource.Type.forId(resourceType) != ConfigResource.Type.TOPIC)
        {
            error[0] = Errors.INVALID_REQUEST;
            return "Only topic configs can be changed at run time; broker configs come from server.properties.";
        }
        try
        {
            controller.alterTopicConfigs(name, set, delete, replaceAll, validateOnly);
            return null;
        }
        catch (final MetadataException ex)
        {
            error[0] = KafkaErrors.fromMetadata(ex);
            return ex.getMessage();
        }
    }

    private static String listOp(final String current, final String value, final boolean append)
    {
        final LinkedHashSet<String> items = new LinkedHashSet<>();
        for (final String s : current.split(","))
        {
            if (!s.isBlank())
            {
                items.add(s.trim());
            }
        }
        final List<String> change = new ArrayList<>(Arrays.asList(value == null ? new String[0] : value.split(",")));
        change.replaceAll(String::trim);
        if (append)
        {
            items.addAll(change);
        }
        else
        {
            change.forEach(items::remove);
        }
        return String.join(",", items);
    }
}
