package io.ringlog.broker.nativeapi;

import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.codecs.CloseSessionDecoder;
import io.ringlog.transport.nativeproto.codecs.ConnectDecoder;
import io.ringlog.transport.nativeproto.codecs.HeartbeatRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.KeepAliveDecoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.MetadataRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.BrokersRequestDecoder;
import io.ringlog.broker.core.policy.TopicAutoCreation;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.UnsubscribeRequestDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.Set;

/**
 * Reads each reassembled ingress message, checks it, and hands it to the path that serves it.
 * <p>
 * Checks, in order, before any generated decoder reads a field: at least a message header; the schema id
 * ({@link NativeProtocol#SCHEMA_ID}); a template id the broker takes as a request; a block at least as long as this
 * build's (a newer client's longer block is fine: SBE decodes it by its header's block length and version, which is
 * how the schema grows); every var-length field inside the message ({@link MessageShapes}); then an open session for
 * the id it carries. A message failing any check is counted, logged at a limited rate, and answered with
 * ErrorResponse (MALFORMED_MESSAGE, UNKNOWN_MESSAGE, UNKNOWN_SESSION) when its session can be identified: by the
 * session id it carries when that much of it is readable, else by the ingress image it came on (the publication
 * whose Connect opened a session). Nothing in a message can make the gateway throw or allocate without bound.
 * <p>
 * Gateway thread only.
 */
final class IngressHandler implements ControlledFragmentHandler
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ConnectDecoder connect = new ConnectDecoder();
    private final KeepAliveDecoder keepAlive = new KeepAliveDecoder();
    private final CloseSessionDecoder closeSession = new CloseSessionDecoder();
    private final MetadataRequestDecoder metadata = new MetadataRequestDecoder();
    private final InitProducerIdRequestDecoder initProducerId = new InitProducerIdRequestDecoder();
    private final ProduceRequestDecoder produce = new ProduceRequestDecoder();
    private final SubscribeRequestDecoder subscribe = new SubscribeRequestDecoder();
    private final UnsubscribeRequestDecoder unsubscribe = new UnsubscribeRequestDecoder();
    private final OffsetCommitRequestDecoder offsetCommit = new OffsetCommitRequestDecoder();
    private final OffsetFetchRequestDecoder offsetFetch = new OffsetFetchRequestDecoder();
    private final JoinGroupRequestDecoder joinGroup = new JoinGroupRequestDecoder();
    private final SyncGroupRequestDecoder syncGroup = new SyncGroupRequestDecoder();
    private final HeartbeatRequestDecoder heartbeat = new HeartbeatRequestDecoder();
    private final LeaveGroupRequestDecoder leaveGroup = new LeaveGroupRequestDecoder();
    private final BrokersRequestDecoder brokers = new BrokersRequestDecoder();

    private final Sessions sessions;
    private final ProducePath producePath;
    private final ColdPath coldPath;
    private final Subscriptions subscriptions;
    private final PartitionCache partitions;
    private final Set<Partition> closingPartitions;
    private final EgressWriter egress;
    private final GatewayCounters counters;
    private final LogLimiter limiter;
    private final LeaderLookup leaders;
    private final TopicAutoCreation topics;
    private final NativeConfig config;
    private long nowMs;

    IngressHandler(final Sessions sessions, final ProducePath producePath, final ColdPath coldPath,
        final Subscriptions subscriptions, final PartitionCache partitions, final Set<Partition> closingPartitions,
        final EgressWriter egress, final GatewayCounters counters, final LogLimiter limiter,
        final LeaderLookup leaders, final TopicAutoCreation topics, final NativeConfig config)
    {
        this.leaders = leaders;
        this.topics = topics;
        this.config = config;
        this.sessions = sessions;
        this.producePath = producePath;
        this.coldPath = coldPath;
        this.subscriptions = subscriptions;
        this.partitions = partitions;
        this.closingPartitions = closingPartitions;
        this.egress = egress;
        this.counters = counters;
        this.limiter = limiter;
    }

    /** The gateway's clock, read once per duty cycle. */
    void nowMs(final long now)
    {
        nowMs = now;
    }

    @Override
    public Action onFragment(final DirectBuffer buffer, final int offset, final int length, final Header aeronHeader)
    {
        final int end = offset + length;
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            malformed(aeronHeader, NativeErrors.MALFORMED_MESSAGE, -1, "short", length, 0);
            return Action.CONTINUE;
        }
        header.wrap(buffer, offset);
        final int templateId = header.templateId();
        if (header.schemaId() != NativeProtocol.SCHEMA_ID)
        {
            malformed(aeronHeader, NativeErrors.MALFORMED_MESSAGE, -1, "schema", length, header.schemaId());
            return Action.CONTINUE;
        }
        final int expectedBlock = MessageShapes.blockLength(templateId);
        if (expectedBlock == MessageShapes.UNKNOWN)
        {
            malformed(aeronHeader, NativeErrors.UNKNOWN_MESSAGE, -1, "template", length, templateId);
            return Action.CONTINUE;
        }
        final int blockOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        if (blockLength < expectedBlock || !MessageShapes.fits(buffer, blockOffset, end, templateId, blockLength))
        {
            final boolean idReadable = blockLength >= 16 && blockOffset + 16 <= end;
            malformed(aeronHeader, NativeErrors.MALFORMED_MESSAGE,
                idReadable && MessageShapes.hasSessionId(templateId) ? templateId : -1, "lengths", length, templateId,
                buffer, blockOffset);
            return Action.CONTINUE;
        }

        if (templateId == ConnectDecoder.TEMPLATE_ID)
        {
            onConnect(buffer, blockOffset, blockLength, version, aeronHeader);
            return Action.CONTINUE;
        }
        final long sessionId = buffer.getLong(blockOffset, ByteOrder.LITTLE_ENDIAN);
        final NativeSession session = sessions.open(sessionId);
        if (session == null)
        {
            counters.unknownSessions.incrementRelease();
            limiter.warn("unknown-session", "native: a message (template {}) for unknown session {}", templateId,
                sessionId);
            final NativeSession byImage = sessions.byIngressImage(aeronHeader.sessionId());
            if (byImage != null)
            {
                final long correlationId = MessageShapes.hasCorrelationId(templateId) ?
                    buffer.getLong(blockOffset + 8, ByteOrder.LITTLE_ENDIAN) : -1;
                egress.error(byImage.publication, correlationId, NativeErrors.UNKNOWN_SESSION, sessionId,
                    "unknown session " + sessionId);
            }
            return Action.CONTINUE;
        }
        Sessions.touch(session, nowMs);
        switch (templateId)
        {
            case ProduceRequestDecoder.TEMPLATE_ID ->
            {
                produce.wrap(buffer, blockOffset, blockLength, version);
                final int lengthField = produce.limit();
                if (!producePath.onRequest(session, produce, buffer,
                    lengthField + ProduceRequestDecoder.recordsHeaderLength(), produce.recordsLength()))
                {
                    // Back-pressured: leave the message in the client's image and read it again next duty cycle, so
                    // Aeron pushes back on the client's publication (its offer says BACK_PRESSURED) and nothing is
                    // dropped, whatever the acks. The session was touched above: a client waiting here stays alive.
                    return Action.ABORT;
                }
            }
            case KeepAliveDecoder.TEMPLATE_ID ->
            {
            }
            case CloseSessionDecoder.TEMPLATE_ID ->
            {
                counters.sessionsClosed.incrementRelease();
                sessions.close(session, "closed by the client");
            }
            case MetadataRequestDecoder.TEMPLATE_ID ->
            {
                metadata.wrap(buffer, blockOffset, blockLength, version);
                coldPath.metadata(session, metadata.correlationId(), metadata.topic());
            }
            case BrokersRequestDecoder.TEMPLATE_ID ->
            {
                // Cold path, answered here from the current image (one volatile read); an answer the egress cannot
                // take now is dropped and counted: the client asks again on its next metadata refresh.
                brokers.wrap(buffer, blockOffset, blockLength, version);
                if (topics == null || egress.brokers(session.publication, brokers.correlationId(), config.nodeId(),
                    config.ingressStreamId(), topics.image()) < 0)
                {
                    counters.answersDropped.incrementRelease();
                }
            }
            case InitProducerIdRequestDecoder.TEMPLATE_ID ->
            {
                initProducerId.wrap(buffer, blockOffset, blockLength, version);
                coldPath.initProducerId(session, initProducerId.correlationId());
            }
            case SubscribeRequestDecoder.TEMPLATE_ID ->
            {
                subscribe.wrap(buffer, blockOffset, blockLength, version);
                onSubscribe(session, subscribe);
            }
            case UnsubscribeRequestDecoder.TEMPLATE_ID ->
            {
                unsubscribe.wrap(buffer, blockOffset, blockLength, version);
                if (!subscriptions.unsubscribe(session, unsubscribe.subscriptionId()))
                {
                    egress.error(session.publication, unsubscribe.correlationId(), NativeErrors.INVALID_REQUEST,
                        sessionId, "no subscription " + unsubscribe.subscriptionId());
                }
            }
            case OffsetCommitRequestDecoder.TEMPLATE_ID ->
                coldPath.offsetCommit(session, offsetCommit.wrap(buffer, blockOffset, blockLength, version));
            case OffsetFetchRequestDecoder.TEMPLATE_ID ->
                coldPath.offsetFetch(session, offsetFetch.wrap(buffer, blockOffset, blockLength, version));
            case JoinGroupRequestDecoder.TEMPLATE_ID ->
                coldPath.joinGroup(session, joinGroup.wrap(buffer, blockOffset, blockLength, version));
            case SyncGroupRequestDecoder.TEMPLATE_ID ->
                coldPath.syncGroup(session, syncGroup.wrap(buffer, blockOffset, blockLength, version));
            case HeartbeatRequestDecoder.TEMPLATE_ID ->
                coldPath.heartbeat(session, heartbeat.wrap(buffer, blockOffset, blockLength, version));
            case LeaveGroupRequestDecoder.TEMPLATE_ID ->
                coldPath.leaveGroup(session, leaveGroup.wrap(buffer, blockOffset, blockLength, version));
            default -> throw new IllegalStateException("MessageShapes knows template " + templateId);
        }
        return Action.CONTINUE;
    }

    private void onConnect(final DirectBuffer buffer, final int blockOffset, final int blockLength, final int version,
        final Header aeronHeader)
    {
        connect.wrap(buffer, blockOffset, blockLength, version);
        final long correlationId = connect.correlationId();
        final int streamId = connect.responseStreamId();
        final int protocolVersion = connect.protocolVersion();
        final String channel = connect.responseChannel();
        final String clientId = connect.clientId();
        // A newer client (higher protocol version) is served at this broker's version, which every answer's header
        // carries; only a negative version, or no channel, is nonsense.
        if (protocolVersion < 0 || channel.isEmpty() ||
            !sessions.connect(correlationId, channel, streamId, clientId, aeronHeader.sessionId(), nowMs))
        {
            counters.malformedMessages.incrementRelease();
            limiter.warn("bad-connect", "native: unusable Connect from '{}' (version {}, channel '{}')", clientId,
                protocolVersion, channel);
        }
    }

    private void onSubscribe(final NativeSession session, final SubscribeRequestDecoder d)
    {
        final long correlationId = d.correlationId();
        final Partition partition = partitions.lookup(d.topicIdMsb(), d.topicIdLsb(), d.partition());
        if ((partition == null || !partition.isLeader()) && leaders.find(d.topicIdMsb(), d.topicIdLsb(), d.partition()))
        {
            // Consumers read from the leader: here a follower's replica, or none. Say who leads it (cold path).
            egress.subscribeResponse(session.publication, correlationId, NativeErrors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1,
                leaders.leaderId(), leaders.leaderEpoch());
            return;
        }
        if (partition == null || closingPartitions.contains(partition))
        {
            egress.subscribeResponse(session.publication, correlationId, partition == null &&
                partitions.lastTopicUnknown() ? NativeErrors.UNKNOWN_TOPIC_ID : NativeErrors.UNKNOWN_TOPIC_OR_PARTITION,
                -1, -1, -1, -1, -1);
            return;
        }
        final long logStart = partition.log().logStartOffset();
        final long hw = partition.highWatermark();
        final long wanted = d.fromOffset();
        final long from = wanted == -2 ? logStart : wanted == -1 ? hw : wanted;
        if (from < logStart || from > partition.log().logEndOffset())
        {
            egress.subscribeResponse(session.publication, correlationId, NativeErrors.OFFSET_OUT_OF_RANGE, from,
                logStart, hw, -1, -1);
            return;
        }
        if (subscriptions.subscribe(session, correlationId, partition, from, d.maxBytesPerMessage()) == null)
        {
            egress.subscribeResponse(session.publication, correlationId, NativeErrors.INVALID_REQUEST, from,
                logStart, hw, -1, -1);
        }
    }

    private void malformed(final Header aeronHeader, final short code, final int templateWithIds, final String kind,
        final int length, final int detail)
    {
        malformed(aeronHeader, code, templateWithIds, kind, length, detail, null, 0);
    }

    /**
     * Count, log (limited), and answer when the session is known: by the ids in the message when
     * {@code templateWithIds} says they are readable, else by the ingress image.
     */
    private void malformed(final Header aeronHeader, final short code, final int templateWithIds, final String kind,
        final int length, final int detail, final DirectBuffer buffer, final int blockOffset)
    {
        counters.malformedMessages.incrementRelease();
        limiter.warn("malformed-" + kind, "native: {} message ({} bytes, {} {}) from Aeron session {}",
            NativeErrors.name(code), length, kind, detail, aeronHeader.sessionId());
        NativeSession session = null;
        long correlationId = -1;
        if (templateWithIds >= 0 && buffer != null)
        {
            session = sessions.open(buffer.getLong(blockOffset, ByteOrder.LITTLE_ENDIAN));
            if (MessageShapes.hasCorrelationId(templateWithIds))
            {
                correlationId = buffer.getLong(blockOffset + 8, ByteOrder.LITTLE_ENDIAN);
            }
        }
        if (session == null)
        {
            session = sessions.byIngressImage(aeronHeader.sessionId());
        }
        if (session != null)
        {
            egress.error(session.publication, correlationId, code, session.sessionId,
                NativeErrors.name(code) + ": " + kind);
        }
    }
}
