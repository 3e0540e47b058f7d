package io.ringlog.perf.latency;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * Anchor (a), one way: an Aeron IPC publication and a subscription to it on the same thread, offer then poll; the
 * closest raw analogue of a Ringlog producer and a same-host reader driven by one thread. No thread of its own spins
 * (the media driver backs off, see {@link EmbeddedAeron}), so a busy-spin run uses one core. At low rates the
 * latency is what one offer and one poll cost plus the wait for the loop to come round to the poll.
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
public final class AeronIpcOneWay implements LatencyTarget
{
    /** The one stream, publication and subscription. */
    static final int STREAM = 1003;

    private static final String CHANNEL = "aeron:ipc";

    private final FragmentHandler onFragment = this::onFragment;
    private FragmentHandler handler = onFragment;
    private EmbeddedAeron aeron;
    private ExclusivePublication publication;
    private Subscription subscription;
    private MessageReceiver receiver;

    @Override
    public String name()
    {
        return "aeron-ipc-oneway";
    }

    @Override
    public List<String> threadNames()
    {
        return EmbeddedAeron.THREAD_NAMES;
    }

    @Override
    public void start(final TargetSettings settings)
    {
        aeron = EmbeddedAeron.launch(settings);
        publication = aeron.aeron().addExclusivePublication(CHANNEL, STREAM);
        subscription = aeron.aeron().addSubscription(CHANNEL, STREAM);
        if (settings.messageLength() > publication.maxPayloadLength())
        {
            handler = new FragmentAssembler(onFragment);
        }
        EmbeddedAeron.await("the IPC stream to connect", () -> publication.isConnected() && subscription.isConnected());
    }

    @Override
    public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
    {
        return EmbeddedAeron.offered(publication.offer(payload, 0, length));
    }

    @Override
    public int poll(final MessageReceiver receiver, final int limit)
    {
        this.receiver = receiver;
        return subscription.poll(handler, limit);
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(publication, subscription, aeron);
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        receiver.onMessage(buffer, offset, length);
    }
}
