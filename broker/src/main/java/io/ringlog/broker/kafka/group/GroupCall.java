package io.ringlog.broker.kafka.group;

import io.ringlog.broker.kafka.AsyncApi;
import io.ringlog.broker.kafka.ColdPathApi;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group request between the selector thread and its answer: the decoded request, where the answer goes, and
 * whether it has gone. A JoinGroup or SyncGroup that waits for the rest of the group is parked in its member; an
 * OffsetCommit waits for its append. Every call is answered exactly once: {@link #answer} refuses a second answer.
 * <p>
 * Created on the selector thread, handed over through the coordinator's queue, then used on the coordinator thread
 * only.
 */
final class GroupCall
{
    private static final Logger LOG = LoggerFactory.getLogger(GroupCall.class);

    final ColdPathApi.ApiRequest request;
    private final AsyncApi.ResponseSink sink;
    private boolean answered;

    GroupCall(final ColdPathApi.ApiRequest request, final AsyncApi.ResponseSink sink)
    {
        this.request = request;
        this.sink = sink;
    }

    short version()
    {
        return request.version();
    }

    <T extends ApiMessage> T body()
    {
        return request.body();
    }

    boolean isAnswered()
    {
        return answered;
    }

    /** Send the answer. A second call is a coordinator bug: logged, never sent. */
    void answer(final ApiMessage response)
    {
        if (answered)
        {
            LOG.error("{} answered twice; the second answer is dropped: {}", request.apiKey(), response);
            return;
        }
        answered = true;
        try
        {
            sink.send(response);
        }
        catch (final RuntimeException ex)
        {
            // The answer did not serialise at the request's version: a coordinator bug, and the client now waits for
            // its request timeout. Say so loudly rather than unwind the duty cycle.
            LOG.error("cannot answer {} v{}: {}", request.apiKey(), request.version(), response, ex);
        }
    }

    /** Answer with the error response the generated classes build for this request. */
    void fail(final Errors error)
    {
        answer(GroupResponses.error(request, error));
    }
}
