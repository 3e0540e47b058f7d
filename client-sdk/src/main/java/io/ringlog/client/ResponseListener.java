package io.ringlog.client;

import org.agrona.DirectBuffer;

/**
 * Receives the answer to one control-path request (metadata, offsets, groups, producer ids). Called on the client's
 * thread from inside {@link RinglogClient#poll()}; decode what is needed before returning, the bytes are Aeron's.
 */
public interface ResponseListener
{
    /**
     * The broker answered.
     *
     * @param templateId  the SBE template id of the answer.
     * @param buffer      holding the message.
     * @param offset      of the message body (after the SBE header).
     * @param blockLength from the header, to wrap a decoder with.
     * @param version     from the header, to wrap a decoder with.
     */
    void onResponse(int templateId, DirectBuffer buffer, int offset, int blockLength, int version);

    /**
     * The request failed without an answer of its own: an {@code ErrorResponse}, a timeout
     * ({@code REQUEST_TIMED_OUT}), a lost session ({@code SESSION_CLOSED}) or a full ingress ({@code BACK_PRESSURED}).
     */
    void onError(short errorCode, String message);
}
