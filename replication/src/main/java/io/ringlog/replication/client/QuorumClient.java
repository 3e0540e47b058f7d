package io.ringlog.replication.client;

import io.aeron.Aeron;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.cluster.codecs.EventCode;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.codec.CodecException;
import io.ringlog.replication.controller.CommandCodec;
import io.ringlog.replication.controller.ControllerCommand;
import io.ringlog.replication.controller.ControllerError;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.MetadataSnapshot;
import io.ringlog.replication.metadata.RecordCodec;
import io.ringlog.replication.quorum.QuorumProtocol;
import io.ringlog.replication.quorum.QuorumVoters;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A broker's link to the controller quorum: connects to the voters' ingress with {@link AeronCluster}, registers
 * the broker (its session is the broker's lease, kept alive here), follows the metadata deltas into an immutable
 * {@link MetadataImage} and sends proposals, each answered through a {@link CompletableFuture}.
 * <p>
 * Threads: one agent thread ({@code ringlog-quorum-client}, back-off idle) owns the cluster session, the pending
 * proposals and the {@link MetadataFollower}; a second one ({@code ringlog-quorum-notify}, parked until handed work)
 * calls subscribers and completes answered proposals after them, so a slow subscriber never delays the lease's
 * keep-alives; callbacks must not block on another proposal. {@link #image()} and the accessors are safe from any thread; proposals from any
 * thread go through a bounded queue. A proposal is sent once: if the leader changes before it is answered, it
 * times out (REQUEST_TIMED_OUT) rather than risk being applied twice.
 */
public final class QuorumClient implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(QuorumClient.class);
    private static final int DRAIN_LIMIT = 16;

    private final QuorumClientConfig config;
    private final QuorumVoters voters;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final ManyToOneConcurrentArrayQueue<Pending> queue;
    private final List<Consumer<MetadataImage>> subscribers = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Long> registered = new CompletableFuture<>();
    private final Duty duty = new Duty();
    private final AgentRunner runner;
    private final Notifier notifier;

    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long brokerEpoch = -1;
    private volatile long controllerEpoch = -1;
    private volatile int activeController = -1;
    private volatile boolean connected;

    /** One proposal: what to send, and who waits. */
    private static final class Pending
    {
        final ControllerCommand command;
        final CompletableFuture<Reply> future;
        final long deadlineMs;
        long correlationId;

        Pending(final ControllerCommand command, final CompletableFuture<Reply> future, final long deadlineMs)
        {
            this.command = command;
            this.future = future;
            this.deadlineMs = deadlineMs;
        }
    }

    private QuorumClient(final QuorumClientConfig config)
    {
        this.config = config;
        this.voters = QuorumVoters.parse(config.voters);
        if (config.register && (config.brokerId < 0 || config.endpoints.isEmpty()))
        {
            throw new IllegalArgumentException("node.id and at least one advertised endpoint are needed to register");
        }
        queue = new ManyToOneConcurrentArrayQueue<>(config.queueCapacity);
        notifier = new Notifier();
        if (null == config.aeronDirectoryName)
        {
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(System.getProperty("java.io.tmpdir"),
                    "ringlog-quorum-client-" + config.brokerId + "-" + config.incarnationId).getPath())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(io.ringlog.replication.quorum.ControllerNode.DRIVER_BACK_OFF.get())
                .asyncExecutorIdleStrategy(new org.agrona.concurrent.SleepingMillisIdleStrategy(10))
                .termBufferSparseFile(true)
                .publicationTermBufferLength(256 * 1024)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
        }
        else
        {
            driver = null;
        }
        // Our own error handler: Aeron's default one exits the JVM when the driver goes away, and this runs inside
        // a broker.
        try
        {
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(null == driver ? config.aeronDirectoryName : driver.aeronDirectoryName())
                .errorHandler(ex -> LOG.warn("quorum client {}: {}", config.brokerId, ex.toString())));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw ex;
        }
        runner = new AgentRunner(backOff(), ex -> LOG.warn("quorum client {}: {}", config.brokerId, ex.toString()),
            null, duty);
    }

    /**
     * Calls subscribers and completes answered proposals, off the client thread, so a subscriber that takes seconds
     * (a broker opening the partitions a new image gives it: 50 of {@code __consumer_offsets} took over 3 s on a
     * loaded 2-core machine) never holds up the session's keep-alives, which would let the lease lapse and fence the
     * broker while it starts. Keeps the promise that a proposal's future completes only after every subscriber has
     * been given the image that was current when its reply came. Images are coalesced (a subscriber may skip one,
     * never go back); the thread parks until the client thread hands it something, so it costs nothing idle.
     */
    private final class Notifier implements Runnable
    {
        private final OneToOneConcurrentArrayQueue<Answer> answers =
            new OneToOneConcurrentArrayQueue<>(Math.max(64, config.queueCapacity * 2));
        private final Thread thread = new Thread(this, "ringlog-quorum-notify-" + config.brokerId);
        private volatile boolean running = true;
        private MetadataImage delivered = MetadataImage.EMPTY;

        /** A reply and the image it follows. */
        private record Answer(CompletableFuture<Reply> future, Reply reply, MetadataImage after)
        {
        }

        /** Client thread: a new image is in {@link QuorumClient#image}. */
        void imageChanged()
        {
            LockSupport.unpark(thread);
        }

        /** Client thread: complete {@code future} once the current image has reached every subscriber. */
        void answer(final CompletableFuture<Reply> future, final Reply reply)
        {
            if (!answers.offer(new Answer(future, reply, image)))
            {
                future.complete(reply); // twice the proposal queue answered at once: ordering is the lesser loss
                return;
            }
            LockSupport.unpark(thread);
        }

        @Override
        public void run()
        {
            while (running)
            {
                final MetadataImage latest = image;
                if (latest != delivered)
                {
                    synchronized (subscribers) // subscribe() hands a new listener the image delivered last
                    {
                        delivered = latest;
                        duty.notifySubscribers(latest);
                    }
                }
                Answer answer;
                while (null != (answer = answers.peek()) &&
                    (answer.after() == delivered || answer.after().position() <= delivered.position()))
                {
                    answers.poll();
                    answer.future().complete(answer.reply());
                }
                if (answers.isEmpty() && image == delivered)
                {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
            Answer answer;
            while (null != (answer = answers.poll()))
            {
                answer.future().complete(answer.reply());
            }
        }

        void close()
        {
            running = false;
            LockSupport.unpark(thread);
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Start the client; it connects and registers in the background ({@link #registered()}). */
    public static QuorumClient start(final QuorumClientConfig config)
    {
        final QuorumClient client = new QuorumClient(config);
        client.notifier.thread.setDaemon(true);
        client.notifier.thread.start();
        AgentRunner.startOnThread(client.runner);
        return client;
    }

    /**
     * Spin 10, yield 20, then park from 1 us up to 10 ms ({@code ControllerNode.MAX_PARK_NS}, where the cost is
     * measured): keep-alives every 500 ms and proposals at human rates need no more, and the lease no longer depends on
     * this thread's promptness beyond the keep-alive interval (subscribers run on the notifier thread).
     */
    private static BackoffIdleStrategy backOff()
    {
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1),
            io.ringlog.replication.quorum.ControllerNode.MAX_PARK_NS);
    }

    // ------------------------------------------------------------------------------------------ any thread

    /** The latest metadata. */
    /** The Aeron client the quorum traffic uses; other parts of the broker may add their own publications to it. */
    public Aeron aeron()
    {
        return aeron;
    }

    public MetadataImage image()
    {
        return image;
    }

    /**
     * Call {@code listener} with the image delivered last now, and every new one after, on the client's notifier
     * thread ({@code ringlog-quorum-notify-<id>}), in log order; it may skip images that came in quick succession.
     */
    public void subscribe(final Consumer<MetadataImage> listener)
    {
        synchronized (subscribers) // so a listener never sees an image older than one it was already given
        {
            subscribers.add(listener);
            listener.accept(notifier.delivered);
        }
    }

    /** Completes with the broker epoch of the first registration. */
    public CompletableFuture<Long> registered()
    {
        return registered;
    }

    /** {@code controller.quorum.voters}, parsed. */
    public QuorumVoters voters()
    {
        return voters;
    }

    /** The cluster id the quorum committed, as of the latest image; null before one was. */
    public String clusterId()
    {
        return image.clusterId();
    }

    /** The broker epoch of the current registration, -1 before one. */
    public long brokerEpoch()
    {
        return brokerEpoch;
    }

    /** The largest controller epoch (leadership term id) seen. */
    public long controllerEpoch()
    {
        return controllerEpoch;
    }

    /** The member id of the active controller as last told, -1 when unknown. */
    public int activeController()
    {
        return activeController;
    }

    /** The metadata log position applied: the position of the latest image. */
    public long appliedPosition()
    {
        return image.position();
    }

    /** Fenced brokers in the latest image. */
    public List<Integer> fencedBrokers()
    {
        return image.fencedBrokers();
    }

    /** Partitions with no leader in the latest image. */
    public List<io.ringlog.replication.metadata.PartitionRegistration> offlinePartitions()
    {
        return image.offlinePartitions();
    }

    public boolean isConnected()
    {
        return connected;
    }

    public int brokerId()
    {
        return config.brokerId;
    }

    public CompletableFuture<Reply> createTopic(
        final String name,
        final UUID topicId,
        final int partitions,
        final int replicationFactor,
        final Map<String, String> configs,
        final boolean validateOnly)
    {
        return propose(new ControllerCommand.CreateTopic(
            name, topicId, partitions, replicationFactor, configs, validateOnly));
    }

    public CompletableFuture<Reply> deleteTopic(final String name)
    {
        return propose(new ControllerCommand.DeleteTopic(name));
    }

    public CompletableFuture<Reply> createPartitions(final String name, final int totalCount, final boolean validateOnly)
    {
        return propose(new ControllerCommand.CreatePartitions(name, totalCount, validateOnly));
    }

    public CompletableFuture<Reply> alterConfigs(
        final String topic,
        final Map<String, String> set,
        final Set<String> delete,
        final boolean replaceAll,
        final boolean validateOnly)
    {
        return propose(new ControllerCommand.AlterConfigs(topic, set, delete, replaceAll, validateOnly));
    }

    /** This broker, as leader, changes a partition's ISR. */
    public CompletableFuture<Reply> alterPartition(
        final UUID topicId, final int partition, final int leaderEpoch, final int partitionEpoch,
        final List<Integer> newIsr)
    {
        return propose(new ControllerCommand.AlterPartition(
            config.brokerId, brokerEpoch, topicId, partition, leaderEpoch, partitionEpoch, newIsr));
    }

    public CompletableFuture<Reply> electLeader(final String topic, final int partition, final boolean unclean)
    {
        return propose(new ControllerCommand.ElectLeader(topic, partition, unclean));
    }

    /** The next block of producer ids for this broker; the reply's value is its first id. */
    public CompletableFuture<Reply> allocateProducerIds()
    {
        return propose(new ControllerCommand.AllocateProducerIds(config.brokerId, brokerEpoch));
    }

    /** Move this broker's leaderships away and fence it, before it stops. */
    public CompletableFuture<Reply> controlledShutdown()
    {
        return propose(new ControllerCommand.ControlledShutdown(config.brokerId, brokerEpoch));
    }

    /** Any command. */
    public CompletableFuture<Reply> propose(final ControllerCommand command)
    {
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        if (runner.isClosed())
        {
            future.complete(Reply.error(ControllerError.NOT_CONTROLLER, "the quorum client is closed"));
        }
        else if (!queue.offer(new Pending(command, future, System.currentTimeMillis() + config.requestTimeoutMs)))
        {
            future.complete(Reply.error(ControllerError.REQUEST_TIMED_OUT,
                "the quorum client's queue is full (" + config.queueCapacity + " proposals)"));
        }
        return future;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(runner, notifier::close, aeron, driver);
    }

    // ------------------------------------------------------------------------------------------ client thread

    /** The duty cycle: connect, poll egress, keep alive, send proposals, time out the unanswered. */
    private final class Duty implements Agent, EgressListener
    {
        private final BufferWriter out = new BufferWriter(1024);
        private final MetadataFollower follower = new MetadataFollower();
        private final ArrayDeque<Pending> unsent = new ArrayDeque<>();
        private final Long2ObjectHashMap<Pending> inFlight = new Long2ObjectHashMap<>();
        private final org.agrona.ExpandableArrayBuffer assembly = new org.agrona.ExpandableArrayBuffer(64 * 1024);
        private int assembled = -1;
        private AeronCluster.AsyncConnect connecting;
        private AeronCluster cluster;
        private long nextConnectMs;
        private long nextKeepAliveMs;
        private long nextCorrelationId = 1;
        private long imageRequestId = -1;
        private long imageRequestDeadlineMs;
        private boolean warnedUnreachable;
        private boolean everConnected;

        @Override
        public int doWork()
        {
            final long nowMs = System.currentTimeMillis();
            int work = 0;
            if (null == cluster)
            {
                work += connect(nowMs);
            }
            if (null != cluster)
            {
                work += poll(nowMs);
            }
            work += drain(nowMs);
            work += timeouts(nowMs);
            return work;
        }

        private int connect(final long nowMs)
        {
            if (null == connecting)
            {
                if (nowMs < nextConnectMs)
                {
                    return 0;
                }
                connecting = AeronCluster.asyncConnect(new AeronCluster.Context()
                    .aeron(aeron)
                    .ownsAeronClient(false)
                    .ingressChannel("aeron:udp?term-length=256k")
                    .ingressEndpoints(voters.ingressEndpoints())
                    .egressChannel("aeron:udp?endpoint=" + config.egressHost + ":0|term-length=1m")
                    .egressListener(this)
                    .messageTimeoutNs(TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMs))
                    .idleStrategy(backOff()));
            }
            try
            {
                final AeronCluster connected = connecting.poll();
                if (null == connected)
                {
                    return 0;
                }
                connecting = null;
                onConnected(connected, nowMs);
                return 1;
            }
            catch (final RuntimeException ex)
            {
                CloseHelper.quietClose(connecting);
                connecting = null;
                nextConnectMs = nowMs + config.reconnectBackoffMs;
                if (!warnedUnreachable)
                {
                    warnedUnreachable = true;
                    LOG.warn("broker {}: controller quorum unreachable at {}={} ({}); retrying every {} ms",
                        config.brokerId, QuorumVoters.KEY, voters, ex.getMessage(), config.reconnectBackoffMs);
                }
                return 1;
            }
        }

        private void onConnected(final AeronCluster connected, final long nowMs)
        {
            cluster = connected;
            QuorumClient.this.connected = true;
            warnedUnreachable = false;
            activeController = connected.leaderMemberId();
            follower.onNewLeader(connected.leadershipTermId());
            controllerEpoch = follower.controllerEpoch();
            imageRequestId = -1;
            nextKeepAliveMs = nowMs + config.keepAliveIntervalMs;
            LOG.info("broker {}: {} quorum (leader {}, session {})", config.brokerId,
                everConnected ? "reconnected to" : "connected to", activeController, connected.clusterSessionId());
            everConnected = true;
            if (config.register)
            {
                final Pending register = new Pending(new ControllerCommand.RegisterBroker(
                    config.brokerId, config.incarnationId, config.endpoints, config.rack, config.clusterId,
                    config.clusterIdStored), new CompletableFuture<>(), nowMs + config.requestTimeoutMs);
                register.future.thenAccept(this::onRegistered);
                unsent.addFirst(register);
            }
        }

        private void onRegistered(final Reply reply)
        {
            if (reply.isOk())
            {
                brokerEpoch = reply.value();
                LOG.info("broker {}: registered with broker epoch {}", config.brokerId, reply.value());
                registered.complete(reply.value());
            }
            else if (ControllerError.INCONSISTENT_CLUSTER_ID == reply.error())
            {
                // final: retrying cannot help, the broker must not start
                LOG.error("broker {}: registration refused: {} {}", config.brokerId, reply.error(), reply.message());
                registered.completeExceptionally(new IllegalStateException(reply.error() + ": " + reply.message()));
            }
            else
            {
                LOG.warn("broker {}: registration refused: {} {}", config.brokerId, reply.error(), reply.message());
                if (ControllerError.REQUEST_TIMED_OUT == reply.error() && null != cluster)
                {
                    disconnect("registration timed out");
                }
            }
        }

        private int poll(final long nowMs)
        {
            int work;
            try
            {
                work = cluster.pollEgress();
            }
            catch (final RuntimeException ex)
            {
                disconnect(ex.getMessage());
                return 1;
            }
            if (cluster.isClosed())
            {
                disconnect("session closed by the quorum");
                return 1;
            }
            if (nowMs >= nextKeepAliveMs)
            {
                cluster.sendKeepAlive(); // a failed one is retried next interval, well inside the session timeout
                nextKeepAliveMs = nowMs + config.keepAliveIntervalMs;
                work++;
            }
            if (follower.needsImage() && (-1 == imageRequestId || nowMs > imageRequestDeadlineMs))
            {
                final long correlationId = nextCorrelationId++;
                QuorumProtocol.fetchImage(out, correlationId);
                if (cluster.offer(out.buffer(), 0, out.position()) > 0)
                {
                    imageRequestId = correlationId;
                    imageRequestDeadlineMs = nowMs + config.requestTimeoutMs;
                    work++;
                }
            }
            return work;
        }

        private void disconnect(final String reason)
        {
            LOG.info("broker {}: lost the quorum session ({}); reconnecting", config.brokerId, reason);
            CloseHelper.quietClose(cluster);
            cluster = null;
            connected = false;
            follower.onReconnect();
            nextConnectMs = System.currentTimeMillis() + config.reconnectBackoffMs;
        }

        private int drain(final long nowMs)
        {
            int work = 0;
            for (int i = 0; i < DRAIN_LIMIT; i++)
            {
                final Pending pending = queue.poll();
                if (null == pending)
                {
                    break;
                }
                unsent.addLast(pending);
                work++;
            }
            while (null != cluster && !unsent.isEmpty())
            {
                final Pending pending = unsent.peekFirst();
                pending.correlationId = nextCorrelationId++;
                QuorumProtocol.command(out, pending.correlationId, pending.command);
                if (null == cluster.ingressPublication())
                {
                    break; // between leaders
                }
                final int maxLength = cluster.ingressPublication().maxMessageLength() - AeronCluster.SESSION_HEADER_LENGTH;
                if (out.position() > maxLength)
                {
                    unsent.pollFirst();
                    pending.future.complete(Reply.error(ControllerError.INVALID_REQUEST, pending.command.getClass()
                        .getSimpleName() + " of " + out.position() + " bytes exceeds the largest proposal, " +
                        maxLength + " bytes (an eighth of the ingress term)"));
                    continue;
                }
                if (cluster.offer(out.buffer(), 0, out.position()) < 0)
                {
                    break; // back-pressured or between leaders: try again next cycle
                }
                unsent.pollFirst();
                inFlight.put(pending.correlationId, pending);
                work++;
            }
            return work;
        }

        private int timeouts(final long nowMs)
        {
            int work = 0;
            for (final Iterator<Pending> it = unsent.iterator(); it.hasNext(); )
            {
                final Pending pending = it.next();
                if (nowMs > pending.deadlineMs)
                {
                    it.remove();
                    timedOut(pending, "not sent: the quorum at " + voters + " is not reachable");
                    work++;
                }
            }
            for (final Iterator<Pending> it = inFlight.values().iterator(); it.hasNext(); )
            {
                final Pending pending = it.next();
                if (nowMs > pending.deadlineMs)
                {
                    it.remove();
                    timedOut(pending, "no reply from the quorum (leader " + activeController + ")");
                    work++;
                }
            }
            return work;
        }

        private void timedOut(final Pending pending, final String why)
        {
            pending.future.complete(Reply.error(ControllerError.REQUEST_TIMED_OUT, pending.command.getClass()
                .getSimpleName() + " timed out after " + config.requestTimeoutMs + " ms: " + why));
        }

        @Override
        public void onMessage(
            final long clusterSessionId,
            final long timestamp,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final Header header)
        {
            onMessage(buffer, offset, length);
        }

        /** Gathers FRAGMENTs; a piece that does not continue the message being gathered drops it. */
        private void onFragment(final BufferReader r)
        {
            final int total = r.getInt();
            final int offset = r.getInt();
            final int length = r.remaining();
            if (0 == offset)
            {
                assembled = 0;
            }
            if (offset != assembled || total <= 0 || offset + length > total)
            {
                assembled = -1;
                follower.onReconnect();
                return;
            }
            final byte[] bytes = r.getBytes(length);
            assembly.putBytes(offset, bytes);
            assembled += length;
            if (assembled == total)
            {
                assembled = -1;
                onMessage(assembly, 0, total);
            }
        }

        private void onMessage(final DirectBuffer buffer, final int offset, final int length)
        {
            final BufferReader r = new BufferReader(buffer, offset, length);
            try
            {
                final int type = QuorumProtocol.type(r);
                switch (type)
                {
                    case QuorumProtocol.DELTA -> onDelta(r.getLong(), r.getLong(), r.getLong(), RecordCodec.decodeList(r));
                    case QuorumProtocol.REPLY -> onReply(r.getLong(), r.getLong(), r.getLong(), CommandCodec.decodeReply(r));
                    case QuorumProtocol.IMAGE -> onImage(r.getLong(), r.getLong(), MetadataSnapshot.load(r));
                    case QuorumProtocol.FRAGMENT -> onFragment(r);
                    default -> LOG.debug("broker {}: unknown egress message type {}", config.brokerId, type);
                }
            }
            catch (final CodecException ex)
            {
                LOG.warn("broker {}: undecodable egress message of {} bytes: {}", config.brokerId, length,
                    ex.getMessage());
                follower.onReconnect();
            }
            catch (final IllegalStateException ex)
            {
                // a delta that does not fit the image: drop the image's claim to be current and fetch a full one
                LOG.warn("broker {}: metadata delta did not apply ({}); fetching the image", config.brokerId,
                    ex.getMessage());
                follower.onReconnect();
            }
        }

        private void onDelta(final long epoch, final long previous, final long position,
            final List<MetadataRecord> records)
        {
            final MetadataFollower.Outcome outcome = follower.onDelta(epoch, previous, position, records);
            controllerEpoch = follower.controllerEpoch();
            if (MetadataFollower.Outcome.APPLIED == outcome)
            {
                publish(follower.image());
            }
            else if (MetadataFollower.Outcome.GAP == outcome)
            {
                LOG.info("broker {}: missed metadata between {} and {}; fetching the image", config.brokerId,
                    follower.image().position(), previous);
            }
        }

        private void onImage(final long correlationId, final long epoch, final MetadataImage fullImage)
        {
            if (correlationId == imageRequestId)
            {
                imageRequestId = -1;
            }
            if (follower.onImage(epoch, fullImage))
            {
                publish(follower.image());
            }
            controllerEpoch = follower.controllerEpoch();
        }

        private void onReply(final long correlationId, final long epoch, final long position, final Reply reply)
        {
            final Pending pending = inFlight.remove(correlationId);
            if (null != pending)
            {
                notifier.answer(pending.future, reply); // after the subscribers have the image that holds it
            }
        }

        private void publish(final MetadataImage newImage)
        {
            image = newImage;
            notifier.imageChanged();
        }

        /** On the notifier thread. */
        private void notifySubscribers(final MetadataImage newImage)
        {
            for (final Consumer<MetadataImage> subscriber : subscribers)
            {
                try
                {
                    subscriber.accept(newImage);
                }
                catch (final RuntimeException ex)
                {
                    LOG.warn("broker {}: metadata subscriber failed: {}", config.brokerId, ex.toString());
                }
            }
        }

        @Override
        public void onSessionEvent(final long correlationId, final long clusterSessionId, final long leadershipTermId,
            final int leaderMemberId, final EventCode code, final String detail)
        {
            if (EventCode.CLOSED == code || EventCode.ERROR == code)
            {
                LOG.info("broker {}: session event {} {}", config.brokerId, code, detail);
            }
        }

        @Override
        public void onNewLeader(final long clusterSessionId, final long leadershipTermId, final int leaderMemberId,
            final String ingressEndpoints)
        {
            LOG.info("broker {}: new active controller {} in epoch {}", config.brokerId, leaderMemberId,
                leadershipTermId);
            activeController = leaderMemberId;
            follower.onNewLeader(leadershipTermId);
            controllerEpoch = follower.controllerEpoch();
            imageRequestId = -1;
        }

        @Override
        public void onClose()
        {
            CloseHelper.quietClose(connecting);
            CloseHelper.quietClose(cluster);
            connected = false;
            for (final Pending pending : unsent)
            {
                pending.future.complete(Reply.error(ControllerError.NOT_CONTROLLER, "the quorum client closed"));
            }
            for (final Pending pending : inFlight.values())
            {
                pending.future.complete(Reply.error(ControllerError.NOT_CONTROLLER, "the quorum client closed"));
            }
            Pending pending;
            while (null != (pending = queue.poll()))
            {
                pending.future.complete(Reply.error(ControllerError.NOT_CONTROLLER, "the quorum client closed"));
            }
        }

        @Override
        public String roleName()
        {
            return "ringlog-quorum-client-" + config.brokerId;
        }
    }
}
