package io.ringlog.transport.kafka.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * max.connections, connections.max.idle.ms, the completion queue's back-pressure, and a clean close.
 */
@Timeout(30)
class ConnectionLifecycleTest
{
    @Test
    void stopsAcceptingAtMaxConnectionsAndResumesWhenOneCloses() throws Exception
    {
        final TestHandler handler = new TestHandler();
        final KafkaListenerContext ctx = ListenerHarness.context(handler).maxConnections(1);
        try (ListenerHarness harness = ListenerHarness.start(ctx))
        {
            final RawClient first = new RawClient(harness.port());
            assertTrue(first.isApiVersionsServed());
            try (RawClient second = new RawClient(harness.port()))
            {
                // TCP completes in the kernel's backlog, but the listener does not accept it yet.
                second.send(RawClient.apiVersionsRequest((short)3, 2));
                Await.until("accept paused", () -> harness.counters().acceptPauses() >= 1);
                assertEquals(1, harness.counters().acceptedConnections());
                assertEquals(1, harness.counters().activeConnections());

                first.close();
                assertEquals(2, second.readFrame().getInt(0));
                assertEquals(2, harness.counters().acceptedConnections());
            }
        }
    }

    @Test
    void closesIdleConnectionsButNotOnesWithARequestInFlight() throws Exception
    {
        final TestHandler handler = new TestHandler();
        final KafkaListenerContext ctx = ListenerHarness.context(handler).connectionsMaxIdleMs(200);
        try (ListenerHarness harness = ListenerHarness.start(ctx);
            RawClient idle = new RawClient(harness.port());
            RawClient waiting = new RawClient(harness.port()))
        {
            assertTrue(idle.isApiVersionsServed());
            waiting.send(OrderingTest.pipeline(9, 1));
            final KafkaRequest held = handler.takeHeld();

            Await.until("idle connection closed", idle::isClosedByPeer);
            assertEquals(1, harness.counters().idleConnectionsClosed());

            // Held far past the idle time (a long-poll fetch would be), then answered.
            Await.until("two more idle scans", () -> harness.counters().idleConnectionsClosed() == 1 &&
                System.nanoTime() - held.receivedNanos() > TimeUnit.MILLISECONDS.toNanos(600));
            assertEquals(KafkaRequest.ACCEPTED, held.respond(OrderingTest.metadataResponse(held)));
            assertEquals(9, OrderingTest.correlationIdOf(waiting.readFrame()));
        }
    }

    @Test
    void fullCompletionQueueBackPressuresTheCompleterWhoKeepsOwnership() throws Exception
    {
        final TestHandler handler = new TestHandler();
        final KafkaListenerContext ctx = ListenerHarness.context(handler)
            .host("127.0.0.1").port(0).completionQueueCapacity(2);
        final ExecutorService other = Executors.newSingleThreadExecutor();
        // Run the duty cycle by hand on this thread, so the queue is drained only when we say.
        final KafkaListener listener = new KafkaListener(ctx);
        final List<RawClient> clients = new ArrayList<>();
        try
        {
            final List<KafkaRequest> held = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final RawClient client = new RawClient(listener.boundPort());
                clients.add(client);
                client.send(OrderingTest.pipeline(i, 1));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (held.size() < 3 && System.nanoTime() < deadline)
            {
                listener.doWork();
                KafkaRequest request;
                while (null != (request = handler.pollHeld()))
                {
                    held.add(request);
                }
            }
            assertEquals(3, held.size());

            final List<Integer> results = other.submit(() ->
            {
                final List<Integer> codes = new ArrayList<>();
                for (final KafkaRequest request : held)
                {
                    codes.add(request.respond(OrderingTest.metadataResponse(request)));
                }
                return codes;
            }).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(KafkaRequest.ACCEPTED, KafkaRequest.ACCEPTED, KafkaRequest.BACK_PRESSURED), results);

            listener.doWork();
            final KafkaRequest last = held.get(2);
            assertEquals(KafkaRequest.ACCEPTED, CompletableFuture.supplyAsync(
                () -> last.respond(OrderingTest.metadataResponse(last)), other).get(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                final RawClient client = clients.get(i);
                final CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        return OrderingTest.correlationIdOf(client.readFrame());
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                while (!read.isDone())
                {
                    listener.doWork();
                }
                assertEquals(i, read.get());
            }
        }
        finally
        {
            listener.close();
            for (final RawClient client : clients)
            {
                client.close();
            }
            other.shutdownNow();
            assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void cleanCloseStopsAcceptingClosesConnectionsAndRefusesLateCompletions() throws Exception
    {
        final TestHandler handler = new TestHandler();
        final KafkaListenerContext ctx = ListenerHarness.context(handler);
        final ListenerHarness harness = ListenerHarness.start(ctx);
        final int port = harness.port();
        final KafkaRequest held;
        try (RawClient idle = new RawClient(port); RawClient busy = new RawClient(port))
        {
            assertTrue(idle.isApiVersionsServed());
            busy.send(OrderingTest.pipeline(1, 1));
            held = handler.takeHeld();

            harness.close();

            Await.until("idle connection closed", idle::isClosedByPeer);
            Await.until("busy connection closed", busy::isClosedByPeer);
            // Counted just after the socket is closed, so possibly after the client saw it.
            Await.until("both closes counted", () -> harness.counters().closedConnections() == 2);
        }
        assertEquals(KafkaRequest.LISTENER_CLOSED, held.respond(OrderingTest.metadataResponse(held)));
        // The port is free again.
        try (ServerSocketChannel again = ServerSocketChannel.open())
        {
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }
}
