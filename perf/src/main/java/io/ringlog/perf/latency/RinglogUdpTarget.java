package io.ringlog.perf.latency;

/**
 * Ringlog over UDP on loopback ({@code ringlog-udp}): the native producer and a native consumer
 * ({@link RinglogConsumerTarget}) reach an in-process broker through a media driver of the client's own, as a client
 * on another host would: ingress {@code aeron:udp?endpoint=127.0.0.1:<free port>}, the egress on a response channel
 * on another free port. Every message crosses the kernel's UDP stack twice (produce, then the RecordsMessage back),
 * each time through two drivers' duty cycles (the client's sender and the broker's receiver, then the broker's sender
 * and the client's receiver). On 2 cores neither driver may spin (the harness and the broker's shard do): both back
 * off, parking up to 100 µs, and their wake-ups are in the latencies.
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
public final class RinglogUdpTarget extends RinglogConsumerTarget
{
    /** A target that starts nothing until {@link #start}. */
    public RinglogUdpTarget()
    {
        super("ringlog-udp", true);
    }
}
