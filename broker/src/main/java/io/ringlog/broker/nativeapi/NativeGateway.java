package io.ringlog.broker.nativeapi;

import io.aeron.Aeron;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.ringlog.broker.core.group.GroupCoordination;
import io.ringlog.broker.core.policy.TopicAutoCreation;
import io.ringlog.broker.core.producer.ProducerIdManager;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.PartitionListener;
import io.ringlog.broker.core.replica.ReplicaManager;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The broker side of the native protocol: one Agrona {@link Agent} that takes requests from the ingress channels
 * (Aeron IPC and UDP), serves them, and writes every answer and every record stream on the sessions' egress
 * publications. See transport/README.md ("Native protocol") for the conversation, and the classes it is made of:
 * <ul>
 *   <li>{@link IngressHandler}: checks and dispatches each (reassembled) message;</li>
 *   <li>{@link Sessions}: Connect, egress publications, keep-alive and expiry;</li>
 *   <li>{@link ProducePath}: ProduceRequest into the partitions' rings, answers from the shards;</li>
 *   <li>{@link ColdPath}: Metadata, InitProducerId, offsets and group membership, answered elsewhere;</li>
 *   <li>{@link Subscriptions}: the journal tailers streaming RecordsMessages;</li>
 *   <li>{@link EgressWriter}: the encoders;</li>
 *   <li>{@link CompletionRing}: the one way answers come back from other threads.</li>
 * </ul>
 * A duty cycle, as a flat sum of bounded steps: partition-closing requests; up to {@link #COMPLETIONS_PER_CYCLE}
 * completions; answers waiting for egress room; up to {@link #FRAGMENTS_PER_POLL} fragments from each ingress
 * channel; the subscriptions (their own caps); the sessions (connects, expiry).
 * <p>
 * Threads: everything runs on the gateway's thread (its own {@code ringlog-native-gateway} runner by default, or shard
 * 0's busy-spinning thread in the low-latency profile), except {@link #onClosing}, which the replica manager calls
 * and which waits until the gateway has stopped reading that partition, and {@link #aeronClosing}, which the Aeron
 * client calls if it closes under the broker. Construction subscribes to the ingress channels synchronously, so a
 * channel that cannot be used (a UDP port in use) fails the broker's start.
 */
public final class NativeGateway implements Agent, PartitionListener
{
    static final int FRAGMENTS_PER_POLL = 64;
    static final int COMPLETIONS_PER_CYCLE = 256;
    private static final long CLOSING_WAIT_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(NativeGateway.class);

    private final NativeConfig config;
    private final ReplicaManager registry;
    private final GatewayCounters counters;
    private final Subscription[] ingress;
    private final ControlledFragmentAssembler[] assemblers;
    private final CompletionRing completions;
    private final Sessions sessions;
    private final ProducePath producePath;
    private final ColdPath coldPath;
    private final Subscriptions subscriptions;
    private final PartitionCache partitionCache;
    private final IngressHandler ingressHandler;
    private final Set<Partition> closingPartitions = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ManyToOneConcurrentArrayQueue<ClosingPartition> closing = new ManyToOneConcurrentArrayQueue<>(1024);
    /** Partitions another broker leads now, from the replica manager's thread: their subscriptions end here. */
    private final ManyToOneConcurrentArrayQueue<Demoted> demoted = new ManyToOneConcurrentArrayQueue<>(4096);
    /** Aeron session ids of ingress images that went away, from the client conductor's thread. */
    private final ManyToOneConcurrentArrayQueue<Integer> goneImages = new ManyToOneConcurrentArrayQueue<>(1024);
    private final EpochClock clock = SystemEpochClock.INSTANCE;
    private final MessageHandler completionHandler = this::onCompletion;
    private volatile boolean running;
    private volatile boolean aeronLost;
    private volatile boolean aeronReleased;
    private volatile Thread thread;

    private record ClosingPartition(Partition partition, CompletableFuture<Void> done)
    {
    }

    private record Demoted(Partition partition, int leaderId, int leaderEpoch)
    {
    }

    /**
     * @param config          the native settings.
     * @param aeron           the broker's client.
     * @param registry        the replica manager: the partitions this broker holds.
     * @param admin           the broker's admin executor, for Metadata and InitProducerId.
     * @param topics          topics by name, auto-created by the rules Kafka clients get.
     * @param producerIds     producer ids for InitProducerId.
     * @param groups          the group coordinator, for membership and offsets.
     */
    public NativeGateway(
        final NativeConfig config,
        final Aeron aeron,
        final ReplicaManager registry,
        final ExecutorService admin,
        final TopicAutoCreation topics,
        final ProducerIdManager producerIds,
        final GroupCoordination groups)
    {
        this.config = config;
        this.registry = registry;
        final GatewayCounters c = new GatewayCounters(aeron);
        this.counters = c;
        final Subscription[] subs = new Subscription[config.ingressChannels().size()];
        try
        {
            final EgressWriter egress = new EgressWriter();
            final LogLimiter limiter = new LogLimiter(LOG);
            completions = new CompletionRing(ProducePath.SLOTS, ColdPath.CALLS);
            partitionCache = new PartitionCache(registry);
            subscriptions = new Subscriptions(egress, c);
            final LeaderLookup leaders = new LeaderLookup(topics);
            producePath = new ProducePath(config.requestMemoryBytes(), partitionCache, leaders, completions, egress, c);
            coldPath = new ColdPath(completions, admin, topics, producerIds, groups, registry, egress,
                c.answersDropped);
            sessions = new Sessions(aeron, config, egress, c, subscriptions, limiter);
            producePath.sessions(sessions);
            coldPath.sessions(sessions);
            ingressHandler = new IngressHandler(sessions, producePath, coldPath, subscriptions, partitionCache,
                closingPartitions, egress, c, limiter, leaders, topics, config);
            for (int i = 0; i < subs.length; i++)
            {
                // A client that goes away mid-message leaves a partial reassembly behind: free it (cold path).
                subs[i] = aeron.addSubscription(config.ingressChannels().get(i), config.ingressStreamId(), null,
                    image -> goneImages.offer(image.sessionId()));
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(subs);
            c.close();
            throw new IllegalStateException("cannot start the native gateway on " + config.ingressChannels() +
                " stream " + config.ingressStreamId() + ": " + ex.getMessage(), ex);
        }
        ingress = subs;
        assemblers = new ControlledFragmentAssembler[subs.length];
        for (int i = 0; i < subs.length; i++)
        {
            assemblers[i] = new ControlledFragmentAssembler(ingressHandler);
        }
        registry.addListener(this);
    }

    @Override
    public String roleName()
    {
        return "ringlog-native-gateway";
    }

    @Override
    public void onStart()
    {
        thread = Thread.currentThread();
        running = true;
    }

    @Override
    public int doWork()
    {
        if (aeronLost)
        {
            return releaseAeron();
        }
        final long start = System.nanoTime();
        final long nowMs = clock.time();
        ingressHandler.nowMs(nowMs);
        int work = drainClosing() + drainDemoted() + freeGoneImages();
        work += completions.drain(completionHandler, COMPLETIONS_PER_CYCLE);
        work += producePath.retryDue();
        work += coldPath.retryDue();
        for (int i = 0; i < ingress.length; i++)
        {
            work += ingress[i].controlledPoll(assemblers[i], FRAGMENTS_PER_POLL);
        }
        work += subscriptions.doWork();
        work += sessions.doWork(nowMs);
        final long took = System.nanoTime() - start;
        if (took > counters.maxDutyCycleNs.getPlain())
        {
            counters.maxDutyCycleNs.setRelease(took);
        }
        return work;
    }

    private void onCompletion(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == CompletionRing.PRODUCE_DONE)
        {
            producePath.onCompletion(buffer.getInt(index), buffer.getInt(index + 4), buffer.getLong(index + 8),
                buffer.getLong(index + 16));
        }
        else if (msgTypeId == CompletionRing.COLD_DONE)
        {
            coldPath.onCompletion(buffer.getInt(index));
        }
    }

    private int drainDemoted()
    {
        int work = 0;
        Demoted d;
        while ((d = demoted.poll()) != null)
        {
            subscriptions.partitionDemoted(d.partition(), d.leaderId(), d.leaderEpoch());
            work++;
        }
        return work;
    }

    /**
     * Another broker leads {@code partition} from now on: its native subscriptions here end with
     * NOT_LEADER_OR_FOLLOWER naming the new leader (produce is refused by the partition's own leadership check).
     * Replica manager's thread; hands the change to the gateway's next duty cycle. A full queue (4096 demotions
     * between two duty cycles) only delays the end until the client's next refresh: logged.
     */
    @Override
    public void onBecomeFollower(final Partition partition, final int leaderId, final int leaderEpoch)
    {
        if (running && !demoted.offer(new Demoted(partition, leaderId, leaderEpoch)))
        {
            LOG.warn("native: the demotion queue is full; subscriptions of {} stay until their clients move", partition);
        }
    }

    private int freeGoneImages()
    {
        int work = 0;
        Integer sessionId;
        while ((sessionId = goneImages.poll()) != null)
        {
            for (final ControlledFragmentAssembler assembler : assemblers)
            {
                assembler.freeSessionBuffer(sessionId);
            }
            work++;
        }
        return work;
    }

    private int drainClosing()
    {
        int work = 0;
        ClosingPartition request;
        while ((request = closing.poll()) != null)
        {
            closePartition(request.partition());
            request.done().complete(null);
            work++;
        }
        return work;
    }

    private void closePartition(final Partition partition)
    {
        subscriptions.partitionClosing(partition);
        partitionCache.clear();
        closingPartitions.removeIf(p -> p.sequencer().isClosed());
        closingPartitions.add(partition);
    }

    /**
     * The replica manager is about to close {@code partition}: return once the gateway will not read its log again (its
     * subscriptions end with UNKNOWN_TOPIC_OR_PARTITION, and new ones are refused). Registry thread; waits for the
     * gateway's next duty cycle, or returns at once when the gateway is not running.
     */
    @Override
    public void onClosing(final Partition partition)
    {
        if (!running)
        {
            return;
        }
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (!closing.offer(new ClosingPartition(partition, done)))
        {
            LOG.error("native: the closing queue is full; {} closes without waiting for the gateway", partition);
            return;
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSING_WAIT_MS);
        while (running && !done.isDone())
        {
            if (System.nanoTime() - deadline > 0)
            {
                LOG.error("native: the gateway did not release {} within {} ms", partition, CLOSING_WAIT_MS);
                return;
            }
            try
            {
                done.get(10, TimeUnit.MILLISECONDS);
            }
            catch (final java.util.concurrent.TimeoutException ignore)
            {
                // check running again: a gateway that stopped meanwhile reads nothing any more
            }
            catch (final Exception ex)
            {
                return;
            }
        }
    }

    /**
     * The Aeron client is closing under the broker (the media driver was lost): stop touching every publication,
     * subscription and counter before it unmaps them, and wait (bounded) until the gateway thread has. Aeron
     * client's thread.
     */
    void aeronClosing()
    {
        aeronLost = true;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (running && !aeronReleased && System.nanoTime() - deadline < 0)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    private int releaseAeron()
    {
        if (!aeronReleased)
        {
            LOG.error("native: the Aeron client closed (media driver lost?); the native gateway stops serving until " +
                "the broker restarts; the Kafka protocol is not affected");
            sessions.abandonAll();
            subscriptions.abandonAll();
            aeronReleased = true;
        }
        return 0;
    }

    @Override
    public void onClose()
    {
        running = false;
        registry.removeListener(this);
        if (!aeronLost)
        {
            sessions.closeAll();
            CloseHelper.quietCloseAll(ingress);
            counters.close();
        }
        ClosingPartition request;
        while ((request = closing.poll()) != null)
        {
            request.done().complete(null);
        }
        aeronReleased = true;
        LOG.info("native gateway stopped");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // For tests and metrics: read from any thread while the broker runs (the counters live in the driver's memory).

    public GatewayCounters counters()
    {
        return counters;
    }

    /** The thread running the gateway, once started. */
    public Thread thread()
    {
        return thread;
    }

    public boolean isRunning()
    {
        return running;
    }

    public NativeConfig config()
    {
        return config;
    }
}
