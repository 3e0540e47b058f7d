package io.ringlog.tools.client;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Failed sends, counted from the producer's callback thread; the first one kept to explain them all. */
public final class SendErrors
{
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> first = new AtomicReference<>();

    /** From a send callback; does nothing when {@code ex} is null (the send succeeded). Any thread. */
    public void onCompletion(final Exception ex)
    {
        if (ex != null)
        {
            failed.incrementAndGet();
            first.compareAndSet(null, ex);
        }
    }

    /** Throw the explained failure when any of {@code total} sends failed. */
    public void throwIfAny(final ClientOptions client, final long total)
    {
        if (failed.get() > 0)
        {
            throw client.sendFailures(failed.get(), total, first.get());
        }
    }
}
