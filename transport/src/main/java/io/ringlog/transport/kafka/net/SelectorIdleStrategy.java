package io.ringlog.transport.kafka.net;

import org.agrona.concurrent.IdleStrategy;

/**
 * The listener's default idle strategy: when a duty cycle did no work, block in the listener's
 * {@code select} until a socket is ready, another thread completes a request (which then calls
 * {@code selector.wakeup()}), or the select timeout passes.
 * <p>
 * Against {@code BackoffIdleStrategy}, whose parks reach 1 ms: the same zero CPU when idle, but
 * an idle listener wakes on the kernel's readiness event (tens of microseconds) instead of at the
 * end of a park. Against busy spinning: no core burnt, which on a 2-core machine matters more
 * than the few microseconds of a wake-up.
 * <p>
 * <b>Thread:</b> used only by the thread running the listener.
 */
final class SelectorIdleStrategy implements IdleStrategy
{
    /** Alias, as Agrona's idle strategies have. */
    static final String ALIAS = "selector";

    private final KafkaListener listener;

    SelectorIdleStrategy(final KafkaListener listener)
    {
        this.listener = listener;
    }

    public void idle(final int workCount)
    {
        if (workCount <= 0)
        {
            listener.idleSelect();
        }
    }

    public void idle()
    {
        listener.idleSelect();
    }

    public void reset()
    {
    }

    public String alias()
    {
        return ALIAS;
    }
}
