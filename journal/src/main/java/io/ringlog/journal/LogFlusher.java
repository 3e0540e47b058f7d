package io.ringlog.journal;

import org.agrona.concurrent.Agent;

import java.util.Arrays;

/**
 * Runs the fsyncs that partition logs ask for ({@code flush.messages}, {@code flush.ms}, a roll) on its own thread,
 * so a partition's writer never blocks on the disk. An Agrona {@link Agent}: run it with an {@code AgentRunner} and
 * a sleeping idle strategy; each duty cycle flushes every registered log whose writer asked for it.
 * <p>
 * Threading: {@link #register} and {@link #unregister} are for the thread that owns the flusher's set-up (cold
 * path; the array is replaced, never mutated, so the duty cycle reads a stable snapshot). {@link #doWork} runs on
 * the flusher's thread.
 */
public final class LogFlusher implements Agent
{
    /**
     * Told of each fsync the flusher ran, on the flusher thread, right after it returned: the single writer of
     * whatever it records (the broker's flush-time histogram). It must not block; an fsync takes from tens of
     * microseconds to many milliseconds, so a few nanoseconds of recording are lost in it.
     */
    @FunctionalInterface
    public interface FlushListener
    {
        /**
         * @param log        the log flushed.
         * @param durationNs how long {@link PartitionLog#flush()} took, by {@link System#nanoTime()}.
         */
        void onFlush(PartitionLog log, long durationNs);
    }

    private final FlushListener listener;
    private volatile PartitionLog[] logs = new PartitionLog[0];

    /** A flusher that tells nobody of its flushes. */
    public LogFlusher()
    {
        this((log, durationNs) -> { });
    }

    /** @param listener told of each flush, on the flusher thread. */
    public LogFlusher(final FlushListener listener)
    {
        this.listener = listener;
    }

    /** Take over the fsyncs of {@code log}; call before its writer starts appending. */
    public void register(final PartitionLog log)
    {
        log.attachFlusher();
        final PartitionLog[] current = logs;
        final PartitionLog[] updated = Arrays.copyOf(current, current.length + 1);
        updated[current.length] = log;
        logs = updated;
    }

    public void unregister(final PartitionLog log)
    {
        logs = Arrays.stream(logs).filter(l -> l != log).toArray(PartitionLog[]::new);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (final PartitionLog log : logs)
        {
            if (log.isFlushRequested() && !log.isClosed())
            {
                final long start = System.nanoTime();
                log.flush();
                listener.onFlush(log, System.nanoTime() - start);
                work++;
            }
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return "ringlog-log-flusher";
    }
}
