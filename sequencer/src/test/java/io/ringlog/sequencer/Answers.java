package io.ringlog.sequencer;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Records completions by correlation (0 to capacity - 1): how often each was called, with what status and base
 * offset. Thread-safe: completions arrive on the shard thread, the test reads on its own.
 */
final class Answers implements ProduceCompletion
{
    private final AtomicIntegerArray calls;
    private final AtomicIntegerArray status;
    private final AtomicLongArray baseOffset;
    private final AtomicLongArray logStartOffset;
    private final AtomicInteger total = new AtomicInteger();

    Answers(final int capacity)
    {
        calls = new AtomicIntegerArray(capacity);
        status = new AtomicIntegerArray(capacity);
        baseOffset = new AtomicLongArray(capacity);
        logStartOffset = new AtomicLongArray(capacity);
    }

    @Override
    public void onComplete(
        final long correlation, final int slot, final int code, final long base, final long logAppendTime, final long start)
    {
        final int i = (int)correlation;
        status.set(i, code);
        baseOffset.set(i, base);
        logStartOffset.set(i, start);
        calls.incrementAndGet(i);
        total.incrementAndGet();
        assertEquals(-1L, logAppendTime, "log append time is never set: CreateTime");
    }

    int total()
    {
        return total.get();
    }

    int calls(final int correlation)
    {
        return calls.get(correlation);
    }

    boolean answered(final int correlation)
    {
        return calls.get(correlation) > 0;
    }

    int status(final int correlation)
    {
        return status.get(correlation);
    }

    long baseOffset(final int correlation)
    {
        return baseOffset.get(correlation);
    }

    long logStartOffset(final int correlation)
    {
        return logStartOffset.get(correlation);
    }

    /** Wait for the answer to {@code correlation} and check it was answered once with {@code expected}. */
    void expect(final int correlation, final int expected)
    {
        Harness.await(() -> answered(correlation), "answer to " + correlation);
        assertEquals(1, calls(correlation), "answered once: " + correlation);
        assertEquals(ProduceStatus.describe(expected), ProduceStatus.describe(status(correlation)), "status of " + correlation);
    }
}
