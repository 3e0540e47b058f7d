package io.ringlog.client.consumer;

import io.aeron.logbuffer.ControlledFragmentHandler;
import io.ringlog.client.BrokerConnection;
import io.ringlog.client.ClientComponent;
import io.ringlog.client.ClientContext;
import io.ringlog.client.ResponseListener;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.SyncCall;
import io.ringlog.client.TopicMetadata;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.RecordsMessageDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscriptionEndedDecoder;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The native consumer: partitions stream to it as {@code RecordsMessage}s of whole RecordBatch v2 batches, and
 * {@link #poll} hands their records to a {@link RecordHandler} through one reused {@link RecordView}, straight from
 * Aeron's buffer when it can: no object and no copy per record.
 *
 * <h2>Partitions</h2>
 * {@link #assign} takes partitions by hand; {@link #subscribe} joins the consumer's group ({@code group.id}) and
 * takes what the group's range assignment gives it, with Kafka's ConsumerProtocol, so native and Kafka members may
 * share a group. A partition starts from its committed offset (with a group id), else from
 * {@code auto.offset.reset}. {@link #seek} restarts it anywhere ({@link #EARLIEST}, {@link #LATEST} or an offset).
 *
 * <h2>Delivery</h2>
 * {@link #poll} delivers at most {@code limit} records and returns how many. Records below a partition's position
 * are skipped (a stream starts at a batch boundary), control batches are skipped, and a compressed batch stops its
 * partition with an {@link UnsupportedCompressionException} naming the codec (see the module README). A record is
 * consumed when the handler returns: if the handler throws, the exception leaves {@code poll} and that record comes
 * again on the next poll (at least once). Messages that arrive while no consumer poll is delivering (the producer's
 * {@code sendSync} polls the client too, for example) are copied into a bounded staging ring
 * ({@code fetch.max.bytes}) and delivered first by the next poll; when it is full the egress waits (Aeron
 * back-pressure to the broker).
 *
 * <h2>Threads</h2>
 * The client's thread only, like the client.
 */
public final class RinglogConsumer implements ClientComponent, AutoCloseable
{
    /** {@link #seek} target: the partition's first offset. */
    public static final long EARLIEST = -2;
    /** {@link #seek} target: the partition's end (the high watermark). */
    public static final long LATEST = -1;
    /** {@link #position} when it is not known yet. */
    public static final long UNKNOWN_POSITION = PartitionStream.UNKNOWN;

    private static final byte[] NO_MEMBER = new byte[0];

    private final RinglogClient client;
    private final ClientContext ctx;
    private final SubscriptionEndedDecoder endedDecoder = new SubscriptionEndedDecoder();
    private final ExpandableRingBuffer staging;
    private final Long2ObjectHashMap<PartitionStream> bySubscription = new Long2ObjectHashMap<>();
    private final List<PartitionStream> streams = new ArrayList<>();
    private final Map<String, PartitionStream[]> byTopic = new HashMap<>();
    private final GroupMembership group;
    private final byte[] groupIdBytes;
    private final long resetTo;
    private final boolean resetNone;
    private final int maxBytesPerMessage;
    private final ExpandableRingBuffer.MessageConsumer stagedConsumer = this::onStagedMessage;
    private final RecordsDelivery delivery;

    private boolean subscribed;
    private long nextAutoCommitMs;
    private long stagedMessages;
    private boolean closed;
    private long notLeaderAnswers;

    public RinglogConsumer(final RinglogClient client)
    {
        this.client = client;
        this.ctx = client.context();
        this.staging = new ExpandableRingBuffer(
            64 * 1024, BitUtil.findNextPositivePowerOfTwo(ctx.fetchMaxBytes()), true);
        this.groupIdBytes = null == ctx.groupId() ? null : ctx.groupId().getBytes(StandardCharsets.UTF_8);
        this.group = null == ctx.groupId() ? null : new GroupMembership(client, new GroupEvents());
        this.resetTo = "earliest".equals(ctx.autoOffsetReset()) ? EARLIEST : LATEST;
        this.resetNone = "none".equals(ctx.autoOffsetReset());
        this.maxBytesPerMessage = ctx.maxPartitionFetchBytes();
        this.nextAutoCommitMs = System.currentTimeMillis() + ctx.autoCommitIntervalMs();
        this.delivery = new RecordsDelivery(bySubscription, ctx.errorHandler());
        client.addComponent(this);
    }

    /**
     * Take these partitions by hand (replacing any earlier assignment). Not with {@link #subscribe}.
     *
     * @throws RinglogException for an unknown topic.
     */
    public void assign(final String topic, final int... partitions)
    {
        ensureOpen();
        if (subscribed)
        {
            throw new IllegalStateException("assign after subscribe: unsubscribe first");
        }
        final TopicMetadata metadata = client.metadata(topic);
        final Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        for (final PartitionStream s : streams)
        {
            wanted.computeIfAbsent(s.topic, t -> new ArrayList<>());
            if (!s.topic.equals(topic))
            {
                wanted.get(s.topic).add(s.partition);
            }
        }
        final List<Integer> list = new ArrayList<>();
        for (final int p : partitions)
        {
            if (p < 0 || p >= metadata.partitionCount())
            {
                throw new RinglogException(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION, topic + "-" + p);
            }
            list.add(p);
        }
        wanted.put(topic, list);
        setAssignment(wanted);
    }

    /**
     * Join the group {@code group.id} for these topics; partitions come with the group's assignment, from inside
     * later polls.
     *
     * @throws IllegalStateException without a {@code group.id}.
     * @throws RinglogException      for an unknown topic.
     */
    public void subscribe(final String... topics)
    {
        ensureOpen();
        if (null == group)
        {
            throw new IllegalStateException("subscribe needs " + io.ringlog.client.ClientConfig.GROUP_ID);
        }
        for (final String topic : topics)
        {
            client.metadata(topic);
        }
        setAssignment(Map.of());
        subscribed = true;
        group.subscribe(Arrays.asList(topics));
    }

    /** Leave the group, or drop the manual assignment. */
    public void unsubscribe()
    {
        if (null != group && subscribed)
        {
            group.leave();
        }
        subscribed = false;
        setAssignment(Map.of());
    }

    /** The partitions assigned now, as "topic-partition" strings (allocates; for tests and logs). */
    public List<String> assignment()
    {
        final List<String> result = new ArrayList<>();
        for (final PartitionStream s : streams)
        {
            result.add(s.topic + "-" + s.partition);
        }
        return result;
    }

    /** True when a group subscription is stable (assigned in the current generation). */
    public boolean isGroupStable()
    {
        return null != group && group.isStable();
    }

    /** The member id the coordinator gave this consumer, or "" outside a group. */
    public String memberId()
    {
        return null == group ? "" : group.memberId();
    }

    /**
     * Deliver up to {@code limit} records to {@code handler}, running one duty cycle of the client.
     *
     * @return records delivered.
     * @throws UnsupportedCompressionException when a partition reached a compressed batch.
     * @throws RinglogException                for a partition whose position is out of range with
     *                                         {@code auto.offset.reset=none}, or a fatal group error.
     * @throws RuntimeException                what the handler threw (that record comes again next poll).
     */
    public int poll(final RecordHandler handler, final int limit)
    {
        ensureOpen();
        if (null != group)
        {
            final RinglogException groupFailure = group.takeFailure();
            if (null != groupFailure)
            {
                throw groupFailure;
            }
        }
        delivery.begin(handler, limit);
        Throwable failure = null;
        try
        {
            if (!staging.isEmpty())
            {
                final boolean entered = client.enterHandlerScope();
                try
                {
                    staging.consume(stagedConsumer, Integer.MAX_VALUE);
                }
                finally
                {
                    client.exitHandlerScope(entered);
                }
            }
            if (!delivery.hasFailed())
            {
                client.poll();
            }
        }
        finally
        {
            failure = delivery.end();
        }
        if (null != failure)
        {
            if (failure instanceof RuntimeException re)
            {
                throw re;
            }
            if (failure instanceof Error e)
            {
                throw e;
            }
            throw new IllegalStateException(failure);
        }
        throwStreamFailure();
        return delivery.delivered();
    }

    private void throwStreamFailure()
    {
        for (int i = 0, n = streams.size(); i < n; i++)
        {
            final PartitionStream s = streams.get(i);
            if (s.state == PartitionStream.FAILED && null != s.failure)
            {
                throw s.failure;
            }
        }
    }

    private boolean onStagedMessage(
        final MutableDirectBuffer buffer, final int offset, final int length, final int headOffset)
    {
        return delivery.deliver(buffer, offset, length) == RecordsDelivery.CONSUMED;
    }

    @Override
    public ControlledFragmentHandler.Action onMessage(
        final int templateId,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int blockLength,
        final int version)
    {
        if (templateId == RecordsMessageDecoder.TEMPLATE_ID)
        {
            if (delivery.isDelivering() && staging.isEmpty())
            {
                // Zero copy: the records are read where Aeron put them. A message not wholly delivered (the limit,
                // or the handler threw) stays in the image and comes again; records below the position are skipped.
                return delivery.deliver(buffer, offset, length) == RecordsDelivery.CONSUMED ?
                    ControlledFragmentHandler.Action.CONTINUE : ControlledFragmentHandler.Action.ABORT;
            }
            final long subscriptionId = buffer.getLong(
                offset + MessageHeaderDecoder.ENCODED_LENGTH, RecordsMessageDecoder.BYTE_ORDER);
            if (!bySubscription.containsKey(subscriptionId))
            {
                return ControlledFragmentHandler.Action.CONTINUE;
            }
            if (delivery.isPolling() && staging.isEmpty())
            {
                return ControlledFragmentHandler.Action.ABORT; // this poll's limit is reached: leave it in the image
            }
            if (staging.append(buffer, offset, length))
            {
                stagedMessages++;
                return ControlledFragmentHandler.Action.CONTINUE;
            }
            return ControlledFragmentHandler.Action.ABORT;
        }
        if (templateId == SubscriptionEndedDecoder.TEMPLATE_ID)
        {
            final SubscriptionEndedDecoder d = endedDecoder.wrap(
                buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
            final PartitionStream stream = bySubscription.remove(d.subscriptionId());
            if (null != stream)
            {
                final short code = d.errorCode();
                final int leaderId = code == NativeErrors.NOT_LEADER_OR_FOLLOWER ? d.leaderId() : -1;
                onStreamError(stream, code, "subscription ended", leaderId, leaderId >= 0 ? d.leaderEpoch() : -1);
            }
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        return null;
    }

    /** RecordsMessages copied into the staging ring so far (a measure of how often zero copy was not possible). */
    public long stagedMessageCount()
    {
        return stagedMessages;
    }

    @Override
    public boolean onError(final long correlationId, final short errorCode, final String message)
    {
        return false;
    }

    /** A stream stopped or could not start: decide what next from the error. */
    private void onStreamError(final PartitionStream stream, final short errorCode, final String what)
    {
        onStreamError(stream, errorCode, what, -1, -1);
    }

    /** As above, with the leader a NOT_LEADER_OR_FOLLOWER answer named (-1 when none). */
    private void onStreamError(final PartitionStream stream, final short errorCode, final String what,
        final int leaderId, final int leaderEpoch)
    {
        if (stream.subscriptionId != 0)
        {
            bySubscription.remove(stream.subscriptionId);
            stream.subscriptionId = 0;
        }
        if (stream.state == PartitionStream.FAILED || !streams.contains(stream))
        {
            return;
        }
        if (errorCode == NativeErrors.OFFSET_OUT_OF_RANGE)
        {
            if (resetNone)
            {
                stream.state = PartitionStream.FAILED;
                stream.failure = new RinglogException(errorCode, stream.topic + "-" + stream.partition +
                    ": position " + stream.position + " is out of range and auto.offset.reset=none");
                return;
            }
            stream.position = PartitionStream.UNKNOWN;
            stream.resetTo = resetTo;
            stream.state = PartitionStream.NEEDS_SUBSCRIBE;
            stream.retryAtMs = 0;
            return;
        }
        if (errorCode == NativeErrors.NOT_LEADER_OR_FOLLOWER)
        {
            notLeaderAnswers++;
            client.onNotLeader(stream.topic, stream.partition, leaderId, leaderEpoch);
        }
        else if (errorCode == NativeErrors.UNKNOWN_TOPIC_ID || errorCode == NativeErrors.UNKNOWN_TOPIC_OR_PARTITION)
        {
            client.requestMetadata(stream.topic, ignore -> refreshStreams(stream.topic));
        }
        stream.state = PartitionStream.NEEDS_SUBSCRIBE;
        final boolean elsewhere = leaderId >= 0 && (null == stream.connection || leaderId != stream.connection.nodeId());
        stream.retryAtMs = client.nowMs() + (elsewhere ? 0 : ctx.retryBackoffMs());
    }

    private void refreshStreams(final String topic)
    {
        final TopicMetadata m = client.cachedMetadata(topic);
        final PartitionStream[] topicStreams = byTopic.get(topic);
        if (null != m && null != topicStreams)
        {
            for (final PartitionStream s : topicStreams)
            {
                if (null != s)
                {
                    s.metadata = m;
                }
            }
        }
    }

    @Override
    public int doWork(final long nowMs)
    {
        if (closed || !client.isConnected())
        {
            return 0;
        }
        int work = null == group ? 0 : group.doWork(nowMs);
        for (int i = 0, n = streams.size(); i < n; i++)
        {
            final PartitionStream s = streams.get(i);
            switch (s.state)
            {
                case PartitionStream.NEEDS_POSITION -> work += resolvePosition(s);
                case PartitionStream.NEEDS_SUBSCRIBE -> work += nowMs >= s.retryAtMs ? subscribeStream(s) : 0;
                case PartitionStream.SUBSCRIBING, PartitionStream.STREAMING -> work += followLeader(s);
                default -> { }
            }
        }
        if (ctx.enableAutoCommit() && nowMs >= nextAutoCommitMs)
        {
            nextAutoCommitMs = nowMs + ctx.autoCommitIntervalMs();
            work += commitAsync(null);
        }
        return work;
    }

    /**
     * When the routing changed and metadata names another leader for a live stream, end the old subscription (best
     * effort) and subscribe on the new leader from the position: the next record not yet delivered.
     */
    private int followLeader(final PartitionStream s)
    {
        final int version = client.routingVersion();
        if (s.routingVersion == version)
        {
            return 0;
        }
        s.routingVersion = version;
        final BrokerConnection leader = client.leaderConnection(s.topic, s.partition);
        if (null == leader || leader == s.connection)
        {
            return 0;
        }
        if (s.subscriptionId != 0)
        {
            bySubscription.remove(s.subscriptionId);
            if (null != s.connection && s.connection.isOpen())
            {
                s.connection.proxy().unsubscribe(s.subscriptionId);
            }
            s.subscriptionId = 0;
        }
        s.state = PartitionStream.NEEDS_SUBSCRIBE;
        s.retryAtMs = 0;
        return 1;
    }

    private int resolvePosition(final PartitionStream s)
    {
        if (null == groupIdBytes)
        {
            return startFromReset(s);
        }
        final long id = client.proxy().offsetFetch(s.metadata.topicIdMsb(), s.metadata.topicIdLsb(), s.partition, groupIdBytes,
            new OffsetFetchListener(s));
        if (id > 0)
        {
            s.state = PartitionStream.FETCHING_COMMITTED;
            return 1;
        }
        return 0;
    }

    private int startFromReset(final PartitionStream s)
    {
        if (resetNone)
        {
            s.state = PartitionStream.FAILED;
            s.failure = new RinglogException(NativeErrors.OFFSET_OUT_OF_RANGE, s.topic + "-" + s.partition +
                ": no committed offset and auto.offset.reset=none");
            return 1;
        }
        s.position = PartitionStream.UNKNOWN;
        s.resetTo = resetTo;
        s.state = PartitionStream.NEEDS_SUBSCRIBE;
        return 1;
    }

    private int subscribeStream(final PartitionStream s)
    {
        final BrokerConnection leader = client.leaderConnection(s.topic, s.partition);
        s.routingVersion = client.routingVersion();
        if (null == leader || !leader.isOpen())
        {
            s.retryAtMs = client.nowMs() + (null == leader ? ctx.retryBackoffMs() : 1);
            return 0;
        }
        final long from = s.position >= 0 ? s.position : s.resetTo;
        final SubscribeListener listener = new SubscribeListener(s);
        final long id = leader.proxy().subscribe(
            s.metadata.topicIdMsb(), s.metadata.topicIdLsb(), s.partition, from, maxBytesPerMessage, listener);
        if (id <= 0)
        {
            s.retryAtMs = client.nowMs() + ctx.retryBackoffMs();
            return 0;
        }
        listener.subscriptionId = id;
        s.connection = leader;
        if (s.subscriptionId != 0)
        {
            bySubscription.remove(s.subscriptionId);
        }
        s.subscriptionId = id;
        bySubscription.put(id, s);
        s.state = PartitionStream.SUBSCRIBING;
        return 1;
    }

    /**
     * Move a partition's position: to an offset, or to {@link #EARLIEST} / {@link #LATEST}. A new subscription
     * replaces the partition's current one (the broker treats it as a seek); records of the old one still in
     * flight are dropped. Clears a partition's failure (to seek past a compressed batch, for example).
     */
    public void seek(final String topic, final int partition, final long offset)
    {
        final PartitionStream s = stream(topic, partition);
        if (offset >= 0)
        {
            s.position = offset;
        }
        else
        {
            s.position = PartitionStream.UNKNOWN;
            s.resetTo = offset == EARLIEST ? EARLIEST : LATEST;
        }
        s.failure = null;
        if (s.subscriptionId != 0)
        {
            bySubscription.remove(s.subscriptionId);
            s.subscriptionId = 0;
        }
        s.state = PartitionStream.NEEDS_SUBSCRIBE;
        s.retryAtMs = 0;
    }

    /** The next offset the partition will deliver, or {@link #UNKNOWN_POSITION} until it is resolved. */
    public long position(final String topic, final int partition)
    {
        return stream(topic, partition).position;
    }

    /** The partition's high watermark as of its last RecordsMessage or SubscribeResponse, or -1. */
    public long highWatermark(final String topic, final int partition)
    {
        return stream(topic, partition).highWatermark;
    }

    /** True when the partition's subscription is streaming (its start was accepted by the broker). */
    public boolean isStreaming(final String topic, final int partition)
    {
        return stream(topic, partition).state == PartitionStream.STREAMING;
    }

    /**
     * The group's committed offset for a partition (synchronous {@code OffsetFetch}).
     *
     * @return the offset, or -1 when nothing is committed.
     */
    public long committed(final String topic, final int partition)
    {
        requireGroupId();
        final TopicMetadata m = client.metadata(topic);
        final OffsetFetchCall call = new OffsetFetchCall();
        client.call(() -> client.proxy().offsetFetch(m.topicIdMsb(), m.topicIdLsb(), partition, groupIdBytes, call), call,
            "OffsetFetch " + topic + "-" + partition);
        return call.offset;
    }

    /** Commit every assigned partition's position, synchronously. */
    public void commitSync()
    {
        for (final PartitionStream s : new ArrayList<>(streams))
        {
            if (s.position >= 0)
            {
                commitSync(s.topic, s.partition, s.position);
            }
        }
    }

    /**
     * Commit {@code offset} (the next offset to read) for a partition, synchronously.
     *
     * @throws RinglogException with the coordinator's error.
     */
    public void commitSync(final String topic, final int partition, final long offset)
    {
        requireGroupId();
        final TopicMetadata m = client.metadata(topic);
        final CommitCall call = new CommitCall();
        client.call(() -> client.proxy().offsetCommit(m.topicIdMsb(), m.topicIdLsb(), partition, offset, -1, generationId(),
            groupIdBytes, memberIdBytes(), call), call, "OffsetCommit " + topic + "-" + partition);
        final PartitionStream s = findStream(topic, partition);
        if (null != s)
        {
            s.lastCommitted = Math.max(s.lastCommitted, offset);
        }
    }

    /**
     * Commit every assigned partition's position that moved since its last commit, without waiting.
     *
     * @param callback told of each partition's outcome; may be null.
     * @return commits sent.
     */
    public int commitAsync(final OffsetCommitCallback callback)
    {
        if (null == groupIdBytes)
        {
            return 0;
        }
        int sent = 0;
        for (int i = 0, n = streams.size(); i < n; i++)
        {
            final PartitionStream s = streams.get(i);
            final long offset = s.position;
            if (offset < 0 || offset == s.lastCommitted)
            {
                continue;
            }
            final CommitListener listener = s.commitListener();
            listener.arm(offset, callback);
            if (client.proxy().offsetCommit(s.metadata.topicIdMsb(), s.metadata.topicIdLsb(), s.partition, offset, s.leaderEpoch,
                generationId(), groupIdBytes, memberIdBytes(), listener) > 0)
            {
                sent++;
            }
        }
        return sent;
    }

    private int generationId()
    {
        return null == group ? -1 : group.generationId();
    }

    private byte[] memberIdBytes()
    {
        return null == group || group.generationId() < 0 ? NO_MEMBER : group.memberIdBytes();
    }

    private void requireGroupId()
    {
        if (null == groupIdBytes)
        {
            throw new IllegalStateException("committed offsets need " + io.ringlog.client.ClientConfig.GROUP_ID);
        }
    }

    private PartitionStream stream(final String topic, final int partition)
    {
        final PartitionStream s = findStream(topic, partition);
        if (null == s)
        {
            throw new IllegalStateException(topic + "-" + partition + " is not assigned to this consumer");
        }
        return s;
    }

    private PartitionStream findStream(final String topic, final int partition)
    {
        final PartitionStream[] topicStreams = byTopic.get(topic);
        return null == topicStreams || partition < 0 || partition >= topicStreams.length ? null : topicStreams[partition];
    }

    /** Replace the assignment: keep streams still wanted, stop the others, start the new ones. */
    private void setAssignment(final Map<String, List<Integer>> wanted)
    {
        final List<PartitionStream> kept = new ArrayList<>();
        for (final PartitionStream s : streams)
        {
            final List<Integer> partitions = wanted.get(s.topic);
            if (null != partitions && partitions.contains(s.partition))
            {
                kept.add(s);
            }
            else
            {
                stop(s);
            }
        }
        streams.clear();
        byTopic.clear();
        for (final PartitionStream s : kept)
        {
            index(s);
        }
        for (final Map.Entry<String, List<Integer>> e : wanted.entrySet())
        {
            final TopicMetadata m = client.cachedMetadata(e.getKey());
            if (null == m)
            {
                client.requestMetadata(e.getKey(), code ->
                {
                    if (code == NativeErrors.NONE && !closed)
                    {
                        addStreams(client.cachedMetadata(e.getKey()), e.getValue());
                    }
                });
                continue;
            }
            addStreams(m, e.getValue());
        }
    }

    private void addStreams(final TopicMetadata m, final List<Integer> partitions)
    {
        for (final int p : partitions)
        {
            if (p >= 0 && p < m.partitionCount() && null == findStream(m.name(), p))
            {
                index(new PartitionStream(m, p, resetTo));
            }
        }
    }

    private void index(final PartitionStream s)
    {
        streams.add(s);
        PartitionStream[] topicStreams = byTopic.get(s.topic);
        if (null == topicStreams || topicStreams.length < s.metadata.partitionCount())
        {
            topicStreams = null == topicStreams ? new PartitionStream[s.metadata.partitionCount()] :
                Arrays.copyOf(topicStreams, s.metadata.partitionCount());
            byTopic.put(s.topic, topicStreams);
        }
        topicStreams[s.partition] = s;
    }

    private void stop(final PartitionStream s)
    {
        if (s.subscriptionId != 0)
        {
            bySubscription.remove(s.subscriptionId);
            if (null != s.connection && s.connection.isOpen())
            {
                s.connection.proxy().unsubscribe(s.subscriptionId);
            }
            s.subscriptionId = 0;
        }
        s.state = PartitionStream.FAILED;
    }

    @Override
    public void onSessionOpened(final BrokerConnection connection, final boolean reconnected)
    {
        // Streams were reset when the session was lost; doWork subscribes them again from their positions.
    }

    @Override
    public void onSessionLost(final BrokerConnection connection, final boolean controlConnection, final String reason)
    {
        // Streams on that broker subscribe again from their positions once their partition has a leader with an open
        // connection (the same broker back, or the new leader); offset fetches were control calls.
        for (final PartitionStream s : streams)
        {
            if (s.connection == connection &&
                (s.state == PartitionStream.SUBSCRIBING || s.state == PartitionStream.STREAMING))
            {
                if (s.subscriptionId != 0)
                {
                    bySubscription.remove(s.subscriptionId);
                    s.subscriptionId = 0;
                }
                s.state = PartitionStream.NEEDS_SUBSCRIBE;
                s.retryAtMs = 0;
            }
            else if (controlConnection && s.state == PartitionStream.FETCHING_COMMITTED)
            {
                s.state = PartitionStream.NEEDS_POSITION;
            }
        }
        if (null != group && controlConnection)
        {
            group.onSessionLost();
        }
    }

    /** NOT_LEADER_OR_FOLLOWER answers so far (subscriptions refused or ended because leadership moved). */
    public long notLeaderAnswers()
    {
        return notLeaderAnswers;
    }

    /**
     * Commit (with auto-commit, best effort), stop every stream and leave the group. The client stays open.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        try
        {
            if (ctx.enableAutoCommit() && client.isConnected())
            {
                commitSync();
            }
        }
        catch (final RinglogException ex)
        {
            ctx.errorHandler().onError(ex);
        }
        unsubscribe();
        onClose();
    }

    @Override
    public void onClose()
    {
        closed = true;
        for (final PartitionStream s : streams)
        {
            stop(s);
        }
        streams.clear();
        byTopic.clear();
        bySubscription.clear();
    }

    private void ensureOpen()
    {
        if (closed || client.isClosed())
        {
            throw new RinglogException(NativeErrors.SESSION_CLOSED, "the consumer is closed");
        }
    }

    private final class GroupEvents implements GroupMembership.Listener
    {
        @Override
        public void onRevoked()
        {
            if (ctx.enableAutoCommit())
            {
                commitAsync(null);
            }
            setAssignment(Map.of());
        }

        @Override
        public void onAssigned(final Map<String, List<Integer>> partitions)
        {
            setAssignment(partitions);
        }
    }

    private final class SubscribeListener implements ResponseListener
    {
        private final SubscribeResponseDecoder decoder = new SubscribeResponseDecoder();
        private final PartitionStream stream;
        long subscriptionId;

        SubscribeListener(final PartitionStream stream)
        {
            this.stream = stream;
        }

        @Override
        public void onResponse(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            if (stream.subscriptionId != subscriptionId)
            {
                return; // superseded by a seek
            }
            final SubscribeResponseDecoder d = decoder.wrap(buffer, offset, blockLength, version);
            final short errorCode = d.errorCode();
            if (errorCode != NativeErrors.NONE)
            {
                final int leaderId = errorCode == NativeErrors.NOT_LEADER_OR_FOLLOWER ? d.leaderId() : -1;
                onStreamError(stream, errorCode, "subscribe", leaderId, leaderId >= 0 ? d.leaderEpoch() : -1);
                return;
            }
            if (stream.position < 0)
            {
                stream.position = d.startOffset();
            }
            stream.logStartOffset = d.logStartOffset();
            stream.highWatermark = d.highWatermark();
            if (stream.state == PartitionStream.SUBSCRIBING)
            {
                stream.state = PartitionStream.STREAMING;
            }
        }

        @Override
        public void onError(final short errorCode, final String message)
        {
            if (stream.subscriptionId == subscriptionId && errorCode != NativeErrors.SESSION_CLOSED)
            {
                onStreamError(stream, errorCode, "subscribe");
            }
        }
    }

    private final class OffsetFetchListener implements ResponseListener
    {
        private final OffsetFetchResponseDecoder decoder = new OffsetFetchResponseDecoder();
        private final PartitionStream stream;

        OffsetFetchListener(final PartitionStream stream)
        {
            this.stream = stream;
        }

        @Override
        public void onResponse(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            if (stream.state != PartitionStream.FETCHING_COMMITTED)
            {
                return;
            }
            final OffsetFetchResponseDecoder d = decoder.wrap(buffer, offset, blockLength, version);
            final short errorCode = d.errorCode();
            final long committed = d.committedOffset();
            if (errorCode != NativeErrors.NONE)
            {
                stream.state = PartitionStream.NEEDS_POSITION; // retried on the next duty cycle
                return;
            }
            if (committed >= 0)
            {
                stream.position = committed;
                stream.lastCommitted = committed;
                stream.state = PartitionStream.NEEDS_SUBSCRIBE;
                stream.retryAtMs = 0;
            }
            else
            {
                startFromReset(stream);
            }
        }

        @Override
        public void onError(final short errorCode, final String message)
        {
            if (stream.state == PartitionStream.FETCHING_COMMITTED)
            {
                stream.state = PartitionStream.NEEDS_POSITION;
            }
        }
    }

    /** Decodes {@code OffsetFetchResponse}. */
    private static final class OffsetFetchCall extends SyncCall
    {
        private final OffsetFetchResponseDecoder decoder = new OffsetFetchResponseDecoder();
        long offset = -1;

        @Override
        protected short decode(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            final OffsetFetchResponseDecoder d = decoder.wrap(buffer, offset, blockLength, version);
            this.offset = d.committedOffset();
            return d.errorCode();
        }
    }

    /** Decodes {@code OffsetCommitResponse}. */
    private static final class CommitCall extends SyncCall
    {
        private final OffsetCommitResponseDecoder decoder = new OffsetCommitResponseDecoder();

        @Override
        protected short decode(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            return decoder.wrap(buffer, offset, blockLength, version).errorCode();
        }
    }

    /** One per partition, reused by every asynchronous commit of it: auto-commit allocates nothing. */
    static final class CommitListener implements ResponseListener
    {
        private final OffsetCommitResponseDecoder decoder = new OffsetCommitResponseDecoder();
        private final PartitionStream stream;
        private long offset;
        private OffsetCommitCallback callback;

        CommitListener(final PartitionStream stream)
        {
            this.stream = stream;
        }

        void arm(final long offset, final OffsetCommitCallback callback)
        {
            this.offset = offset;
            this.callback = callback;
        }

        @Override
        public void onResponse(
            final int templateId, final DirectBuffer buffer, final int at, final int blockLength, final int version)
        {
            final short errorCode = decoder.wrap(buffer, at, blockLength, version).errorCode();
            if (errorCode == NativeErrors.NONE)
            {
                stream.lastCommitted = Math.max(stream.lastCommitted, offset);
            }
            if (null != callback)
            {
                callback.onComplete(stream.topic, stream.partition, offset, errorCode);
            }
        }

        @Override
        public void onError(final short errorCode, final String message)
        {
            if (null != callback)
            {
                callback.onComplete(stream.topic, stream.partition, offset, errorCode);
            }
        }
    }
}
