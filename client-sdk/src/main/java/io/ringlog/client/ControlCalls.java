package io.ringlog.client;

import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * Control-path requests waiting for their answer, by correlation id, each with a deadline. Bounded: at most
 * {@link #MAX_PENDING} at once ({@link #register} refuses more, and the caller answers {@code BACK_PRESSURED}), so
 * a caller that fires requests faster than the broker answers cannot grow the map.
 * <p>
 * Entries are pooled, so a steady stream of calls (group heartbeats, auto-commits) allocates nothing once the pool
 * has grown to the largest number ever pending. Owned by the client's thread.
 */
final class ControlCalls
{
    /** A client has a handful of calls out at once (a group round, a commit per partition); 4096 is generous. */
    static final int MAX_PENDING = 4096;

    private static final class Call
    {
        long correlationId;
        long deadlineMs;
        ResponseListener listener;
        Object owner;
    }

    private final Long2ObjectHashMap<Call> pending = new Long2ObjectHashMap<>();
    private final ArrayList<Call> expired = new ArrayList<>();
    private final ArrayDeque<Call> free = new ArrayDeque<>();
    private long nextDeadlineMs = Long.MAX_VALUE;

    /** @return false when {@link #MAX_PENDING} calls are already out. */
    private long nextCorrelationId = 1;

    /** The client's one correlation-id counter, shared by every broker connection's proxy. */
    long nextCorrelationId()
    {
        return nextCorrelationId++;
    }

    boolean register(final long correlationId, final long deadlineMs, final ResponseListener listener)
    {
        return register(correlationId, deadlineMs, listener, null);
    }

    /** @param owner the broker connection's proxy the request went out on, for {@link #failAll(Object, short, String)}. */
    boolean register(final long correlationId, final long deadlineMs, final ResponseListener listener,
        final Object owner)
    {
        if (pending.size() >= MAX_PENDING)
        {
            return false;
        }
        Call call = free.pollFirst();
        if (null == call)
        {
            call = new Call();
        }
        call.correlationId = correlationId;
        call.deadlineMs = deadlineMs;
        call.listener = listener;
        call.owner = owner;
        pending.put(correlationId, call);
        nextDeadlineMs = Math.min(nextDeadlineMs, deadlineMs);
        return true;
    }

    void cancel(final long correlationId)
    {
        final Call call = pending.remove(correlationId);
        if (null != call)
        {
            recycle(call);
        }
    }

    private ResponseListener recycle(final Call call)
    {
        final ResponseListener listener = call.listener;
        call.listener = null;
        call.owner = null;
        free.addLast(call);
        return listener;
    }

    int size()
    {
        return pending.size();
    }

    /** @return true when a call was waiting for this answer. */
    boolean onResponse(
        final long correlationId,
        final int templateId,
        final DirectBuffer buffer,
        final int offset,
        final int blockLength,
        final int version)
    {
        final Call call = pending.remove(correlationId);
        if (null == call)
        {
            return false;
        }
        recycle(call).onResponse(templateId, buffer, offset, blockLength, version);
        return true;
    }

    /** @return true when a call was waiting for this correlation id. */
    boolean onError(final long correlationId, final short errorCode, final String message)
    {
        final Call call = pending.remove(correlationId);
        if (null == call)
        {
            return false;
        }
        recycle(call).onError(errorCode, message);
        return true;
    }

    /** Fail every pending call: the session they were sent on is gone, so no answer will come. */
    /**
     * Fail the calls that went out on one connection (its session was lost: they will not be answered); the others
     * wait on. Cold path.
     */
    void failAll(final Object owner, final short errorCode, final String message)
    {
        if (pending.isEmpty())
        {
            return;
        }
        expired.clear();
        for (final Call call : pending.values())
        {
            if (call.owner == owner)
            {
                expired.add(call);
            }
        }
        for (final Call call : expired)
        {
            pending.remove(call.correlationId);
        }
        for (final Call call : expired)
        {
            recycle(call).onError(errorCode, message);
        }
        expired.clear();
    }

    void failAll(final short errorCode, final String message)
    {
        if (pending.isEmpty())
        {
            return;
        }
        expired.clear();
        expired.addAll(pending.values());
        pending.clear();
        nextDeadlineMs = Long.MAX_VALUE;
        for (final Call call : expired)
        {
            recycle(call).onError(errorCode, message);
        }
        expired.clear();
    }

    /** Time out calls past their deadline. One comparison when nothing is due. */
    int expire(final long nowMs)
    {
        if (nowMs < nextDeadlineMs)
        {
            return 0;
        }
        expired.clear();
        long next = Long.MAX_VALUE;
        for (final Call call : pending.values())
        {
            if (call.deadlineMs <= nowMs)
            {
                expired.add(call);
            }
            else
            {
                next = Math.min(next, call.deadlineMs);
            }
        }
        nextDeadlineMs = next;
        for (final Call call : expired)
        {
            pending.remove(call.correlationId);
        }
        for (final Call call : expired)
        {
            final long correlationId = call.correlationId;
            recycle(call).onError(NativeErrors.REQUEST_TIMED_OUT, "no answer to request " + correlationId);
        }
        final int count = expired.size();
        expired.clear();
        return count;
    }
}
