package io.ringlog.broker;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits for a condition with a deadline, checking it every millisecond: these tests never sleep a fixed time. */
final class Conditions
{
    private Conditions()
    {
    }

    /** Return once {@code condition} holds; fail naming {@code what} when it still does not after {@code timeout}. */
    static void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        if (!holdsWithin(timeout, condition))
        {
            fail("timed out after " + timeout + " waiting for: " + what);
        }
    }

    /** Whether {@code condition} holds within {@code timeout}, for a wait whose end is not itself a failure. */
    static boolean holdsWithin(final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }
}
