package io.ringlog.client;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response-channel scheme on a real media driver: a broker's exclusive publication to exactly the channel a
 * client named reaches that client's subscription, carries a message as long as a full batch, and a publication
 * for another client on the same channel and stream (another session id) is never seen.
 */
@Timeout(60)
class ResponseChannelTest
{
    @Test
    void aSessionIdKeepsOtherClientsEgressOut()
    {
        try (TestDriver driver = new TestDriver())
        {
            for (final String base : new String[] {"aeron:ipc",
                ResponseChannels.base("aeron:udp?endpoint=127.0.0.1:0", "aeron:ipc")})
            {
                final int term = ResponseChannels.termLengthFor(64 * 1024);
                final String mine = ResponseChannels.withSessionId(base, 1001, term);
                final String theirs = ResponseChannels.withSessionId(base, 2002, term);
                try (Subscription subscription = driver.aeron().addSubscription(mine, 7702);
                    ExclusivePublication toMe = driver.aeron().addExclusivePublication(mine, 7702);
                    ExclusivePublication toThem = driver.aeron().addExclusivePublication(theirs, 7702))
                {
                    Await.until("connected on " + base, () -> toMe.isConnected() && subscription.isConnected());
                    assertTrue(toMe.maxMessageLength() >= 64 * 1024, "a full message fits: " + toMe.maxMessageLength());
                    final UnsafeBuffer big = new UnsafeBuffer(new byte[64 * 1024]);
                    big.setMemory(0, big.capacity(), (byte)7);
                    Await.until("offered", () -> toThem.offer(new UnsafeBuffer(new byte[] {2})) > 0 || !toThem.isConnected());
                    Await.until("offered big", () -> toMe.offer(big) > 0);
                    final List<Integer> lengths = new ArrayList<>();
                    final io.aeron.FragmentAssembler assembler = new io.aeron.FragmentAssembler(
                        (buffer, offset, length, header) -> lengths.add(length));
                    Await.until("received", () ->
                    {
                        subscription.poll(assembler, 10);
                        return !lengths.isEmpty();
                    });
                    subscription.poll(assembler, 10);
                    assertEquals(List.of(64 * 1024), lengths);
                    assertEquals(1, subscription.imageCount());
                    assertEquals(1001, subscription.imageAtIndex(0).sessionId());
                }
            }
        }
    }
}
