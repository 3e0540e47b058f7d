package io.ringlog.broker.nativeclient;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.consumer.RinglogConsumer;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendResult;
import io.ringlog.client.record.RecordHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native client's hot paths against a real broker over IPC, measured on the client's thread with the JVM's
 * per-thread allocation counter after warm-up: sending (append, seal, offer, acknowledgements, completions, and the
 * Aeron conductor the client runs in its duty cycle), and consuming (egress poll, records delivered in place).
 * <p>
 * How it is measured, and why: after a warm-up (a million records and at least 5 s, so every timer, the keep-alive
 * every 500 ms included, has run), windows of records are measured one after the other. The JIT may still
 * recompile a method now and then, and a deoptimization re-creates the objects escape analysis had removed in the
 * compiled code: a few hundred bytes, once (seen at up to 2 KB in the first 200,000 records, then never). With
 * {@code -XX:-DoEscapeAnalysis} every window measured 0 bytes: the code allocates nothing, it does not lean on
 * escape analysis. So the test requires a window of exactly 0 bytes and bounds every window far below a byte per
 * record.
 */
@Timeout(240)
class ClientAllocationTest
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private static final int WINDOWS = 5;
    private static final int WINDOW_RECORDS = 300_000;

    @TempDir
    Path root;

    @Test
    void sendingAndConsumingAllocateNothingPerRecord() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false, "native.session.timeout.ms=2000"))
        {
            broker.createTopic("alloc", 2, Map.of());
            final long total;
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().lingerMs(1)))
            {
                total = measureSending(client);
            }
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().autoOffsetReset("earliest")
                .maxPartitionFetchBytes(64 * 1024)))
            {
                measureConsuming(client, total);
            }
        }
    }

    private static long measureSending(final RinglogClient client)
    {
        final long[] acked = {0};
        final RinglogProducer producer = new RinglogProducer(client, (t, p, o, e, token) -> acked[0]++);
        final ProducerTopic topic = producer.topic("alloc");
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
        final long[] sent = {0};
        final Runnable send = () ->
        {
            key.putLong(0, sent[0]);
            while (producer.send(topic, RinglogProducer.ANY_PARTITION, key, 0, 8, value, 0, 64, null,
                RinglogProducer.NOW, sent[0]) != SendResult.OK)
            {
                idle(client.poll());
            }
            sent[0]++;
            if ((sent[0] & 63) == 0)
            {
                client.poll();
            }
        };
        final long warmUntil = System.currentTimeMillis() + 5_000;
        while (sent[0] < 1_000_000)
        {
            send.run();
        }
        while (System.currentTimeMillis() < warmUntil)
        {
            for (int i = 0; i < 1_000; i++)
            {
                send.run(); // at a gentler pace until every timer has run
            }
            client.poll();
            LockSupport.parkNanos(1_000_000);
        }
        producer.flush();

        final List<Long> windows = new ArrayList<>();
        for (int w = 0; w < WINDOWS && (windows.isEmpty() || windows.get(windows.size() - 1) != 0); w++)
        {
            windows.add(measure(() ->
            {
                for (int i = 0; i < WINDOW_RECORDS; i++)
                {
                    send.run();
                }
                while (acked[0] < sent[0])
                {
                    idle(client.poll());
                }
            }));
        }
        System.out.printf("native send path (end to end, IPC): bytes allocated per window of %d records: %s%n",
            WINDOW_RECORDS, windows);
        assertEquals(sent[0], acked[0]);
        assertEquals(0, producer.pendingBatches());
        check(windows, "sending");
        return sent[0];
    }

    private static void measureConsuming(final RinglogClient client, final long total)
    {
        final RinglogConsumer consumer = new RinglogConsumer(client);
        consumer.assign("alloc", 0, 1);
        final long[] read = {0};
        final long[] sum = {0};
        final RecordHandler handler = r ->
        {
            read[0]++;
            sum[0] += r.offset() + r.valueLength();
        };
        final Runnable poll = () -> idle(consumer.poll(handler, 256));
        final long warmUntil = System.currentTimeMillis() + 5_000;
        do
        {
            readFromStart(consumer, read, poll); // the whole topic, again until 5 s have passed
            while (read[0] < total)
            {
                poll.run();
            }
        }
        while (System.currentTimeMillis() < warmUntil);

        final List<Long> windows = new ArrayList<>();
        for (int w = 0; w < WINDOWS && (windows.isEmpty() || windows.get(windows.size() - 1) != 0); w++)
        {
            readFromStart(consumer, read, poll);
            final long target = Math.min(total, read[0] + 4L * WINDOW_RECORDS);
            windows.add(measure(() ->
            {
                while (read[0] < target)
                {
                    poll.run();
                }
            }));
        }
        System.out.printf("native consume path (end to end, IPC): bytes allocated per window of up to %d records: " +
            "%s, %d messages staged%n", 4 * WINDOW_RECORDS, windows, consumer.stagedMessageCount());
        assertTrue(sum[0] > 0);
        check(windows, "consuming");
    }

    private static void check(final List<Long> windows, final String what)
    {
        assertEquals(0L, windows.get(windows.size() - 1), what + ": no window of zero bytes in " + windows);
        for (final long bytes : windows)
        {
            assertTrue(bytes < WINDOW_RECORDS / 100, what + ": " + bytes + " bytes in a window: per record, not JIT");
        }
    }

    /** Seek both partitions to the start and poll until both stream again (a new subscription: cold path). */
    private static void readFromStart(final RinglogConsumer consumer, final long[] read, final Runnable poll)
    {
        consumer.seek("alloc", 0, RinglogConsumer.EARLIEST);
        consumer.seek("alloc", 1, RinglogConsumer.EARLIEST);
        read[0] = 0;
        while (!consumer.isStreaming("alloc", 0) || !consumer.isStreaming("alloc", 1))
        {
            poll.run();
        }
    }

    private static void idle(final int work)
    {
        if (work == 0)
        {
            LockSupport.parkNanos(20_000);
        }
    }

    private static long measure(final Runnable work)
    {
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        work.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
