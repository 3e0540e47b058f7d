package io.ringlog.client;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.codecs.BrokersRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.CloseSessionEncoder;
import io.ringlog.transport.nativeproto.codecs.ConnectEncoder;
import io.ringlog.transport.nativeproto.codecs.HeartbeatRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.KeepAliveEncoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.MetadataRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.UnsubscribeRequestEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.CachedEpochClock;

/**
 * The native protocol's requests, as the client sends them: each is encoded with the generated SBE encoder into one
 * reused buffer and offered on the session's ingress publication. The producer and consumer of this SDK are built
 * on it; an application may use it directly for a call the higher-level API does not offer.
 * <p>
 * <b>Return codes.</b> A request method returns its correlation id (a positive number, also registered with its
 * {@link ResponseListener}, whose answer or error comes from inside {@link RinglogClient#poll()}), or one of
 * Aeron's negative offer results, in which case nothing was sent and the listener will not be called:
 * <ul>
 *   <li>{@link Publication#BACK_PRESSURED} / {@link Publication#ADMIN_ACTION}: try again on a later duty cycle;</li>
 *   <li>{@link Publication#NOT_CONNECTED} / {@link Publication#CLOSED}: no open session; wait for the client to
 *   reconnect ({@link #isSessionOpen()});</li>
 *   <li>{@link #TOO_MANY_PENDING}: {@link ControlCalls#MAX_PENDING} requests are already waiting for answers.</li>
 * </ul>
 * Nothing is retried here: callers decide (a sync call retries until its deadline, an async one on its next turn).
 * <p>
 * Owned by the client's thread, like the client.
 */
public final class BrokerProxy
{
    /** Returned instead of a correlation id when too many requests already wait for answers. */
    public static final long TOO_MANY_PENDING = -100;

    private static final byte[] EMPTY = new byte[0];
    private static final String PROTOCOL_TYPE = "consumer";

    private final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(4096);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ConnectEncoder connect = new ConnectEncoder();
    private final KeepAliveEncoder keepAlive = new KeepAliveEncoder();
    private final CloseSessionEncoder closeSession = new CloseSessionEncoder();
    private final MetadataRequestEncoder metadata = new MetadataRequestEncoder();
    private final BrokersRequestEncoder brokers = new BrokersRequestEncoder();
    private final InitProducerIdRequestEncoder initProducerId = new InitProducerIdRequestEncoder();
    private final SubscribeRequestEncoder subscribe = new SubscribeRequestEncoder();
    private final UnsubscribeRequestEncoder unsubscribe = new UnsubscribeRequestEncoder();
    private final OffsetCommitRequestEncoder offsetCommit = new OffsetCommitRequestEncoder();
    private final OffsetFetchRequestEncoder offsetFetch = new OffsetFetchRequestEncoder();
    private final JoinGroupRequestEncoder joinGroup = new JoinGroupRequestEncoder();
    private final SyncGroupRequestEncoder syncGroup = new SyncGroupRequestEncoder();
    private final HeartbeatRequestEncoder heartbeat = new HeartbeatRequestEncoder();
    private final LeaveGroupRequestEncoder leaveGroup = new LeaveGroupRequestEncoder();

    private final ControlCalls calls;
    private final ClientContext ctx;
    private final CachedEpochClock clock;

    private ExclusivePublication publication;
    private long sessionId = -1;
    private long lastOfferMs;
    private boolean sessionOpen;

    BrokerProxy(final ClientContext ctx, final ControlCalls calls, final CachedEpochClock clock)
    {
        this.ctx = ctx;
        this.calls = calls;
        this.clock = clock;
    }

    /**
     * A correlation id never used before by this client, on any of its broker connections (one counter for the
     * client: answers from every broker are routed by it).
     */
    public long nextCorrelationId()
    {
        return calls.nextCorrelationId();
    }

    /** True while the session is open: requests sent now will be answered. */
    public boolean isSessionOpen()
    {
        return sessionOpen;
    }

    void sessionOpen(final boolean open)
    {
        sessionOpen = open;
    }

    void publication(final ExclusivePublication publication)
    {
        this.publication = publication;
    }

    ExclusivePublication publication()
    {
        return publication;
    }

    void sessionId(final long sessionId)
    {
        this.sessionId = sessionId;
    }

    /** The open session's id, or -1. */
    public long sessionId()
    {
        return sessionId;
    }

    /** When a message was last accepted by the publication (any message renews the session). */
    long lastOfferMs()
    {
        return lastOfferMs;
    }

    /**
     * Offer bytes that already carry their SBE header and session id (the producer's batch buffers).
     *
     * @return the Aeron offer result: a position, or a negative {@link Publication} code.
     */
    public long offer(final DirectBuffer src, final int offset, final int length)
    {
        final ExclusivePublication pub = publication;
        if (null == pub)
        {
            return Publication.NOT_CONNECTED;
        }
        final long result = pub.offer(src, offset, length);
        if (result > 0)
        {
            lastOfferMs = clock.time();
        }
        return result;
    }

    /** The largest message {@link #offer} accepts on the current publication, or 0 without one. */
    public int maxMessageLength()
    {
        final ExclusivePublication pub = publication;
        return null == pub ? 0 : pub.maxMessageLength();
    }

    private long send(final int bodyLength)
    {
        return offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
    }

    /** Offer the encoded request; on success register its listener with a deadline {@code timeoutMs} from now. */
    private long request(final long correlationId, final int bodyLength, final long timeoutMs, final ResponseListener listener)
    {
        if (!sessionOpen)
        {
            return Publication.NOT_CONNECTED;
        }
        if (calls.size() >= ControlCalls.MAX_PENDING)
        {
            return TOO_MANY_PENDING;
        }
        final long result = send(bodyLength);
        if (result < 0)
        {
            return result;
        }
        calls.register(correlationId, clock.time() + timeoutMs, listener, this);
        return correlationId;
    }

    long connect(final long correlationId, final String responseChannel, final int responseStreamId, final String clientId)
    {
        connect.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .responseStreamId(responseStreamId)
            .protocolVersion(NativeProtocol.SCHEMA_VERSION)
            .responseChannel(responseChannel)
            .clientId(clientId);
        return send(connect.encodedLength());
    }

    long keepAlive()
    {
        keepAlive.wrapAndApplyHeader(buffer, 0, header).sessionId(sessionId);
        return send(keepAlive.encodedLength());
    }

    long closeSession()
    {
        closeSession.wrapAndApplyHeader(buffer, 0, header).sessionId(sessionId);
        return send(closeSession.encodedLength());
    }

    /** {@code MetadataRequest}; answered by {@code MetadataResponse}. */
    public long metadata(final String topic, final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        metadata.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .topic(topic);
        return request(correlationId, metadata.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /** {@code BrokersRequest} (protocol version 1); answered by {@code BrokersResponse}. */
    public long brokers(final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        brokers.wrapAndApplyHeader(buffer, 0, header).sessionId(sessionId).correlationId(correlationId);
        return request(correlationId, brokers.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /** {@code InitProducerIdRequest}; answered by {@code InitProducerIdResponse}. */
    public long initProducerId(final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        initProducerId.wrapAndApplyHeader(buffer, 0, header).sessionId(sessionId).correlationId(correlationId);
        return request(correlationId, initProducerId.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /**
     * {@code SubscribeRequest}; answered by {@code SubscribeResponse}, then {@code RecordsMessage}s carrying the
     * returned correlation id as their subscription id.
     */
    public long subscribe(
        final long topicIdMsb,
        final long topicIdLsb,
        final int partition,
        final long fromOffset,
        final int maxBytesPerMessage,
        final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        subscribe.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .topicIdMsb(topicIdMsb)
            .topicIdLsb(topicIdLsb)
            .partition(partition)
            .fromOffset(fromOffset)
            .maxBytesPerMessage(maxBytesPerMessage);
        return request(correlationId, subscribe.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /**
     * {@code UnsubscribeRequest}. The schema defines no answer of its own: the broker ends the stream with
     * {@code SubscriptionEnded}, so no listener is registered.
     */
    public long unsubscribe(final long subscriptionId)
    {
        if (!sessionOpen)
        {
            return Publication.NOT_CONNECTED;
        }
        final long correlationId = nextCorrelationId();
        unsubscribe.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .subscriptionId(subscriptionId);
        final long result = send(unsubscribe.encodedLength());
        return result < 0 ? result : correlationId;
    }

    /** {@code OffsetCommitRequest}; answered by {@code OffsetCommitResponse}. */
    public long offsetCommit(
        final long topicIdMsb,
        final long topicIdLsb,
        final int partition,
        final long offset,
        final int leaderEpoch,
        final int generationId,
        final byte[] groupId,
        final byte[] memberId,
        final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        offsetCommit.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .topicIdMsb(topicIdMsb)
            .topicIdLsb(topicIdLsb)
            .partition(partition)
            .committedOffset(offset)
            .leaderEpoch(leaderEpoch)
            .generationId(generationId)
            .putGroupId(groupId, 0, groupId.length)
            .putMemberId(memberId, 0, memberId.length)
            .putMetadata(EMPTY, 0, 0);
        return request(correlationId, offsetCommit.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /** {@code OffsetFetchRequest}; answered by {@code OffsetFetchResponse}. */
    public long offsetFetch(
        final long topicIdMsb,
        final long topicIdLsb,
        final int partition,
        final byte[] groupId,
        final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        offsetFetch.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .topicIdMsb(topicIdMsb)
            .topicIdLsb(topicIdLsb)
            .partition(partition)
            .putGroupId(groupId, 0, groupId.length);
        return request(correlationId, offsetFetch.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /**
     * {@code JoinGroupRequest}; answered by {@code JoinGroupResponse}. The coordinator holds a join until the
     * rebalance completes, so the answer is awaited for the rebalance timeout plus five seconds, as Kafka's
     * consumer does.
     */
    public long joinGroup(
        final int sessionTimeoutMs,
        final int rebalanceTimeoutMs,
        final byte[] groupId,
        final byte[] memberId,
        final String protocolName,
        final byte[] subscription,
        final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        joinGroup.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .sessionTimeoutMs(sessionTimeoutMs)
            .rebalanceTimeoutMs(rebalanceTimeoutMs)
            .putGroupId(groupId, 0, groupId.length)
            .putMemberId(memberId, 0, memberId.length)
            .protocolType(PROTOCOL_TYPE)
            .protocolName(protocolName)
            .putProtocolMetadata(subscription, 0, subscription.length);
        final long timeoutMs = Math.max(ctx.requestTimeoutMs(), rebalanceTimeoutMs + 5_000L);
        return request(correlationId, joinGroup.encodedLength(), timeoutMs, listener);
    }

    /** {@code SyncGroupRequest}; answered by {@code SyncGroupResponse}. Only the leader sends assignments. */
    public long syncGroup(
        final int generationId,
        final String[] memberIds,
        final byte[][] assignments,
        final byte[] groupId,
        final byte[] memberId,
        final String protocolName,
        final int rebalanceTimeoutMs,
        final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        syncGroup.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .generationId(generationId);
        final SyncGroupRequestEncoder.AssignmentsEncoder group = syncGroup.assignmentsCount(memberIds.length);
        for (int i = 0; i < memberIds.length; i++)
        {
            group.next().memberId(memberIds[i]).putAssignment(assignments[i], 0, assignments[i].length);
        }
        syncGroup.putGroupId(groupId, 0, groupId.length)
            .putMemberId(memberId, 0, memberId.length)
            .protocolType(PROTOCOL_TYPE)
            .protocolName(protocolName);
        final long timeoutMs = Math.max(ctx.requestTimeoutMs(), rebalanceTimeoutMs + 5_000L);
        return request(correlationId, syncGroup.encodedLength(), timeoutMs, listener);
    }

    /** {@code HeartbeatRequest}; answered by {@code HeartbeatResponse}. Allocation-free (ids pre-encoded). */
    public long heartbeat(
        final int generationId, final byte[] groupId, final byte[] memberId, final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        heartbeat.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .generationId(generationId)
            .putGroupId(groupId, 0, groupId.length)
            .putMemberId(memberId, 0, memberId.length);
        return request(correlationId, heartbeat.encodedLength(), ctx.requestTimeoutMs(), listener);
    }

    /** {@code LeaveGroupRequest}; answered by {@code LeaveGroupResponse}. */
    public long leaveGroup(final byte[] groupId, final byte[] memberId, final ResponseListener listener)
    {
        final long correlationId = nextCorrelationId();
        leaveGroup.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .putGroupId(groupId, 0, groupId.length)
            .putMemberId(memberId, 0, memberId.length);
        return request(correlationId, leaveGroup.encodedLength(), ctx.requestTimeoutMs(), listener);
    }
}
