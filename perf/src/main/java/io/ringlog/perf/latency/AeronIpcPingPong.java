package io.ringlog.perf.latency;

import io.aeron.ControlledFragmentAssembler;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Anchor (a), the limit: a raw Aeron IPC ping-pong. The harness thread offers each ping to {@code aeron:ipc} stream
 * {@value #PING_STREAM} and polls pongs from stream {@value #PONG_STREAM}; an echo agent on its own thread,
 * {@value #ECHO_THREAD}, polls the pings and offers each one back unchanged. A sample is the round trip (pong received
 * minus ping due), so {@link #legs()} is 2 and the tables show the round trip and half of it.
 * <p>
 * Two spinning threads in busy-spin runs (the harness and the echo), the budget of the 2-core low-latency profile;
 * the media driver backs off ({@link EmbeddedAeron}). The pings are paced open loop at the run's rate, not one at a
 * time: several may be in flight, and the rate is capped by the slower of the two threads' per-message cost, not by
 * the round trip. Exclusive publications (one writer each). Messages larger than one IPC frame's payload are
 * fragmented and reassembled on both sides.
 * <p>
 * Not thread-safe: {@link #start}, {@link #send}, {@link #poll} and {@link #close} on the harness thread; the echo
 * agent owns its subscription and publication.
 */
public final class AeronIpcPingPong implements LatencyTarget
{
    /** Pings: harness to echo. */
    static final int PING_STREAM = 1001;
    /** Pongs: echo to harness. */
    static final int PONG_STREAM = 1002;
    /** The echo agent's thread. */
    static final String ECHO_THREAD = "latency-echo";

    private static final String CHANNEL = "aeron:ipc";
    private static final int ECHO_FRAGMENT_LIMIT = 256;

    private final AtomicReference<Throwable> echoError = new AtomicReference<>();
    private final FragmentHandler onPong = this::onPong;
    private FragmentHandler pongHandler = onPong;
    private EmbeddedAeron aeron;
    private ExclusivePublication ping;
    private Subscription pong;
    private AgentRunner echoRunner;
    private MessageReceiver receiver;

    @Override
    public String name()
    {
        return "aeron-ipc-pingpong";
    }

    @Override
    public int legs()
    {
        return 2;
    }

    @Override
    public List<String> threadNames()
    {
        final List<String> names = new ArrayList<>(EmbeddedAeron.THREAD_NAMES);
        names.add(ECHO_THREAD);
        return names;
    }

    @Override
    public void start(final TargetSettings settings)
    {
        aeron = EmbeddedAeron.launch(settings);
        ping = aeron.aeron().addExclusivePublication(CHANNEL, PING_STREAM);
        pong = aeron.aeron().addSubscription(CHANNEL, PONG_STREAM);
        final Echo echo = new Echo(
            aeron.aeron().addSubscription(CHANNEL, PING_STREAM),
            aeron.aeron().addExclusivePublication(CHANNEL, PONG_STREAM),
            settings.messageLength());
        if (settings.messageLength() > ping.maxPayloadLength())
        {
            pongHandler = new FragmentAssembler(onPong);
        }
        final ErrorHandler errors = (throwable) ->
        {
            if (!echoError.compareAndSet(null, throwable))
            {
                echoError.get().addSuppressed(throwable);
            }
        };
        echoRunner = new AgentRunner(settings.idle().newIdleStrategy(), errors, null, echo);
        AgentRunner.startOnThread(echoRunner);
        EmbeddedAeron.await("the ping-pong streams to connect",
            () -> ping.isConnected() && pong.isConnected() && echo.pong.isConnected());
    }

    @Override
    public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
    {
        return EmbeddedAeron.offered(ping.offer(payload, 0, length));
    }

    @Override
    public int poll(final MessageReceiver receiver, final int limit)
    {
        this.receiver = receiver;
        return pong.poll(pongHandler, limit);
    }

    @Override
    public void close()
    {
        try
        {
            CloseHelper.closeAll(echoRunner, ping, pong, aeron);
        }
        finally
        {
            final Throwable error = echoError.get();
            if (null != error)
            {
                throw new IllegalStateException("the echo failed", error);
            }
        }
    }

    private void onPong(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        receiver.onMessage(buffer, offset, length);
    }

    /**
     * Offers every ping back as a pong. A pong that cannot be offered (back-pressured) aborts the poll, so the same
     * ping is delivered again on the next duty cycle: nothing blocks and nothing is dropped.
     */
    static final class Echo implements Agent
    {
        private final Subscription ping;
        private final ExclusivePublication pong;
        private final ControlledFragmentHandler handler;

        Echo(final Subscription ping, final ExclusivePublication pong, final int messageLength)
        {
            this.ping = ping;
            this.pong = pong;
            final ControlledFragmentHandler echo = this::onPing;
            this.handler = messageLength > pong.maxPayloadLength() ? new ControlledFragmentAssembler(echo) : echo;
        }

        @Override
        public int doWork()
        {
            return ping.controlledPoll(handler, ECHO_FRAGMENT_LIMIT);
        }

        @Override
        public void onClose()
        {
            CloseHelper.closeAll(ping, pong);
        }

        @Override
        public String roleName()
        {
            return ECHO_THREAD;
        }

        private ControlledFragmentHandler.Action onPing(
            final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            return EmbeddedAeron.offered(pong.offer(buffer, offset, length)) ?
                ControlledFragmentHandler.Action.CONTINUE :
                ControlledFragmentHandler.Action.ABORT;
        }
    }
}
