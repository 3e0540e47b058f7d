package io.ringlog.broker.kafka.group;

import io.ringlog.broker.kafka.AsyncApi;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataImage;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Map;

/**
 * The group APIs as the request router sees them, on the selector thread. FindCoordinator is answered at once (it
 * needs only the metadata image); every other group request is handed to the {@link GroupCoordinator}'s bounded
 * queue and answered from its thread. A full queue is answered at once with COORDINATOR_LOAD_IN_PROGRESS while the
 * coordinator replays its log, COORDINATOR_NOT_AVAILABLE after: both make clients back off and retry.
 */
final class GroupApis implements AsyncApi
{
    /** The group APIs this class answers, FindCoordinator included. */
    static final List<ApiKeys> APIS = List.of(ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP,
        ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.LIST_GROUPS,
        ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS, ApiKeys.OFFSET_DELETE);

    /** FindCoordinator's key types. */
    private static final byte GROUP_KEY = 0;
    private static final byte TRANSACTION_KEY = 1;

    /**
     * The answer to FindCoordinator(TRANSACTION) until transactions exist: one that each client treats as fatal at
     * once, with a message saying why, instead of COORDINATOR_NOT_AVAILABLE, which all three retry until their
     * timeout (kafka-clients blocks {@code initTransactions()} for {@code max.block.ms}). The clients' rules decide:
     * <ul>
     *   <li>kafka-clients ({@code TransactionManager.FindCoordinatorHandler}) fails the producer on any error that is
     *       neither retriable nor one of TRANSACTIONAL_ID_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED,
     *       TRANSACTION_ABORTABLE, with "... due to unexpected error: " and the response's error message;</li>
     *   <li>librdkafka ({@code rd_kafka_txn_handle_FindCoordinator}) retries every error except
     *       TRANSACTIONAL_ID_AUTHORIZATION_FAILED and CLUSTER_AUTHORIZATION_FAILED, which are fatal and whose message
     *       includes the response's error message;</li>
     *   <li>kafkajs ({@code findGroupCoordinatorMetadata}) retries only COORDINATOR_NOT_AVAILABLE and gives up at once
     *       on any other error; its broker pool drops the error itself, so whatever the code it can only say
     *       KafkaJSGroupCoordinatorNotFound, "Failed to find group coordinator".</li>
     * </ul>
     * So CLUSTER_AUTHORIZATION_FAILED is the one code all three fail on at once; TRANSACTIONAL_ID_AUTHORIZATION_FAILED
     * would suggest an ACL on that id could fix it. The message says what is really wrong (kafka-clients and
     * librdkafka show it; kafkajs cannot).
     */
    static final Errors TRANSACTIONS_UNSUPPORTED = Errors.CLUSTER_AUTHORIZATION_FAILED;

    private final GroupCoordinator coordinator;
    private final Controller controller;

    GroupApis(final GroupCoordinator coordinator, final Controller controller)
    {
        this.coordinator = coordinator;
        this.controller = controller;
    }

    @Override
    public void handle(final ColdPathApi.ApiRequest request, final ResponseSink response)
    {
        if (request.apiKey() == ApiKeys.FIND_COORDINATOR.id)
        {
            response.send(findCoordinator(request));
            return;
        }
        if (!coordinator.submit(new GroupCall(request, response)))
        {
            response.send(GroupResponses.error(request,
                coordinator.isLoaded() ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.COORDINATOR_LOAD_IN_PROGRESS));
        }
    }

    /** FindCoordinator: one key up to v3, a batch of keys from v4 (KIP-699). */
    private FindCoordinatorResponseData findCoordinator(final ColdPathApi.ApiRequest request)
    {
        final FindCoordinatorRequestData data = request.body();
        final byte keyType = request.version() >= 1 ? data.keyType() : GROUP_KEY;
        final MetadataImage image = controller.image();
        final FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.version() < 4)
        {
            final FindCoordinatorResponseData.Coordinator c = coordinator(image, data.key(), keyType);
            return response.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
                .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
        }
        for (final String key : data.coordinatorKeys())
        {
            response.coordinators().add(coordinator(image, key, keyType));
        }
        return response;
    }

    private FindCoordinatorResponseData.Coordinator coordinator(final MetadataImage image, final String key,
        final byte keyType)
    {
        final FindCoordinatorResponseData.Coordinator c = new FindCoordinatorResponseData.Coordinator().setKey(key);
        if (keyType == TRANSACTION_KEY)
        {
            return fail(c, TRANSACTIONS_UNSUPPORTED, transactionsUnsupported(key));
        }
        if (keyType != GROUP_KEY || key == null)
        {
            return fail(c, Errors.INVALID_REQUEST, "unsupported key type " + keyType);
        }
        final MetadataImage.PartitionImage partition =
            image.partition(OffsetsLog.TOPIC, coordinator.log.partitionFor(key));
        final MetadataImage.BrokerRegistration leader = partition == null ? null : image.brokers().get(partition.leader());
        if (leader == null)
        {
            return fail(c, Errors.COORDINATOR_NOT_AVAILABLE, "the coordinator's partition has no leader");
        }
        return c.setErrorCode(Errors.NONE.code()).setNodeId(leader.nodeId()).setHost(leader.host()).setPort(leader.port());
    }

    /** The message a transactional producer gets, whatever its client. */
    static String transactionsUnsupported(final String transactionalId)
    {
        return "Transactions are not supported by this Ringlog broker (transactional.id '" + transactionalId +
            "'): produce without transactional.id; enable.idempotence=true still gives exactly-once per partition";
    }

    private static FindCoordinatorResponseData.Coordinator fail(final FindCoordinatorResponseData.Coordinator c,
        final Errors error, final String message)
    {
        return c.setErrorCode(error.code()).setErrorMessage(message).setNodeId(-1).setHost("").setPort(-1);
    }

    /** This object under every group api key, for the router's {@code async} map. */
    Map<Short, AsyncApi> byApiKey()
    {
        final java.util.HashMap<Short, AsyncApi> map = new java.util.HashMap<>();
        APIS.forEach(api -> map.put(api.id, this));
        return Map.copyOf(map);
    }
}
