package io.ringlog.transport.kafka.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static io.ringlog.transport.kafka.net.OrderingTest.correlationIdOf;
import static io.ringlog.transport.kafka.net.OrderingTest.metadataResponse;
import static io.ringlog.transport.kafka.net.OrderingTest.pipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A handler's own duty-cycle work: answers another thread leaves for the selector are encoded there, and a
 * {@code wakeUp} gets a selector blocked in {@code select} to them at once; a request the handler holds back for room
 * stops its connection's reads and is retried within a millisecond, not at the select timeout. The select timeout is
 * set to a minute, so any answer that waited for it would fail the test's time bound.
 */
@Timeout(30)
class HandlerWorkTest
{
    private static final long LONG_SELECT_MS = 60_000;
    private static final long PROMPT_NS = 5_000_000_000L;

    @Test
    void answersLeftForTheSelectorAreEncodedThereAndWakeIt() throws Exception
    {
        final Queue<KafkaRequest> done = new ConcurrentLinkedQueue<>();
        final List<String> wrongThread = new CopyOnWriteArrayList<>();
        final ListenerHarness[] harness = new ListenerHarness[1];
        final KafkaRequestHandler handler = new KafkaRequestHandler()
        {
            @Override
            public void onRequest(final KafkaRequest request)
            {
                // Another thread finishes the work a while later, once the selector is asleep in select.
                new Thread(() ->
                {
                    letTheSelectorFallAsleep();
                    done.add(request);
                    harness[0].listener.wakeUp();
                }).start();
            }

            @Override
            public int doWork()
            {
                int work = 0;
                KafkaRequest request;
                while ((request = done.poll()) != null)
                {
                    if (Thread.currentThread() != harness[0].thread())
                    {
                        wrongThread.add(Thread.currentThread().getName());
                    }
                    request.respond(metadataResponse(request));
                    work++;
                }
                return work;
            }

            @Override
            public boolean hasPendingWork()
            {
                return !done.isEmpty();
            }
        };
        try (ListenerHarness h = ListenerHarness.start(ListenerHarness.context(handler).selectTimeoutMs(LONG_SELECT_MS));
            RawClient client = new RawClient(h.port()))
        {
            harness[0] = h;
            final long start = System.nanoTime();
            client.send(pipeline(1, 3));
            for (int i = 1; i <= 3; i++)
            {
                assertEquals(i, correlationIdOf(client.readFrame()));
            }
            assertTrue(System.nanoTime() - start < PROMPT_NS, "answers waited for the select timeout");
            assertEquals(List.of(), wrongThread);
        }
    }

    @Test
    void aHeldBackRequestStopsItsConnectionAndIsRetriedPromptly() throws Exception
    {
        final Queue<KafkaRequest> held = new ConcurrentLinkedQueue<>();
        final AtomicInteger seen = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicBoolean room = new AtomicBoolean();
        final KafkaRequestHandler handler = new KafkaRequestHandler()
        {
            @Override
            public void onRequest(final KafkaRequest request)
            {
                seen.incrementAndGet();
                held.add(request); // no room yet: held back
            }

            @Override
            public int doWork()
            {
                if (held.isEmpty())
                {
                    return 0;
                }
                retries.incrementAndGet();
                if (!room.get())
                {
                    return 0;
                }
                final KafkaRequest request = held.poll();
                request.respond(metadataResponse(request));
                return 1;
            }

            @Override
            public boolean hasRequestsHeldBack()
            {
                return !held.isEmpty();
            }
        };
        try (ListenerHarness h = ListenerHarness.start(ListenerHarness.context(handler).selectTimeoutMs(LONG_SELECT_MS));
            RawClient client = new RawClient(h.port()))
        {
            client.send(pipeline(1, 2));
            final long heldSince = System.nanoTime();
            while (retries.get() < 10 && System.nanoTime() - heldSince < 5_000_000_000L)
            {
                LockSupport.parkNanos(1_000_000);
            }
            assertTrue(retries.get() >= 10, "retried only " + retries.get() + " times in 5 s while held back");
            assertEquals(1, seen.get(), "the connection was read past a held-back request");
            final long start = System.nanoTime();
            room.set(true); // room, and no wake-up: the listener must retry on its own
            assertEquals(1, correlationIdOf(client.readFrame()));
            assertEquals(2, correlationIdOf(client.readFrame()));
            assertTrue(System.nanoTime() - start < PROMPT_NS, "the retry waited for the select timeout");
            assertEquals(2, seen.get());
        }
    }

    /**
     * The one deliberate delay here: nothing can be observed when a selector has gone to sleep in select, and the
     * point of the test is an answer that arrives after it has (a 200 ms margin, the select timeout being longer).
     */
    private static void letTheSelectorFallAsleep()
    {
        LockSupport.parkNanos(200_000_000L);
    }
}
