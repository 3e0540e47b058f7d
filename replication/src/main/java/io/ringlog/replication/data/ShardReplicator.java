package io.ringlog.replication.data;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.ringlog.replication.data.codecs.AckDecoder;
import io.ringlog.replication.data.codecs.FetchStartDecoder;
import io.ringlog.replication.data.codecs.MessageHeaderDecoder;
import io.ringlog.replication.data.codecs.RecordsDecoder;
import io.ringlog.replication.data.codecs.StreamStartDecoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Replication for the partitions of one sequencer shard, run on the shard's own thread (composed with the shard in
 * one agent), so the journal keeps its single writer: the leader side tails the journals into Aeron publications, the
 * follower side appends what arrives. It hears FetchStart on the broker's control stream (every shard hears every
 * FetchStart and answers only for partitions it holds) and everything else on its own data stream.
 * <p>
 * Other threads tell it which partitions to lead and follow ({@link #lead}, {@link #follow}, {@link #stop}); the
 * changes are queued and run at the start of a duty cycle, answered through futures completed on the shard thread.
 * Steady state allocates nothing: messages are decoded with flyweights, replicas found by int key.
 */
public final class ShardReplicator implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ShardReplicator.class);
    private static final int COMMAND_CAPACITY = 4096;
    private static final int FRAGMENT_LIMIT = 64;

    private final String roleName;
    private final ReplicationSettings settings;
    private final IsrChanges isrChanges;
    private final ReplicationMetrics metrics;
    private final EpochClock clock;
    private final AeronOutbox outbox;
    private final Subscription control;
    private final Subscription data;
    private final ManyToOneConcurrentArrayQueue<Runnable> commands =
        new ManyToOneConcurrentArrayQueue<>(COMMAND_CAPACITY);
    private final Map<PartitionKey, Object> byPartition = new HashMap<>();
    private final Int2ObjectHashMap<LeaderReplica> leadersByKey = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<FollowerReplica> followersByKey = new Int2ObjectHashMap<>();
    private final List<LeaderReplica> leaders = new ArrayList<>();
    /** {@link #leaders} for other threads (the metrics scrape): a new array on every change, a volatile store. */
    private volatile LeaderReplica[] publishedLeaders = new LeaderReplica[0];
    private final List<FollowerReplica> followers = new ArrayList<>();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final FetchStartDecoder fetchStart = new FetchStartDecoder();
    private final StreamStartDecoder streamStart = new StreamStartDecoder();
    private final RecordsDecoder records = new RecordsDecoder();
    private final AckDecoder ack = new AckDecoder();
    private final FragmentHandler controlHandler = new FragmentAssembler(this::onControl);
    private final FragmentHandler dataHandler = new FragmentAssembler(this::onData);
    private final java.util.function.Consumer<Runnable> runCommand = Runnable::run;
    private int nextKey = 1;
    private long nowMs;
    private volatile boolean closed;

    /** A partition by topic id and number: the cold-path index (FetchStart, commands). */
    private record PartitionKey(UUID topicId, int partition)
    {
    }

    /**
     * @param roleName     for logs.
     * @param aeron        the broker's Aeron client.
     * @param settings     timeouts, streams, sizes.
     * @param shardIndex   which shard this is: it receives on {@code dataStreamIdBase + shardIndex}.
     * @param localChannel this broker's replication channel, e.g. {@code aeron:udp?endpoint=10.0.0.1:9094}.
     * @param peers        other brokers' replication channels.
     * @param isrChanges   where ISR changes are proposed.
     * @param metrics      counters shared by the broker's shards.
     * @param clock        milliseconds.
     */
    public ShardReplicator(final String roleName, final Aeron aeron, final ReplicationSettings settings,
        final int shardIndex, final String localChannel, final PeerDirectory peers, final IsrChanges isrChanges,
        final ReplicationMetrics metrics, final EpochClock clock)
    {
        this.roleName = roleName;
        this.settings = settings;
        this.isrChanges = isrChanges;
        this.metrics = metrics;
        this.clock = clock;
        final int dataStreamId = settings.dataStreamIdBase() + shardIndex;
        this.outbox = new AeronOutbox(aeron, settings, peers, dataStreamId);
        Subscription controlSubscription = null;
        try
        {
            controlSubscription = aeron.addSubscription(localChannel, settings.controlStreamId());
            this.control = controlSubscription;
            this.data = aeron.addSubscription(localChannel, dataStreamId);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(controlSubscription);
            throw ex;
        }
    }

    /**
     * Lead this partition from now on at {@code leaderEpoch}, or take a new ISR at the same epoch. Any thread.
     */
    public CompletableFuture<Void> lead(final ReplicaLog replica, final UUID topicId, final int partition,
        final int leaderEpoch, final int partitionEpoch, final List<Integer> replicas, final List<Integer> isr)
    {
        return submit(() ->
        {
            final PartitionKey pk = new PartitionKey(topicId, partition);
            final Object existing = byPartition.get(pk);
            if (existing instanceof LeaderReplica l && l.leaderEpoch == leaderEpoch && l.replica == replica)
            {
                l.updateIsr(partitionEpoch, isr);
                return;
            }
            remove(pk);
            final LeaderReplica leader = new LeaderReplica(nextKey++, topicId, partition, replica, leaderEpoch,
                partitionEpoch, replicas, isr, settings, outbox, isrChanges, metrics, clock.time());
            byPartition.put(pk, leader);
            leadersByKey.put(leader.key, leader);
            leaders.add(leader);
            publishedLeaders = leaders.toArray(new LeaderReplica[0]);
        });
    }

    /** Follow {@code leaderId} for this partition at {@code leaderEpoch}. Any thread. */
    public CompletableFuture<Void> follow(final ReplicaLog replica, final UUID topicId, final int partition,
        final int leaderId, final int leaderEpoch)
    {
        return submit(() ->
        {
            final PartitionKey pk = new PartitionKey(topicId, partition);
            final Object existing = byPartition.get(pk);
            if (existing instanceof FollowerReplica f && f.leaderId == leaderId && f.leaderEpoch == leaderEpoch &&
                f.replica == replica)
            {
                return;
            }
            remove(pk);
            if (leaderId < 0)
            {
                return; // offline: nobody to follow until a leader is elected
            }
            final FollowerReplica follower = new FollowerReplica(nextKey++, topicId, partition, replica, leaderId,
                leaderEpoch, settings, outbox, metrics);
            byPartition.put(pk, follower);
            followersByKey.put(follower.key, follower);
            followers.add(follower);
        });
    }

    /** Stop replicating this partition (it is closing, or no longer held here). Any thread. */
    public CompletableFuture<Void> stop(final UUID topicId, final int partition)
    {
        return submit(() -> remove(new PartitionKey(topicId, partition)));
    }

    /** What this shard does for the partition now: "leader", "follower (streaming)", or null. Any thread, cold. */
    public CompletableFuture<String> describe(final UUID topicId, final int partition)
    {
        final CompletableFuture<String> answer = new CompletableFuture<>();
        submit(() ->
        {
            final Object r = byPartition.get(new PartitionKey(topicId, partition));
            answer.complete(r == null ? null : r.toString());
        }).whenComplete((v, failure) ->
        {
            if (failure != null)
            {
                answer.completeExceptionally(failure);
            }
        });
        return answer;
    }

    /** Partitions led here with fewer in-sync replicas than replicas. Shard thread (metrics read a copy). */
    int underReplicated()
    {
        int count = 0;
        for (int i = 0; i < leaders.size(); i++)
        {
            count += leaders.get(i).underReplicated() ? 1 : 0;
        }
        return count;
    }

    /**
     * Each follower of each partition this shard leads: its lag in offsets and when it last caught up. Any thread
     * (the metrics scrape), from the values the shard publishes; allocates, on the caller's thread.
     */
    public void followerLags(final List<FollowerLag> into)
    {
        for (final LeaderReplica leader : publishedLeaders)
        {
            leader.followerLags(into);
        }
    }

    private void remove(final PartitionKey pk)
    {
        final Object existing = byPartition.remove(pk);
        if (existing instanceof LeaderReplica l)
        {
            leadersByKey.remove(l.key);
            leaders.remove(l);
            publishedLeaders = leaders.toArray(new LeaderReplica[0]);
        }
        else if (existing instanceof FollowerReplica f)
        {
            followersByKey.remove(f.key);
            followers.remove(f);
        }
    }

    private CompletableFuture<Void> submit(final Runnable change)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Runnable command = () ->
        {
            try
            {
                change.run();
                done.complete(null);
            }
            catch (final Throwable ex)
            {
                done.completeExceptionally(ex);
            }
        };
        if (closed || !commands.offer(command))
        {
            done.completeExceptionally(new RejectedExecutionException(roleName + " is closed or its queue is full"));
        }
        return done;
    }

    @Override
    public int doWork()
    {
        nowMs = clock.time();
        int work = commands.drain(runCommand);
        work += control.poll(controlHandler, FRAGMENT_LIMIT);
        work += data.poll(dataHandler, FRAGMENT_LIMIT);
        for (int i = 0; i < leaders.size(); i++)
        {
            work += leaders.get(i).doWork(nowMs);
        }
        for (int i = 0; i < followers.size(); i++)
        {
            work += followers.get(i).doWork(nowMs);
        }
        return work;
    }

    private void onControl(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != FetchStartDecoder.SCHEMA_ID ||
            headerDecoder.templateId() != FetchStartDecoder.TEMPLATE_ID)
        {
            return;
        }
        fetchStart.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final UUID topicId = new UUID(fetchStart.topicIdMsb(), fetchStart.topicIdLsb()); // cold: once per follower
        final Object replica = byPartition.get(new PartitionKey(topicId, fetchStart.partition()));
        if (replica instanceof LeaderReplica leader)
        {
            leader.onFetchStart(fetchStart.followerId(), fetchStart.followerKey(), fetchStart.replyStreamId(),
                fetchStart.leaderEpoch(), fetchStart.fetchOffset(), fetchStart.lastFetchedEpoch(), nowMs);
        }
    }

    private void onData(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != RecordsDecoder.SCHEMA_ID)
        {
            return;
        }
        switch (headerDecoder.templateId())
        {
            case RecordsDecoder.TEMPLATE_ID ->
            {
                records.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final FollowerReplica follower = followersByKey.get(records.followerKey());
                if (follower != null)
                {
                    final int epoch = records.leaderEpoch();
                    final long baseOffset = records.baseOffset();
                    final long hw = records.highWatermark();
                    final int bodyLength = records.batchesLength();
                    final int bodyOffset = records.limit() + RecordsDecoder.batchesHeaderLength();
                    follower.onRecords(epoch, baseOffset, hw, buffer, bodyOffset, bodyLength, nowMs);
                }
            }
            case AckDecoder.TEMPLATE_ID ->
            {
                ack.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final LeaderReplica leader = leadersByKey.get(ack.leaderKey());
                if (leader != null)
                {
                    leader.onAck(ack.followerId(), ack.leaderEpoch(), ack.logEndOffset(), nowMs);
                }
            }
            case StreamStartDecoder.TEMPLATE_ID ->
            {
                streamStart.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final FollowerReplica follower = followersByKey.get(streamStart.followerKey());
                if (follower != null)
                {
                    follower.onStreamStart(streamStart.leaderKey(), streamStart.ackStreamId(),
                        streamStart.leaderEpoch(), streamStart.divergingEpoch(), streamStart.divergingEndOffset(),
                        streamStart.logStartOffset(), streamStart.highWatermark(), streamStart.startOffset(), nowMs);
                }
            }
            default ->
            {
                // a message of a later version this broker does not know: ignored, as the schema's rules allow
            }
        }
    }

    @Override
    public void onClose()
    {
        closed = true;
        commands.drain(Runnable::run); // answer what was queued: removals and changes are harmless now
        leaders.clear();
        publishedLeaders = new LeaderReplica[0];
        followers.clear();
        leadersByKey.clear();
        followersByKey.clear();
        byPartition.clear();
        CloseHelper.quietCloseAll(control, data, outbox);
        LOG.debug("{} closed", roleName);
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
