package io.ringlog.broker.kafka.group;

import io.ringlog.broker.kafka.ColdPathApi;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Responses the coordinator builds in more than one place, each valid at the version it answers (fields a version
 * lacks are left at their defaults, or serialising would fail). Stateless; any thread.
 */
final class GroupResponses
{
    private GroupResponses()
    {
    }

    /**
     * The response that carries one error for the whole request, as kafka-clients' request classes build it (each
     * knows where its api puts error codes). Cold path: the request is written back and parsed again.
     */
    static ApiMessage error(final ColdPathApi.ApiRequest request, final Errors error)
    {
        final ApiKeys key = ApiKeys.forId(request.apiKey());
        final AbstractRequest parsed = AbstractRequest.parseRequest(key, request.version(),
            MessageUtil.toByteBufferAccessor(request.data(), request.version())).request;
        final Throwable cause = error == Errors.UNSUPPORTED_VERSION ?
            new UnsupportedVersionException(key.name + " v" + request.version() + " is not supported") : error.exception();
        return parsed.getErrorResponse(0, cause).data();
    }

    /** A JoinGroup refused with {@code error}; {@code memberId} is the id the member should use from now on. */
    static JoinGroupResponseData joinError(final short version, final Errors error, final String memberId)
    {
        return new JoinGroupResponseData()
            .setErrorCode(error.code())
            .setGenerationId(-1)
            .setProtocolName(version >= 7 ? null : "")
            .setLeader("")
            .setMemberId(memberId == null ? "" : memberId);
    }

    static SyncGroupResponseData syncError(final Errors error)
    {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(GroupMember.EMPTY);
    }
}
