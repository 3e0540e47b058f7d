package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.kafka.ColdPathApi;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeAcls, CreateAcls and DeleteAcls, answered as Kafka answers them on a broker without an authorizer:
 * SECURITY_DISABLED with "No Authorizer is configured.", once for DescribeAcls and once per creation or filter for
 * the other two, so that consoles and kafka-clients' Admin show a {@code SecurityDisabledException} instead of
 * failing on an unknown API. Ringlog has no ACLs yet (no SASL or TLS either): every client may do everything.
 * Stateless; admin thread.
 */
public final class AclApis
{
    /** Kafka's message, word for word, so tools that match on it behave the same. */
    static final String NO_AUTHORIZER = "No Authorizer is configured.";

    private AclApis()
    {
    }

    public static ApiMessage describeAcls(final ColdPathApi.ApiRequest request)
    {
        return new DescribeAclsResponseData()
            .setErrorCode(Errors.SECURITY_DISABLED.code())
            .setErrorMessage(NO_AUTHORIZER);
    }

    public static ApiMessage createAcls(final ColdPathApi.ApiRequest request)
    {
        final CreateAclsRequestData data = request.body();
        final CreateAclsResponseData response = new CreateAclsResponseData();
        for (int i = 0; i < data.creations().size(); i++)
        {
            response.results().add(new CreateAclsResponseData.AclCreationResult()
                .setErrorCode(Errors.SECURITY_DISABLED.code())
                .setErrorMessage(NO_AUTHORIZER));
        }
        return response;
    }

    public static ApiMessage deleteAcls(final ColdPathApi.ApiRequest request)
    {
        final DeleteAclsRequestData data = request.body();
        final DeleteAclsResponseData response = new DeleteAclsResponseData();
        for (int i = 0; i < data.filters().size(); i++)
        {
            response.filterResults().add(new DeleteAclsResponseData.DeleteAclsFilterResult()
                .setErrorCode(Errors.SECURITY_DISABLED.code())
                .setErrorMessage(NO_AUTHORIZER));
        }
        return response;
    }
}
