package io.ringlog.perf.latency;

/**
 * Ringlog, IPC produce to IPC consume ({@code ringlog-ipc-consumer}): as {@link RinglogIpcTarget}, but read by a native
 * consumer ({@link RinglogConsumerTarget}) instead of the same-host reader: the broker's gateway tails the journal and
 * sends the records on the session's IPC egress, which the consumer reads in place. For comparison with the same-host
 * reader: the same broker and producer, one more hop (the gateway's tailer and the egress log buffer) on the read
 * side.
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
public final class RinglogIpcConsumerTarget extends RinglogConsumerTarget
{
    /** A target that starts nothing until {@link #start}. */
    public RinglogIpcConsumerTarget()
    {
        super("ringlog-ipc-consumer", false);
    }
}
