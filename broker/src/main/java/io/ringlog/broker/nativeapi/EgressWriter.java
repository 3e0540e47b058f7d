package io.ringlog.broker.nativeapi;

import io.ringlog.broker.core.aeron.NativeIngress;
import io.ringlog.broker.core.group.GroupCoordination;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.BrokersResponseEncoder;
import java.util.Map;

import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import io.ringlog.transport.nativeproto.codecs.ErrorResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.HeartbeatResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.RecordsMessageEncoder;
import io.ringlog.transport.nativeproto.codecs.SessionOpenedEncoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseEncoder;
import io.ringlog.transport.nativeproto.codecs.SubscriptionEndedEncoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupResponseEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes the broker's messages onto a session's egress publication with the generated SBE encoders. Each method
 * answers Aeron's code: a positive position when the message went out, else {@link Publication#BACK_PRESSURED},
 * {@link Publication#ADMIN_ACTION} or {@link Publication#NOT_CONNECTED} (nothing was written: try again later, see
 * {@link #isRetriable}), or {@link Publication#CLOSED} / {@link Publication#MAX_POSITION_EXCEEDED} (the egress is
 * gone: close the session).
 * <p>
 * The hot-path answers (ProduceResponse, SubscribeResponse, SubscriptionEnded, SessionOpened) are written in place
 * in the term with {@code tryClaim}: no copy, no allocation. RecordsMessage is a small header followed by the
 * journal's mapped bytes, offered as two buffers: the one copy is into the term. Cold-path answers are encoded into
 * a scratch buffer first (they may carry strings and groups of any length) and offered.
 * <p>
 * Gateway thread only.
 */
final class EgressWriter
{
    /** Header, fixed block and the records' length field of a RecordsMessage. */
    static final int RECORDS_HEADER_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + RecordsMessageEncoder.BLOCK_LENGTH + 4;

    private final BufferClaim claim = new BufferClaim();
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SessionOpenedEncoder sessionOpened = new SessionOpenedEncoder();
    private final ErrorResponseEncoder error = new ErrorResponseEncoder();
    private final ProduceResponseEncoder produceResponse = new ProduceResponseEncoder();
    private final SubscribeResponseEncoder subscribeResponse = new SubscribeResponseEncoder();
    private final SubscriptionEndedEncoder subscriptionEnded = new SubscriptionEndedEncoder();
    private final RecordsMessageEncoder records = new RecordsMessageEncoder();
    private final MetadataResponseEncoder metadata = new MetadataResponseEncoder();
    private final InitProducerIdResponseEncoder initProducerId = new InitProducerIdResponseEncoder();
    private final OffsetCommitResponseEncoder offsetCommit = new OffsetCommitResponseEncoder();
    private final OffsetFetchResponseEncoder offsetFetch = new OffsetFetchResponseEncoder();
    private final JoinGroupResponseEncoder joinGroup = new JoinGroupResponseEncoder();
    private final SyncGroupResponseEncoder syncGroup = new SyncGroupResponseEncoder();
    private final HeartbeatResponseEncoder heartbeat = new HeartbeatResponseEncoder();
    private final LeaveGroupResponseEncoder leaveGroup = new LeaveGroupResponseEncoder();
    private final BrokersResponseEncoder brokers = new BrokersResponseEncoder();
    private final UnsafeBuffer recordsHeader = new UnsafeBuffer(new byte[64]);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);

    /** Nothing was written, but the same message may go out later: back-pressure, an admin action, no subscriber. */
    static boolean isRetriable(final long result)
    {
        return result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION ||
            result == Publication.NOT_CONNECTED;
    }

    long sessionOpened(
        final Publication pub,
        final long correlationId,
        final long sessionId,
        final int brokerId,
        final int sessionTimeoutMs,
        final int heartbeatIntervalMs)
    {
        final long result = pub.tryClaim(MessageHeaderEncoder.ENCODED_LENGTH + SessionOpenedEncoder.BLOCK_LENGTH, claim);
        if (result > 0)
        {
            sessionOpened.wrapAndApplyHeader(claim.buffer(), claim.offset(), header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .brokerId(brokerId)
                .sessionTimeoutMs(sessionTimeoutMs)
                .heartbeatIntervalMs(heartbeatIntervalMs);
            claim.commit();
        }
        return result;
    }

    /** Cold path (the message is text): encoded, then offered. */
    long error(final Publication pub, final long correlationId, final short code, final long sessionId,
        final String message)
    {
        error.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .errorCode(code)
            .sessionId(sessionId)
            .message(message);
        return pub.offer(scratch, 0, MessageHeaderEncoder.ENCODED_LENGTH + error.encodedLength());
    }

    long produceResponse(
        final Publication pub,
        final long correlationId,
        final short code,
        final int partition,
        final long baseOffset,
        final long logStartOffset,
        final int leaderId,
        final int leaderEpoch)
    {
        final long result = pub.tryClaim(MessageHeaderEncoder.ENCODED_LENGTH + ProduceResponseEncoder.BLOCK_LENGTH, claim);
        if (result > 0)
        {
            produceResponse.wrapAndApplyHeader(claim.buffer(), claim.offset(), header)
                .correlationId(correlationId)
                .errorCode(code)
                .partition(partition)
                .baseOffset(baseOffset)
                .logStartOffset(logStartOffset)
                .leaderId(leaderId)
                .leaderEpoch(leaderEpoch);
            claim.commit();
        }
        return result;
    }

    long subscribeResponse(
        final Publication pub,
        final long correlationId,
        final short code,
        final long startOffset,
        final long logStartOffset,
        final long highWatermark,
        final int leaderId,
        final int leaderEpoch)
    {
        final long result = pub.tryClaim(MessageHeaderEncoder.ENCODED_LENGTH + SubscribeResponseEncoder.BLOCK_LENGTH, claim);
        if (result > 0)
        {
            subscribeResponse.wrapAndApplyHeader(claim.buffer(), claim.offset(), header)
                .correlationId(correlationId)
                .errorCode(code)
                .startOffset(startOffset)
                .logStartOffset(logStartOffset)
                .highWatermark(highWatermark)
                .leaderId(leaderId)
                .leaderEpoch(leaderEpoch);
            claim.commit();
        }
        return result;
    }

    long subscriptionEnded(final Publication pub, final long subscriptionId, final short code, final long nextOffset,
        final int leaderId, final int leaderEpoch)
    {
        final long result = pub.tryClaim(MessageHeaderEncoder.ENCODED_LENGTH + SubscriptionEndedEncoder.BLOCK_LENGTH, claim);
        if (result > 0)
        {
            subscriptionEnded.wrapAndApplyHeader(claim.buffer(), claim.offset(), header)
                .subscriptionId(subscriptionId)
                .errorCode(code)
                .nextOffset(nextOffset)
                .leaderId(leaderId)
                .leaderEpoch(leaderEpoch);
            claim.commit();
        }
        return result;
    }

    /** The largest records payload a RecordsMessage on {@code pub} can carry. */
    static int maxRecordsLength(final Publication pub)
    {
        return pub.maxMessageLength() - RECORDS_HEADER_LENGTH;
    }

    /** A RecordsMessage: the header from a small buffer, the records straight from the journal's mapping. */
    long records(
        final Publication pub,
        final long subscriptionId,
        final int partition,
        final long highWatermark,
        final long logStartOffset,
        final long nextOffset,
        final DirectBuffer bytes,
        final int offset,
        final int length)
    {
        records.wrapAndApplyHeader(recordsHeader, 0, header)
            .subscriptionId(subscriptionId)
            .partition(partition)
            .highWatermark(highWatermark)
            .logStartOffset(logStartOffset)
            .nextOffset(nextOffset);
        recordsHeader.putInt(records.limit(), length, ByteOrder.LITTLE_ENDIAN);
        return pub.offer(recordsHeader, 0, RECORDS_HEADER_LENGTH, bytes, offset, length);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cold path: encoded into the scratch buffer, then offered.

    long metadata(final Publication pub, final long correlationId, final ColdCall.MetadataAnswer answer)
    {
        metadata.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .errorCode(answer.errorCode())
            .topicIdMsb(answer.topicIdMsb())
            .topicIdLsb(answer.topicIdLsb());
        final MetadataResponseEncoder.PartitionsEncoder partitions = metadata.partitionsCount(answer.partitions().size());
        for (final ColdCall.PartitionAnswer p : answer.partitions())
        {
            partitions.next()
                .partition(p.partition())
                .leaderId(p.leaderId())
                .leaderEpoch(p.leaderEpoch())
                .highWatermarkCounterId(p.highWatermarkCounterId())
                .segmentBaseCounterId(p.segmentBaseCounterId())
                .logDir(p.logDir());
        }
        metadata.topic(answer.topic());
        return offerScratch(pub, metadata.encodedLength());
    }

    /**
     * BrokersResponse: every live broker and its native UDP ingress ({@code NATIVE} endpoint; empty channel when it
     * registered none), on this broker's ingress stream id (one setting across a cluster).
     */
    long brokers(final Publication pub, final long correlationId, final int brokerId, final int streamId,
        final MetadataImage image)
    {
        brokers.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .errorCode(NativeErrors.NONE)
            .brokerId(brokerId);
        final Map<Integer, MetadataImage.BrokerRegistration> live = image.liveBrokers();
        final BrokersResponseEncoder.BrokersEncoder group = brokers.brokersCount(live.size());
        for (final MetadataImage.BrokerRegistration b : live.values())
        {
            final MetadataImage.Address a = b.endpoint(NativeIngress.LISTENER_NAME);
            group.next().nodeId(b.nodeId()).ingressStreamId(streamId)
                .ingressChannel(a == null ? "" : NativeIngress.channel(a.host(), a.port()));
        }
        return offerScratch(pub, brokers.encodedLength());
    }

    long initProducerId(final Publication pub, final long correlationId, final short code, final long producerId,
        final short producerEpoch)
    {
        initProducerId.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .errorCode(code)
            .producerId(producerId)
            .producerEpoch(producerEpoch);
        return offerScratch(pub, initProducerId.encodedLength());
    }

    long offsetCommit(final Publication pub, final long correlationId, final short code)
    {
        offsetCommit.wrapAndApplyHeader(scratch, 0, header).correlationId(correlationId).errorCode(code);
        return offerScratch(pub, offsetCommit.encodedLength());
    }

    long offsetFetch(final Publication pub, final long correlationId, final short code, final long offset,
        final int leaderEpoch, final String metadataText)
    {
        offsetFetch.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .errorCode(code)
            .committedOffset(offset)
            .leaderEpoch(leaderEpoch)
            .metadata(metadataText == null ? "" : metadataText);
        return offerScratch(pub, offsetFetch.encodedLength());
    }

    long joinGroup(final Publication pub, final long correlationId, final GroupCoordination.Joined answer)
    {
        joinGroup.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .errorCode(answer.errorCode())
            .generationId(answer.generationId());
        final JoinGroupResponseEncoder.MembersEncoder members = joinGroup.membersCount(answer.memberIds().size());
        for (int i = 0; i < answer.memberIds().size(); i++)
        {
            final byte[] meta = answer.memberMetadata().get(i);
            members.next().memberId(answer.memberIds().get(i)).putMetadata(meta, 0, meta.length);
        }
        joinGroup.protocolName(answer.protocolName()).leaderId(answer.leaderId()).memberId(answer.memberId());
        return offerScratch(pub, joinGroup.encodedLength());
    }

    long syncGroup(final Publication pub, final long correlationId, final short code, final byte[] assignment)
    {
        syncGroup.wrapAndApplyHeader(scratch, 0, header).correlationId(correlationId).errorCode(code)
            .putAssignment(assignment, 0, assignment.length);
        return offerScratch(pub, syncGroup.encodedLength());
    }

    long heartbeat(final Publication pub, final long correlationId, final short code)
    {
        heartbeat.wrapAndApplyHeader(scratch, 0, header).correlationId(correlationId).errorCode(code);
        return offerScratch(pub, heartbeat.encodedLength());
    }

    long leaveGroup(final Publication pub, final long correlationId, final short code)
    {
        leaveGroup.wrapAndApplyHeader(scratch, 0, header).correlationId(correlationId).errorCode(code);
        return offerScratch(pub, leaveGroup.encodedLength());
    }

    private long offerScratch(final Publication pub, final int encodedLength)
    {
        return pub.offer(scratch, 0, MessageHeaderEncoder.ENCODED_LENGTH + encodedLength);
    }
}
