package io.ringlog.client;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits for a condition with a deadline, checking it every 100 microseconds (parked, never spinning). */
public final class Await
{
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private Await()
    {
    }

    public static void until(final String what, final BooleanSupplier condition)
    {
        until(what, DEFAULT_TIMEOUT, condition);
    }

    public static void until(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeout + " waiting for: " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }
}
