package io.ringlog.perf.latency;

import org.agrona.DirectBuffer;

/**
 * Where a {@link LatencyTarget} delivers each message it receives, on the harness thread.
 */
@FunctionalInterface
public interface MessageReceiver
{
    /**
     * One message has arrived.
     *
     * @param buffer holding the message; valid only during this call.
     * @param offset of the message's first byte (the intended send time, see {@link Payload}).
     * @param length of the message.
     */
    void onMessage(DirectBuffer buffer, int offset, int length);
}
