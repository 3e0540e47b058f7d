package io.ringlog.perf.latency;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.reader.SameHostReader;
import io.ringlog.client.record.RecordHandler;
import org.agrona.CloseHelper;

/**
 * Ringlog, IPC produce to same-host read ({@code ringlog-ipc-same-host}): the native producer sends each message over
 * Aeron IPC to an in-process broker in its low-latency profile (gateway and shard 0 on one spinning thread), and a
 * {@link SameHostReader} on the harness thread reads it from the partition's mapped journal segment once the high
 * watermark, published by the shard in an Aeron counter, has passed it. The headline path: its target is p99
 * under 10 µs at 100k msg/s with 64 B, within 3x of raw Aeron IPC.
 * <p>
 * Each {@link #poll} runs the client's duty cycle (the batch sent this turn goes out on the ingress; keep-alives),
 * then the reader: two volatile counter reads when nothing is new, the batch header and the record's varints when
 * something is; the value is handed over where it lies in the mapped file, not copied. The reader starts at the high
 * watermark, which is 0: the topic is new. See {@link RinglogTarget} for the producer's settings and the options.
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
public final class RinglogIpcTarget extends RinglogTarget
{
    private SameHostReader reader;

    /** A target that starts nothing until {@link #start}. */
    public RinglogIpcTarget()
    {
        super("ringlog-ipc-same-host", false);
    }

    @Override
    void openReceiver(final RinglogClient client)
    {
        reader = SameHostReader.open(client, InProcessBroker.TOPIC, 0, SameHostReader.LATEST);
    }

    @Override
    int pollReceiver(final RinglogClient client, final RecordHandler handler, final int limit)
    {
        client.poll();
        final int read = reader.poll(handler, limit);
        if (read < 0)
        {
            throw new IllegalStateException("same-host reader: " + code(read) +
                (read == SameHostReader.STORAGE_ERROR ? " " + reader.lastError() : ""));
        }
        return read;
    }

    @Override
    void closeReceiver()
    {
        CloseHelper.close(reader);
    }

    private static String code(final int result)
    {
        return switch (result)
        {
            case SameHostReader.UNSUPPORTED_COMPRESSION -> "UNSUPPORTED_COMPRESSION";
            case SameHostReader.CORRUPT_BATCH -> "CORRUPT_BATCH";
            case SameHostReader.COUNTERS_CLOSED -> "COUNTERS_CLOSED";
            case SameHostReader.STORAGE_ERROR -> "STORAGE_ERROR";
            default -> "code " + result;
        };
    }
}
