package io.ringlog.tools.perf;

/** Rates over the time since the previous progress line. Used by the progress thread only. */
final class Meter
{
    private long lastCount;
    private long lastBytes;
    private long lastNs = System.nanoTime();

    /** @return records/s and MiB/s since the last call, for running totals {@code count} and {@code bytes}. */
    String since(final long count, final long bytes)
    {
        final long now = System.nanoTime();
        final String rate = PerfCommand.rate(count - lastCount, bytes - lastBytes, now - lastNs);
        lastCount = count;
        lastBytes = bytes;
        lastNs = now;
        return rate;
    }
}
