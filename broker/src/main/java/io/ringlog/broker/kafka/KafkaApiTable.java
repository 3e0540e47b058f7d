package io.ringlog.broker.kafka;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.broker.kafka.admin.AclApis;
import io.ringlog.broker.kafka.admin.LogDirsApi;
import io.ringlog.broker.kafka.admin.ProducersApi;
import io.ringlog.transport.kafka.codec.FetchResponseEncoder;
import io.ringlog.transport.kafka.codec.ProduceRequestDecoder;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kafka APIs and versions this broker answers, as ApiVersions lists them: what kafka-clients 4.x, librdkafka 2.x
 * and kafkajs 2.x use, each at every version the pinned kafka-clients can read, with two rules taken from Kafka 4:
 * <ul>
 *   <li><b>Produce is advertised from v0</b> ({@link ApiKeys#PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION}) though only
 *       v3 and later are accepted: librdkafka 2.0-2.8 check compression against Produce v0 and send every batch
 *       uncompressed to a broker whose range starts higher (KAFKA-18659). A v0-v2 request still closes the
 *       connection, as Kafka 4 closes it ({@code UnsupportedVersionException} in its socket server): kafka-clients
 *       4.x cannot write them, so there is no answer to give.</li>
 *   <li><b>Versions kafka-clients marks unstable</b> (InitProducerId v6 in 4.4) are advertised only with
 *       {@code unstable.api.versions.enable=true}, Kafka's key, off by default: such a version may still change on
 *       the wire before its release.</li>
 * </ul>
 * Built once at start-up; the table is immutable and read by the selector thread.
 */
public final class KafkaApiTable
{
    /** The APIs answered on the admin thread through the generated classes, every stable version of each. */
    private static final List<ApiKeys> ALL_VERSIONS = List.of(
        ApiKeys.LIST_OFFSETS, ApiKeys.METADATA, ApiKeys.API_VERSIONS, ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS,
        ApiKeys.CREATE_PARTITIONS, ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS,
        ApiKeys.OFFSET_FOR_LEADER_EPOCH, ApiKeys.DELETE_RECORDS, ApiKeys.INIT_PRODUCER_ID, ApiKeys.DESCRIBE_CLUSTER,
        ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP,
        ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.LIST_GROUPS, ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS,
        ApiKeys.OFFSET_DELETE, ApiKeys.ELECT_LEADERS,
        // What consoles and tools ask for (see coldPathApis).
        ApiKeys.DESCRIBE_LOG_DIRS, ApiKeys.DESCRIBE_PRODUCERS, ApiKeys.DESCRIBE_QUORUM,
        ApiKeys.DESCRIBE_ACLS, ApiKeys.CREATE_ACLS, ApiKeys.DELETE_ACLS);

    private KafkaApiTable()
    {
    }

    /**
     * @param config the broker's configuration; reads {@code unstable.api.versions.enable}.
     * @return the table for the listener and the ApiVersions answer.
     */
    public static SupportedApis supportedApis(final BrokerConfig config)
    {
        return supportedApis(config.get(BrokerConfig.UNSTABLE_API_VERSIONS_ENABLE));
    }

    /**
     * @param enableUnstable true to advertise versions kafka-clients marks unstable.
     * @return the table.
     */
    public static SupportedApis supportedApis(final boolean enableUnstable)
    {
        final SupportedApis.Builder builder = SupportedApis.builder()
            .add(KafkaApis.PRODUCE, ProduceRequestDecoder.MIN_VERSION,
                (short)Math.min(ProduceRequestDecoder.MAX_VERSION, latest(KafkaApis.PRODUCE, enableUnstable)))
            .advertiseFrom(KafkaApis.PRODUCE, ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION)
            .add(KafkaApis.FETCH, FetchResponseEncoder.MIN_VERSION,
                (short)Math.min(FetchResponseEncoder.MAX_VERSION, latest(KafkaApis.FETCH, enableUnstable)));
        for (final ApiKeys api : ALL_VERSIONS)
        {
            builder.addAllVersions(api.id, enableUnstable);
        }
        return builder.build();
    }

    /**
     * The handlers of the APIs for consoles and tools, for the request router's cold-path map: DescribeLogDirs,
     * DescribeProducers, and the three ACL APIs (answered SECURITY_DISABLED: there is no authorizer). Every one
     * runs on the admin thread.
     *
     * @param partitions the replica manager: the partitions this broker holds.
     * @param config     the broker's configuration (its log dirs).
     * @return api key to handler.
     */
    public static Map<Short, ColdPathApi> coldPathApis(final ReplicaManager partitions, final BrokerConfig config)
    {
        final LogDirsApi logDirs = new LogDirsApi(partitions, config.logDirs());
        final ProducersApi producers = new ProducersApi(partitions);
        final Map<Short, ColdPathApi> apis = new HashMap<>();
        apis.put(ApiKeys.DESCRIBE_LOG_DIRS.id, logDirs::describeLogDirs);
        apis.put(ApiKeys.DESCRIBE_PRODUCERS.id, producers::describeProducers);
        apis.put(ApiKeys.DESCRIBE_ACLS.id, AclApis::describeAcls);
        apis.put(ApiKeys.CREATE_ACLS.id, AclApis::createAcls);
        apis.put(ApiKeys.DELETE_ACLS.id, AclApis::deleteAcls);
        return Map.copyOf(apis);
    }

    private static short latest(final short apiKey, final boolean enableUnstable)
    {
        return enableUnstable ? KafkaApis.latestVersion(apiKey) : KafkaApis.latestStableVersion(apiKey);
    }
}
