package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.kafka.ColdPathApi;

import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.producer.ProducerIdManager;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.Map;

/** DescribeCluster and InitProducerId (idempotent producers; transactions come with their issue). Admin thread. */
public final class ClusterApi
{
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;
    /** DescribeCluster's endpoint type for brokers (v1+); controllers are type 2. */
    private static final byte ENDPOINT_TYPE_BROKERS = 1;

    private final Controller controller;
    private final ProducerIdManager producerIds;

    public ClusterApi(final Controller controller, final ProducerIdManager producerIds)
    {
        this.controller = controller;
        this.producerIds = producerIds;
    }

    public ApiMessage describeCluster(final ColdPathApi.ApiRequest request)
    {
        final DescribeClusterRequestData data = request.body();
        final MetadataImage image = controller.image();
        final DescribeClusterResponseData response = new DescribeClusterResponseData()
            .setErrorCode(Errors.NONE.code())
            .setClusterId(image.clusterId())
            .setControllerId(image.controllerId())
            .setEndpointType(ENDPOINT_TYPE_BROKERS)
            .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        // v2 (KIP-1073): fenced brokers too when asked, flagged; otherwise only those holding a lease.
        final Map<Integer, MetadataImage.BrokerRegistration> brokers =
            data.includeFencedBrokers() ? image.brokers() : image.liveBrokers();
        for (final MetadataImage.BrokerRegistration broker : brokers.values())
        {
            response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                .setBrokerId(broker.nodeId()).setHost(broker.host()).setPort(broker.port()).setRack(broker.rack())
                .setIsFenced(broker.fenced()));
        }
        return response;
    }

    public ApiMessage initProducerId(final ColdPathApi.ApiRequest request)
    {
        final InitProducerIdRequestData data = request.body();
        final InitProducerIdResponseData response = new InitProducerIdResponseData()
            .setProducerId(-1).setProducerEpoch((short)-1);
        if (data.transactionalId() != null)
        {
            // Transactions arrive with their own issue; until then a transactional producer is told the broker
            // does not support them (kafka-clients raises UnsupportedVersionException).
            return response.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        }
        if (data.producerId() >= 0)
        {
            // A producer bumping its epoch after an error (KIP-360): the same id, the next epoch, sequences restart.
            final short epoch = data.producerEpoch();
            if (epoch == Short.MAX_VALUE - 1 || epoch < 0)
            {
                return allocate(response);
            }
            return response.setErrorCode(Errors.NONE.code()).setProducerId(data.producerId())
                .setProducerEpoch((short)(epoch + 1));
        }
        return allocate(response);
    }

    private InitProducerIdResponseData allocate(final InitProducerIdResponseData response)
    {
        try
        {
            return response.setErrorCode(Errors.NONE.code()).setProducerId(producerIds.nextProducerId())
                .setProducerEpoch((short)0);
        }
        catch (final IOException ex)
        {
            return response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }
}
