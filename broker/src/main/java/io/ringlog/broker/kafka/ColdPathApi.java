package io.ringlog.broker.kafka;

import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A Kafka API answered on the admin thread with kafka-clients' generated message classes: topics, configs,
 * metadata, offsets by time, producer ids. Allocation is fine here; blocking briefly on a file is too, since the
 * selector thread never waits for it.
 */
@FunctionalInterface
public interface ColdPathApi
{
    /**
     * @param request the decoded request and its header.
     * @return the response data, to be written at the request's version.
     */
    ApiMessage handle(ApiRequest request);

    /**
     * A request as a cold-path handler sees it.
     *
     * @param apiKey        the api.
     * @param version       its version.
     * @param correlationId the client's correlation id.
     * @param clientId      the client's id, or null.
     * @param data          the generated request data object.
     */
    record ApiRequest(short apiKey, short version, int correlationId, String clientId, ApiMessage data)
    {
        @SuppressWarnings("unchecked")
        public <T extends ApiMessage> T body()
        {
            return (T)data;
        }
    }
}
