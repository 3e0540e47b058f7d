package io.ringlog.perf.latency;

import org.agrona.DirectBuffer;

import java.util.List;

/**
 * One system under test for {@link LatencyHarness}: something that carries a message from a sender to a receiver,
 * both driven by the harness thread. Each system is one class; {@link Targets} names the built-in ones and loads any
 * other by class name (public, no-argument constructor).
 *
 * <h2>The contract</h2>
 * <ul>
 *   <li><b>One thread.</b> {@link #start}, {@link #send}, {@link #poll} and {@link #close} are all called on the
 *       harness thread, which paces the sends and polls the receiving side between them. A target may run at most
 *       one thread of its own that spins (an echo, a broker's gateway and shard sharing one thread): on the 2-core
 *       low-latency profile the harness thread is the other. Name every thread the target starts in
 *       {@link #threadNames()} so the harness can check what it allocates.</li>
 *   <li><b>Opaque bytes.</b> The harness owns the payload: bytes {@code [0, length)} of an off-heap,
 *       64-byte-aligned buffer ({@code payload.byteArray() == null}, so {@code payload.addressOffset()} is an
 *       address), holding the intended send time and a sequence number at the offsets in {@link Payload}. The
 *       target carries these bytes unchanged and hands the same bytes back through {@link #poll}; the harness reads
 *       the time from the delivered bytes, so the timestamp really travels through the system.</li>
 *   <li><b>In order, once.</b> Messages come back in the order sent (one stream, one partition); the harness counts
 *       gaps and reordering.</li>
 *   <li><b>No allocation, no blocking</b> in {@code send} and {@code poll} in steady state: that is what is being
 *       measured, and the harness reports the bytes its thread allocated per message.</li>
 * </ul>
 *
 * <h2>Adding a target</h2>
 * Implement this interface; for the Ringlog targets: {@code start} connects the native producer to the broker's
 * gateway (in-process or over a media driver) and opens the consumer or the same-host reader on the same partition,
 * {@code send} publishes the payload as one record's value, {@code poll} polls the consumer or reader and hands each
 * record's value bytes to the receiver. Then add a line to {@link Targets}, or pass the class name to
 * {@code --target}.
 */
public interface LatencyTarget extends AutoCloseable
{
    /**
     * @return the name shown in the tables, e.g. {@code aeron-ipc-pingpong}.
     */
    String name();

    /**
     * How many one-way trips one sample covers: 1 when the receiver reads what the sender sent (produce to read), 2
     * for a round trip (a ping-pong). The harness reports latency / legs too.
     *
     * @return 1 or 2.
     */
    default int legs()
    {
        return 1;
    }

    /**
     * Names (or name prefixes) of the threads this target runs, for the allocation check. Called after
     * {@link #start}.
     *
     * @return thread names; empty if the target runs everything on the harness thread.
     */
    default List<String> threadNames()
    {
        return List.of();
    }

    /**
     * Set up: start whatever runs the system, connect sender and receiver, and return once a message sent now would
     * be delivered (connected, subscribed, at the tail). Control path: throws on failure.
     *
     * @param settings message size, idle strategy and target options for this run.
     * @throws Exception if the system cannot be started.
     */
    void start(TargetSettings settings) throws Exception;

    /**
     * Send one message. Must neither block nor allocate.
     *
     * @param intendedTimeNs the time the message was due, {@link System#nanoTime()} scale; the payload already
     *                       holds it at {@link Payload#INTENDED_TIME_OFFSET}. For targets that want it in their own
     *                       header too.
     * @param payload        the message bytes, off-heap; only {@code [0, length)} is the message.
     * @param length         the message length, the run's message size.
     * @return true if the target took the message; false if it is back-pressured: the harness then polls and offers
     *     the same message again, with the same intended time.
     * @throws IllegalStateException if the target can no longer send at all (closed, disconnected): ends the run.
     */
    boolean send(long intendedTimeNs, DirectBuffer payload, int length);

    /**
     * Deliver the messages that have arrived, oldest first, at most {@code limit} of them, each to
     * {@link MessageReceiver#onMessage} on this thread. Must neither block nor allocate.
     *
     * @param receiver gets each message's bytes, valid only during the call.
     * @param limit    the most messages to deliver in this call.
     * @return how many were delivered (0 when nothing has arrived): the harness's work count.
     */
    int poll(MessageReceiver receiver, int limit);

    /**
     * Stop everything {@link #start} started and delete what it created on disk. Called once, also after a failed
     * start or run (so with some of it never started). Control path: throws an unchecked exception if something
     * could not be shut down cleanly, or if a thread of the target failed during the run.
     */
    @Override
    void close();
}
