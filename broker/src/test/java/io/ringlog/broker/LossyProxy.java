package io.ringlog.broker;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP proxy on 127.0.0.1 between Kafka clients and one broker that forwards every frame both ways but loses the
 * answer to every n-th Produce request, as a network that fails after the broker has appended: the producer never
 * learns its batch was taken, and retries it. Frames are parsed by their 4-byte length prefix; a response is
 * matched to its request by correlation id (each request's header gives api key, version, correlation id).
 * <p>
 * After losing an answer the connection either {@link Loss#STALL}s (every later answer on it is lost too, so the
 * client's request times out and it reconnects) or is {@link Loss#CLOSE}d at once. Two threads per connection;
 * blocking I/O; test code.
 */
final class LossyProxy implements AutoCloseable
{
    /** What becomes of a connection once an answer on it is lost. */
    enum Loss
    {
        /** Later answers are lost as well until the client gives up on the connection. */
        STALL,
        /** Both sides are closed at once: the client sees the connection drop with requests in flight. */
        CLOSE
    }

    private static final short PRODUCE = 0;

    private final ServerSocket server;
    private final int loseEvery;
    private final Loss loss;
    private final AtomicInteger produceAnswers = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final List<Closeable> open = new CopyOnWriteArrayList<>();
    private volatile int brokerPort;

    /**
     * @param loseEvery lose the answer to every n-th Produce request through the proxy, counted across connections.
     * @param loss      what then becomes of that connection.
     */
    LossyProxy(final int loseEvery, final Loss loss) throws IOException
    {
        this.loseEvery = loseEvery;
        this.loss = loss;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        daemon("lossy-proxy-accept", this::accept);
    }

    int port()
    {
        return server.getLocalPort();
    }

    /** Where to forward; set before the first client connects (the broker advertises the proxy, so it starts later). */
    void forwardTo(final int port)
    {
        brokerPort = port;
    }

    /** Produce answers lost so far. */
    int lost()
    {
        return lost.get();
    }

    /** Produce answers the broker sent through the proxy so far, lost ones included. */
    int produceAnswers()
    {
        return produceAnswers.get();
    }

    @Override
    public void close()
    {
        open.forEach(LossyProxy::closeQuietly);
    }

    private void accept()
    {
        try
        {
            while (true)
            {
                final Socket client = server.accept();
                open.add(client);
                try
                {
                    final Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                    open.add(broker);
                    client.setTcpNoDelay(true);
                    broker.setTcpNoDelay(true);
                    final Link link = new Link(client, broker);
                    daemon("lossy-proxy-requests-" + client.getPort(), link::forwardRequests);
                    daemon("lossy-proxy-answers-" + client.getPort(), link::forwardAnswers);
                }
                catch (final IOException ex)
                {
                    closeQuietly(client); // the broker is not there: the client sees a refused connection
                }
            }
        }
        catch (final IOException ex)
        {
            // the proxy is closed
        }
    }

    private static void daemon(final String name, final Runnable task)
    {
        final Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** One client connection and its own connection to the broker. */
    private final class Link
    {
        private final Socket client;
        private final Socket broker;
        private final Map<Integer, Short> apiKeyByCorrelation = new ConcurrentHashMap<>();
        private volatile boolean stalled;

        Link(final Socket client, final Socket broker)
        {
            this.client = client;
            this.broker = broker;
        }

        void forwardRequests()
        {
            pump(client, broker, 8, frame ->
            {
                final ByteBuffer header = ByteBuffer.wrap(frame);
                // Recorded before the request goes on, so its answer always finds it.
                apiKeyByCorrelation.put(header.getInt(4), header.getShort(0));
                return true;
            });
        }

        void forwardAnswers()
        {
            pump(broker, client, 4, frame ->
            {
                final Short apiKey = apiKeyByCorrelation.remove(ByteBuffer.wrap(frame).getInt(0));
                if (apiKey != null && apiKey == PRODUCE && produceAnswers.incrementAndGet() % loseEvery == 0)
                {
                    lost.incrementAndGet();
                    if (loss == Loss.CLOSE)
                    {
                        closeBoth(); // the pump's next read fails and ends it
                    }
                    stalled = true;
                }
                return !stalled;
            });
        }

        /** Copy frames from one socket to the other, those {@code forward} accepts, until either closes. */
        private void pump(final Socket from, final Socket to, final int minLength, final Predicate<byte[]> forward)
        {
            try
            {
                final DataInputStream in = new DataInputStream(from.getInputStream());
                final DataOutputStream out = new DataOutputStream(to.getOutputStream());
                while (true)
                {
                    final byte[] frame = RawKafkaClient.readFrame(in);
                    if (frame.length < minLength)
                    {
                        throw new IOException("a frame of " + frame.length + " bytes cannot hold a header");
                    }
                    if (forward.test(frame))
                    {
                        out.writeInt(frame.length);
                        out.write(frame);
                        out.flush();
                    }
                }
            }
            catch (final IOException ex)
            {
                closeBoth();
            }
        }

        private void closeBoth()
        {
            closeQuietly(client);
            closeQuietly(broker);
        }
    }

    private static void closeQuietly(final Closeable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final IOException ignored)
        {
            // closing anyway
        }
    }
}
