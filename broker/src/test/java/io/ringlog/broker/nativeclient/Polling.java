package io.ringlog.broker.nativeclient;

import io.ringlog.client.RinglogClient;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Drive a client until a condition holds, parking when idle (never spinning), with a deadline. */
final class Polling
{
    private Polling()
    {
    }

    static void until(final RinglogClient client, final String what, final long timeoutMs, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeoutMs + " ms waiting for: " + what);
            }
            if (client.poll() == 0)
            {
                LockSupport.parkNanos(100_000);
            }
        }
    }

    static void until(final String what, final long timeoutMs, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeoutMs + " ms waiting for: " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
