package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.codec.RequestHeaderDecoder;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import io.ringlog.transport.memory.BoundedBufferPool;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Kafka-protocol TCP listener: one NIO selector, run as an Agrona {@link Agent} by an
 * {@code AgentRunner} (or composed with other agents), that accepts connections, reads request
 * frames, decodes their headers and hands each request to the broker's {@link KafkaRequestHandler}.
 * No thread per connection or per request: one selector thread serves them all.
 * <p>
 * <b>Invariants.</b>
 * <ul>
 *   <li>Order: a connection reads nothing more until its request is completed and the response
 *   fully written, so responses leave in request order (Kafka's own rule).</li>
 *   <li>Memory: request bodies come from a {@link BoundedBufferPool} of {@code queued.max.request.bytes};
 *   a connection whose next body does not fit stops reading until memory comes back.</li>
 *   <li>Bad input (length &lt;= 0 or above {@code socket.request.max.bytes}, truncated header,
 *   unknown api key, a body the generated classes cannot read) closes that connection, is counted,
 *   and logged at WARN the first time for each kind (DEBUG after); the listener goes on.</li>
 *   <li>Unsupported versions are answered as Kafka answers them: ApiVersions with a v0 response
 *   carrying UNSUPPORTED_VERSION and the supported ApiVersions range; other apis with their own
 *   error response at the request's version when kafka-clients can write it, else a close.
 *   ({@link FrameAdmission} holds these rules.)</li>
 * </ul>
 * <b>Threads.</b> Everything here runs on the selector thread except {@link #complete}, reached
 * through {@link KafkaRequest}'s completion methods from any thread: a completion from another
 * thread goes through a bounded many-to-one queue, and wakes the selector only if it is blocked in
 * {@code select} (see {@link #idleStrategy()}); one from the selector thread is queued in an
 * intrusive list and processed in the same duty cycle. Getters of the bound port and counters are
 * safe from any thread.
 */
public final class KafkaListener implements Agent, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaListener.class);

    /** Completions drained per duty cycle, so a burst cannot hold off socket reads. */
    private static final int MAX_COMPLETIONS_PER_CYCLE = 256;
    /** The longest select while the handler holds requests back for room (see {@link KafkaRequestHandler}). */
    private static final long HELD_BACK_RETRY_MS = 1;
    /** Connections accepted per duty cycle, so a connection storm cannot hold off requests. */
    private static final int MAX_ACCEPTS_PER_CYCLE = 16;
    private static final long MAX_IDLE_SCAN_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private static final VarHandle SELECTING;

    static
    {
        try
        {
            SELECTING = MethodHandles.lookup().findVarHandle(KafkaListener.class, "selecting", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final KafkaListenerContext ctx;
    private final KafkaRequestHandler handler;
    private final SupportedApis supportedApis;
    private final KafkaListenerCounters counters;
    private final BoundedBufferPool pool;
    private final Selector selector;
    private final ServerSocketChannel serverChannel;
    private final SelectionKey serverKey;
    private final int boundPort;
    private final ManyToOneConcurrentArrayQueue<KafkaRequest> completionQueue;
    private final ArrayList<KafkaConnection> connections = new ArrayList<>();
    private final ArrayDeque<KafkaConnection> memoryWaiters = new ArrayDeque<>();
    private final FrameAdmission admission;
    private final Consumer<SelectionKey> keyHandler = this::onSelectedKey;
    private final Consumer<KafkaRequest> completionHandler = this::onCompletion;
    private final IdleStrategy idleStrategy;
    private final long maxIdleNanos;
    private final long idleScanIntervalNanos;

    private volatile boolean closed;
    private volatile Thread selectorThread;
    @SuppressWarnings("unused") // accessed through SELECTING
    private volatile int selecting;
    private KafkaRequest inlineHead;
    private KafkaRequest inlineTail;
    private boolean acceptPaused;
    private long nextConnectionId = 1;
    private long nowNanos;
    private long lastIdleScanNanos;

    /**
     * Open the selector and bind the listening socket (so {@link #boundPort()} is known at once).
     * Nothing is accepted until the agent runs.
     *
     * @param ctx configuration; {@link KafkaListenerContext#conclude()} is called here.
     * @throws UncheckedIOException if the socket cannot be bound.
     */
    public KafkaListener(final KafkaListenerContext ctx)
    {
        this.ctx = ctx.conclude();
        this.handler = ctx.handler();
        this.supportedApis = ctx.supportedApis();
        this.completionQueue = new ManyToOneConcurrentArrayQueue<>(ctx.completionQueueCapacity());
        this.pool = new BoundedBufferPool(ctx.queuedMaxRequestBytes(), ctx.maxCachedBufferBytes());
        this.maxIdleNanos = TimeUnit.MILLISECONDS.toNanos(ctx.connectionsMaxIdleMs());
        this.idleScanIntervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
            Math.min(MAX_IDLE_SCAN_INTERVAL_NS, maxIdleNanos / 4));
        this.idleStrategy = null != ctx.idleStrategy() ? ctx.idleStrategy() : new SelectorIdleStrategy(this);
        this.counters = new KafkaListenerCounters(ctx.name(), ctx.countersManager());
        this.admission = new FrameAdmission(this, ctx, pool, counters);

        Selector openedSelector = null;
        ServerSocketChannel openedChannel = null;
        try
        {
            openedSelector = Selector.open();
            openedChannel = ServerSocketChannel.open();
            openedChannel.configureBlocking(false);
            openedChannel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (ctx.socketReceiveBufferBytes() > 0)
            {
                // Set before bind so that accepted sockets inherit it and TCP window scaling can use it.
                openedChannel.setOption(StandardSocketOptions.SO_RCVBUF, ctx.socketReceiveBufferBytes());
            }
            openedChannel.bind(new InetSocketAddress(ctx.host(), ctx.port()), ctx.listenBacklog());
            this.serverKey = openedChannel.register(openedSelector, SelectionKey.OP_ACCEPT);
            this.boundPort = ((InetSocketAddress)openedChannel.getLocalAddress()).getPort();
        }
        catch (final IOException ex)
        {
            closeQuietly(openedChannel);
            closeQuietly(openedSelector);
            counters.close();
            throw new UncheckedIOException("cannot listen on " + ctx.host() + ":" + ctx.port(), ex);
        }
        this.selector = openedSelector;
        this.serverChannel = openedChannel;
        this.lastIdleScanNanos = System.nanoTime();
    }

    /**
     * @return the port the listener is bound to (the ephemeral one when configured with 0).
     */
    public int boundPort()
    {
        return boundPort;
    }

    /**
     * @return the counters.
     */
    public KafkaListenerCounters counters()
    {
        return counters;
    }

    /**
     * Wake the selector if it is blocked in {@code select}, for a handler whose other threads left it work to do on
     * the selector thread ({@link KafkaRequestHandler#doWork}). Any thread; a volatile read when the selector is
     * not blocked. Call it after the work is visible to {@link KafkaRequestHandler#hasPendingWork}.
     */
    public void wakeUp()
    {
        if ((int)SELECTING.getVolatile(this) == 1 && SELECTING.compareAndSet(this, 1, 0))
        {
            selector.wakeup();
        }
    }

    /**
     * The idle strategy to run this agent with: the one configured, or by default one that blocks
     * in {@code select} (with the configured timeout) until a socket is ready or another thread
     * completes a request. Use the default only with a runner dedicated to this listener: it
     * blocks, which would delay other agents composed on the same thread.
     *
     * @return the idle strategy.
     */
    public IdleStrategy idleStrategy()
    {
        return idleStrategy;
    }

    public String roleName()
    {
        return "kafka-listener-" + ctx.name();
    }

    public void onStart()
    {
        selectorThread = Thread.currentThread();
    }

    public int doWork() throws IOException
    {
        if (null == selectorThread)
        {
            selectorThread = Thread.currentThread();
        }
        nowNanos = System.nanoTime();
        int workCount = completionQueue.drain(completionHandler, MAX_COMPLETIONS_PER_CYCLE);
        workCount += processInlineCompletions();
        workCount += handlerWork();
        workCount += processInlineCompletions();
        workCount += selector.selectNow(keyHandler);
        workCount += processInlineCompletions();
        if (nowNanos - lastIdleScanNanos >= idleScanIntervalNanos)
        {
            workCount += closeIdleConnections();
        }
        return workCount;
    }

    private int handlerWork()
    {
        try
        {
            return handler.doWork();
        }
        catch (final Throwable t)
        {
            counters.handlerErrors.incrementRelease();
            LOG.warn("handler failed in its duty cycle", t);
            return 0;
        }
    }

    private boolean onSelectorThread()
    {
        return Thread.currentThread() == selectorThread;
    }

    /**
     * Block in {@code select} until a socket is ready, another thread completes a request, or the
     * select timeout passes. Called by the selector idle strategy when a duty cycle found nothing.
     */
    void idleSelect()
    {
        SELECTING.setVolatile(this, 1);
        try
        {
            // Checked after raising the flag: a completer that offered before seeing it is seen here.
            if (completionQueue.isEmpty() && null == inlineHead && !closed && !handler.hasPendingWork())
            {
                nowNanos = System.nanoTime();
                // Requests held back for room are retried at least every millisecond, not at the select timeout.
                selector.select(keyHandler, handler.hasRequestsHeldBack() ?
                    Math.min(HELD_BACK_RETRY_MS, ctx.selectTimeoutMs()) : ctx.selectTimeoutMs());
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            SELECTING.setRelease(this, 0);
        }
    }

    /**
     * Take a completion from any thread. See {@link KafkaRequest} for the codes.
     */
    int complete(final KafkaRequest request)
    {
        if (closed)
        {
            return KafkaRequest.LISTENER_CLOSED;
        }
        if (Thread.currentThread() == selectorThread)
        {
            request.nextInline = null;
            if (null == inlineTail)
            {
                inlineHead = request;
            }
            else
            {
                inlineTail.nextInline = request;
            }
            inlineTail = request;
            return KafkaRequest.ACCEPTED;
        }
        if (!completionQueue.offer(request))
        {
            return KafkaRequest.BACK_PRESSURED;
        }
        if ((int)SELECTING.getVolatile(this) == 1 && SELECTING.compareAndSet(this, 1, 0))
        {
            selector.wakeup();
        }
        return KafkaRequest.ACCEPTED;
    }

    private int processInlineCompletions()
    {
        int count = 0;
        KafkaRequest request;
        while (null != (request = inlineHead))
        {
            inlineHead = request.nextInline;
            if (null == inlineHead)
            {
                inlineTail = null;
            }
            request.nextInline = null;
            onCompletion(request);
            count++;
        }
        return count;
    }

    private void onCompletion(final KafkaRequest request)
    {
        assert onSelectorThread() || closed;
        try
        {
            handler.onRequestCompleted(request);
        }
        catch (final Throwable t)
        {
            counters.handlerErrors.incrementRelease();
            LOG.warn("handler failed on request completed", t);
        }
        final KafkaConnection connection = request.connection();
        try
        {
            connection.onCompletion(nowNanos);
        }
        catch (final IOException ex)
        {
            LOG.debug("connection {} failed while sending: {}", connection, ex.toString());
            connection.close();
        }
    }

    private void onSelectedKey(final SelectionKey key)
    {
        if (!key.isValid())
        {
            return;
        }
        if (key == serverKey)
        {
            onAcceptable();
            return;
        }
        final KafkaConnection connection = (KafkaConnection)key.attachment();
        try
        {
            final int readyOps = key.readyOps();
            if ((readyOps & SelectionKey.OP_WRITE) != 0)
            {
                connection.onWritable(nowNanos);
            }
            if ((readyOps & SelectionKey.OP_READ) != 0 && key.isValid())
            {
                connection.onReadable(nowNanos);
            }
        }
        catch (final IOException ex)
        {
            LOG.debug("connection {} failed: {}", connection, ex.toString());
            connection.close();
        }
    }

    private void onAcceptable()
    {
        for (int i = 0; i < MAX_ACCEPTS_PER_CYCLE; i++)
        {
            if (connections.size() >= ctx.maxConnections())
            {
                // Kafka's behaviour: stop accepting, leave new connections in the backlog until one closes.
                acceptPaused = true;
                serverKey.interestOps(0);
                counters.acceptPauses.incrementRelease();
                return;
            }
            final SocketChannel channel;
            try
            {
                channel = serverChannel.accept();
            }
            catch (final IOException ex)
            {
                LOG.warn("accept failed on {}: {}", ctx.name(), ex.toString());
                return;
            }
            if (null == channel)
            {
                return;
            }
            openConnection(channel);
        }
    }

    private void openConnection(final SocketChannel channel)
    {
        try
        {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            if (ctx.socketSendBufferBytes() > 0)
            {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, ctx.socketSendBufferBytes());
            }
            final String remoteAddress = String.valueOf(channel.getRemoteAddress());
            final KafkaConnection connection = new KafkaConnection(
                this, counters, nextConnectionId++, channel, remoteAddress, nowNanos);
            connection.key(channel.register(selector, SelectionKey.OP_READ, connection));
            connection.index = connections.size();
            connections.add(connection);
            counters.acceptedConnections.incrementRelease();
            counters.activeConnections.incrementRelease();
            try
            {
                handler.onConnectionOpened(connection.id(), remoteAddress);
            }
            catch (final Throwable t)
            {
                counters.handlerErrors.incrementRelease();
                LOG.warn("handler failed on connection opened", t);
            }
        }
        catch (final IOException ex)
        {
            LOG.debug("could not set up accepted connection: {}", ex.toString());
            closeQuietly(channel);
        }
    }

    boolean acceptFrameSize(final KafkaConnection connection, final int size)
    {
        return admission.acceptFrameSize(connection, size);
    }

    ByteBuffer acquireBody(final int size)
    {
        return pool.acquire(size);
    }

    void awaitMemory(final KafkaConnection connection)
    {
        memoryWaiters.addLast(connection);
    }

    void releaseBody(final ByteBuffer body)
    {
        if (null == body)
        {
            return;
        }
        pool.release(body);
        // Oldest waiter first: a large frame is not passed over for ever by smaller ones.
        KafkaConnection waiter;
        while (null != (waiter = memoryWaiters.peekFirst()))
        {
            if (waiter.state() != KafkaConnection.WAIT_MEMORY)
            {
                memoryWaiters.pollFirst();
                continue;
            }
            final ByteBuffer waiterBody = pool.acquire(waiter.frameSize());
            if (null == waiterBody)
            {
                break;
            }
            memoryWaiters.pollFirst();
            waiter.resumeWithBody(waiterBody);
        }
    }

    void releaseResponse(final KafkaResponse response, final boolean sent)
    {
        try
        {
            response.release(sent);
        }
        catch (final Throwable t)
        {
            counters.handlerErrors.incrementRelease();
            LOG.warn("response release handler failed", t);
        }
    }

    /**
     * A whole frame is in the connection's body buffer: decode the header, then dispatch it,
     * answer an unsupported version, or close on bad input.
     */
    void onFrame(final KafkaConnection connection, final long receivedNanos)
    {
        assert onSelectorThread();
        final RequestHeaderDecoder header = admission.decodeHeader(connection);
        if (null == header)
        {
            return;
        }

        counters.requests.incrementRelease();
        final KafkaRequest request = connection.request();
        request.init(
            connection.body(), connection.frameSize(), header.apiKey(), header.apiVersion(), header.correlationId(),
            header.clientIdOffset(), header.clientIdLength(), header.encodedLength(), receivedNanos);
        connection.markRequestOutstanding();

        if (!supportedApis.isSupported(request.apiKey(), request.apiVersion()))
        {
            admission.answerUnsupportedVersion(request);
        }
        else
        {
            try
            {
                handler.onRequest(request);
            }
            catch (final Throwable t)
            {
                counters.handlerErrors.incrementRelease();
                LOG.warn("handler failed on {}, closing connection {}", request, connection.remoteAddress(), t);
                completeFromListener(request, KafkaRequest.CLOSE);
            }
        }
        processInlineCompletions();
    }

    void completeFromListener(final KafkaRequest request, final int kind)
    {
        if (request.tryCompleteFromListener(kind))
        {
            complete(request);
        }
    }

    void onBadResponse(final KafkaConnection connection, final String reason)
    {
        LOG.error("closing connection {}: {}", connection.remoteAddress(), reason);
        counters.handlerErrors.incrementRelease();
        connection.close();
    }

    void onConnectionClosed(final KafkaConnection connection)
    {
        final int index = connection.index;
        final KafkaConnection last = connections.remove(connections.size() - 1);
        if (last != connection)
        {
            connections.set(index, last);
            last.index = index;
        }
        connection.index = -1;
        counters.closedConnections.incrementRelease();
        counters.activeConnections.decrementRelease();
        if (acceptPaused && !closed && connections.size() < ctx.maxConnections())
        {
            acceptPaused = false;
            serverKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        try
        {
            handler.onConnectionClosed(connection.id());
        }
        catch (final Throwable t)
        {
            counters.handlerErrors.incrementRelease();
            LOG.warn("handler failed on connection closed", t);
        }
    }

    private int closeIdleConnections()
    {
        lastIdleScanNanos = nowNanos;
        final long deadline = nowNanos - maxIdleNanos;
        int closedCount = 0;
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final KafkaConnection connection = connections.get(i);
            if (connection.isIdleSince(deadline))
            {
                counters.idleConnectionsClosed.incrementRelease();
                connection.close();
                closedCount++;
            }
        }
        return closedCount;
    }

    /**
     * Stop accepting, close every connection and the selector. Completions that arrive later
     * are refused with {@link KafkaRequest#LISTENER_CLOSED}.
     */
    public void onClose()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        closeQuietly(serverChannel);
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            connections.get(i).close();
        }
        memoryWaiters.clear();
        // Completions already taken: release their bodies and responses (their connections are closed).
        completionQueue.drain(completionHandler);
        processInlineCompletions();
        closeQuietly(selector);
        pool.close();
        counters.close();
    }

    /**
     * Same as {@link #onClose()}, for use without a runner; call it only on the thread that ran
     * the agent, or after that thread stopped.
     */
    public void close()
    {
        onClose();
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        if (null != closeable)
        {
            try
            {
                closeable.close();
            }
            catch (final Exception ignore)
            {
                // Closing on shutdown or a failed set-up: nothing more to do.
            }
        }
    }
}
