package io.ringlog.broker.kafka.metrics;

import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * The Kafka error codes in a cold-path answer, counted as Apache Kafka counts them for its own per-error request
 * metric: kafka-clients' {@code AbstractResponse.errorCounts()} of the answer's wrapper (every nested topic,
 * partition, group or member error, NONE included). Built on the thread that answers (admin, group coordinator);
 * allocates a wrapper and a small map per answer, which the cold path can afford.
 * <p>
 * An api not listed here (one added to the broker later) is counted by its top-level {@code errorCode} field when
 * its message has one; {@code ResponseErrorsTest} fails when the broker answers an api this switch does not name.
 */
public final class ResponseErrors
{
    /** A message's top-level {@code errorCode()}, or null when it has none. */
    private static final ClassValue<MethodHandle> TOP_LEVEL_ERROR = new ClassValue<>()
    {
        @Override
        protected MethodHandle computeValue(final Class<?> type)
        {
            try
            {
                return MethodHandles.publicLookup().findVirtual(type, "errorCode", MethodType.methodType(short.class));
            }
            catch (final ReflectiveOperationException ex)
            {
                return null;
            }
        }
    };

    private ResponseErrors()
    {
    }

    /** True when {@link #count} names the api, rather than falling back to the top-level field. */
    public static boolean isListed(final short apiKey)
    {
        return wrap(apiKey, (short)0, null, true) != null;
    }

    /**
     * @return each error the answer carries and how many times (NONE may be among them).
     */
    static Map<Errors, Integer> count(final short apiKey, final short version, final ApiMessage response)
    {
        try
        {
            if (wrap(apiKey, version, response, false) instanceof AbstractResponse r)
            {
                return r.errorCounts();
            }
        }
        catch (final RuntimeException ex)
        {
            // Not the message type the api answers with (a handler bug shown elsewhere): the top-level field only.
        }
        final MethodHandle errorCode = TOP_LEVEL_ERROR.get(response.getClass());
        if (errorCode == null)
        {
            return Map.of();
        }
        try
        {
            return Map.of(Errors.forCode((short)errorCode.invoke(response)), 1);
        }
        catch (final Throwable t)
        {
            return Map.of();
        }
    }

    /** The kafka-clients wrapper of an answer; with {@code probe}, a marker object instead, to tell what is listed. */
    private static Object wrap(final short apiKey, final short version, final ApiMessage m, final boolean probe)
    {
        if (!ApiKeys.hasId(apiKey))
        {
            return null;
        }
        final Object listed = Boolean.TRUE;
        return switch (ApiKeys.forId(apiKey))
        {
            case METADATA -> probe ? listed : new MetadataResponse((MetadataResponseData)m, version);
            case API_VERSIONS -> probe ? listed : new ApiVersionsResponse((ApiVersionsResponseData)m);
            case CREATE_TOPICS -> probe ? listed : new CreateTopicsResponse((CreateTopicsResponseData)m);
            case DELETE_TOPICS -> probe ? listed : new DeleteTopicsResponse((DeleteTopicsResponseData)m);
            case CREATE_PARTITIONS -> probe ? listed : new CreatePartitionsResponse((CreatePartitionsResponseData)m);
            case DESCRIBE_CONFIGS -> probe ? listed : new DescribeConfigsResponse((DescribeConfigsResponseData)m);
            case ALTER_CONFIGS -> probe ? listed : new AlterConfigsResponse((AlterConfigsResponseData)m);
            case INCREMENTAL_ALTER_CONFIGS -> probe ? listed :
                new IncrementalAlterConfigsResponse((IncrementalAlterConfigsResponseData)m);
            case LIST_OFFSETS -> probe ? listed : new ListOffsetsResponse((ListOffsetsResponseData)m);
            case OFFSET_FOR_LEADER_EPOCH -> probe ? listed :
                new OffsetsForLeaderEpochResponse((OffsetForLeaderEpochResponseData)m);
            case DELETE_RECORDS -> probe ? listed : new DeleteRecordsResponse((DeleteRecordsResponseData)m);
            case INIT_PRODUCER_ID -> probe ? listed : new InitProducerIdResponse((InitProducerIdResponseData)m);
            case DESCRIBE_CLUSTER -> probe ? listed : new DescribeClusterResponse((DescribeClusterResponseData)m);
            case FIND_COORDINATOR -> probe ? listed : new FindCoordinatorResponse((FindCoordinatorResponseData)m);
            case JOIN_GROUP -> probe ? listed : new JoinGroupResponse((JoinGroupResponseData)m, version);
            case SYNC_GROUP -> probe ? listed : new SyncGroupResponse((SyncGroupResponseData)m);
            case HEARTBEAT -> probe ? listed : new HeartbeatResponse((HeartbeatResponseData)m);
            case LEAVE_GROUP -> probe ? listed : new LeaveGroupResponse((LeaveGroupResponseData)m);
            case OFFSET_COMMIT -> probe ? listed : new OffsetCommitResponse((OffsetCommitResponseData)m);
            case OFFSET_FETCH -> probe ? listed : new OffsetFetchResponse((OffsetFetchResponseData)m, version);
            case LIST_GROUPS -> probe ? listed : new ListGroupsResponse((ListGroupsResponseData)m);
            case DESCRIBE_GROUPS -> probe ? listed : new DescribeGroupsResponse((DescribeGroupsResponseData)m);
            case DELETE_GROUPS -> probe ? listed : new DeleteGroupsResponse((DeleteGroupsResponseData)m);
            case OFFSET_DELETE -> probe ? listed : new OffsetDeleteResponse((OffsetDeleteResponseData)m);
            case DESCRIBE_LOG_DIRS -> probe ? listed : new DescribeLogDirsResponse((DescribeLogDirsResponseData)m);
            case DESCRIBE_PRODUCERS -> probe ? listed : new DescribeProducersResponse((DescribeProducersResponseData)m);
            case DESCRIBE_ACLS -> probe ? listed : new DescribeAclsResponse((DescribeAclsResponseData)m, version);
            case CREATE_ACLS -> probe ? listed : new CreateAclsResponse((CreateAclsResponseData)m);
            case DELETE_ACLS -> probe ? listed : new DeleteAclsResponse((DeleteAclsResponseData)m, version);
            case ELECT_LEADERS -> probe ? listed : new ElectLeadersResponse((ElectLeadersResponseData)m);
            case DESCRIBE_QUORUM -> probe ? listed : new DescribeQuorumResponse((DescribeQuorumResponseData)m);
            default -> null;
        };
    }
}
