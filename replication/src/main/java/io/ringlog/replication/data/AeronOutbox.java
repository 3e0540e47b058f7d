package io.ringlog.replication.data;

import io.aeron.Aeron;
import io.aeron.DirectBufferVector;
import io.aeron.ExclusivePublication;
import io.ringlog.journal.LogSlice;
import io.ringlog.replication.data.codecs.AckEncoder;
import io.ringlog.replication.data.codecs.FetchStartEncoder;
import io.ringlog.replication.data.codecs.MessageHeaderEncoder;
import io.ringlog.replication.data.codecs.RecordsEncoder;
import io.ringlog.replication.data.codecs.StreamStartEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.UUID;

/**
 * {@link Outbox} over Aeron: one exclusive publication per (peer broker, stream), created when first needed and
 * again when the peer registers another endpoint (a restart). Records go out without a copy: the SBE header is one
 * vector and the journal's mapped slice the other. Owned by one shard thread.
 */
final class AeronOutbox implements Outbox, AutoCloseable
{
    private static final int HEADER_CAPACITY = 256;

    private final Aeron aeron;
    private final ReplicationSettings settings;
    private final PeerDirectory peers;
    private final int dataStreamId;
    private final Long2ObjectHashMap<PeerPublication> publications = new Long2ObjectHashMap<>();
    private final UnsafeBuffer header = new UnsafeBuffer(new byte[HEADER_CAPACITY]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final FetchStartEncoder fetchStart = new FetchStartEncoder();
    private final StreamStartEncoder streamStart = new StreamStartEncoder();
    private final RecordsEncoder records = new RecordsEncoder();
    private final AckEncoder ack = new AckEncoder();
    private final DirectBufferVector headerVector = new DirectBufferVector();
    private final DirectBufferVector bodyVector = new DirectBufferVector();
    private final DirectBufferVector[] vectors = {headerVector, bodyVector};

    /** A publication and the channel it was made for (the peer's endpoint may change when it restarts). */
    private record PeerPublication(String channel, ExclusivePublication publication)
    {
    }

    AeronOutbox(final Aeron aeron, final ReplicationSettings settings, final PeerDirectory peers,
        final int dataStreamId)
    {
        this.aeron = aeron;
        this.settings = settings;
        this.peers = peers;
        this.dataStreamId = dataStreamId;
    }

    @Override
    public int dataStreamId()
    {
        return dataStreamId;
    }

    @Override
    public boolean fetchStart(final int leaderId, final int followerKey, final int replyStreamId, final UUID topicId,
        final int partition, final int leaderEpoch, final long fetchOffset, final int lastFetchedEpoch)
    {
        fetchStart.wrapAndApplyHeader(header, 0, headerEncoder)
            .followerId(settings.nodeId())
            .followerKey(followerKey)
            .replyStreamId(replyStreamId)
            .topicIdMsb(topicId.getMostSignificantBits())
            .topicIdLsb(topicId.getLeastSignificantBits())
            .partition(partition)
            .leaderEpoch(leaderEpoch)
            .fetchOffset(fetchOffset)
            .lastFetchedEpoch(lastFetchedEpoch);
        return offer(leaderId, settings.controlStreamId(), MessageHeaderEncoder.ENCODED_LENGTH +
            fetchStart.encodedLength());
    }

    @Override
    public boolean streamStart(final int followerId, final int replyStreamId, final int followerKey,
        final int leaderKey, final int leaderEpoch, final int divergingEpoch, final long divergingEndOffset,
        final long logStartOffset, final long highWatermark, final long startOffset)
    {
        streamStart.wrapAndApplyHeader(header, 0, headerEncoder)
            .followerKey(followerKey)
            .leaderKey(leaderKey)
            .ackStreamId(dataStreamId)
            .leaderEpoch(leaderEpoch)
            .divergingEpoch(divergingEpoch)
            .divergingEndOffset(divergingEndOffset)
            .logStartOffset(logStartOffset)
            .highWatermark(highWatermark)
            .startOffset(startOffset);
        return offer(followerId, replyStreamId, MessageHeaderEncoder.ENCODED_LENGTH + streamStart.encodedLength());
    }

    @Override
    public boolean records(final int followerId, final int replyStreamId, final int followerKey,
        final int leaderEpoch, final long baseOffset, final long highWatermark, final long logStartOffset,
        final LogSlice batches)
    {
        records.wrapAndApplyHeader(header, 0, headerEncoder)
            .followerKey(followerKey)
            .leaderEpoch(leaderEpoch)
            .baseOffset(baseOffset)
            .highWatermark(highWatermark)
            .logStartOffset(logStartOffset);
        // The var-data length prefix is written here and the bytes follow as the second vector: no copy.
        final int lengthAt = records.limit();
        final int bodyLength = batches == null ? 0 : batches.length();
        header.putInt(lengthAt, bodyLength, ByteOrder.LITTLE_ENDIAN);
        final int headerLength = lengthAt + RecordsEncoder.batchesHeaderLength();
        final ExclusivePublication publication = publication(followerId, replyStreamId);
        if (publication == null)
        {
            return false;
        }
        if (bodyLength == 0)
        {
            return publication.offer(header, 0, headerLength) > 0;
        }
        final DirectBuffer body = batches.buffer();
        headerVector.reset(header, 0, headerLength);
        bodyVector.reset(body, 0, bodyLength);
        return publication.offer(vectors) > 0;
    }

    @Override
    public boolean ack(final int leaderId, final int ackStreamId, final int leaderKey, final int leaderEpoch,
        final long logEndOffset)
    {
        ack.wrapAndApplyHeader(header, 0, headerEncoder)
            .leaderKey(leaderKey)
            .followerId(settings.nodeId())
            .leaderEpoch(leaderEpoch)
            .logEndOffset(logEndOffset);
        return offer(leaderId, ackStreamId, MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength());
    }

    private boolean offer(final int brokerId, final int streamId, final int length)
    {
        final ExclusivePublication publication = publication(brokerId, streamId);
        return publication != null && publication.offer(header, 0, length) > 0;
    }

    /**
     * The publication to that broker's stream, made now if there is none or the broker's endpoint changed; null
     * when the broker has no replication endpoint registered. Creating one is the cold path (a round trip to the
     * media driver, on this shard thread); looking one up allocates nothing.
     */
    private ExclusivePublication publication(final int brokerId, final int streamId)
    {
        final String channel = peers.channel(brokerId);
        if (channel == null || aeron.isClosed())
        {
            return null;
        }
        final long key = ((long)brokerId << 32) | (streamId & 0xFFFF_FFFFL);
        final PeerPublication existing = publications.get(key);
        if (existing != null)
        {
            if (existing.channel() == channel) // the directory hands out one String per registration
            {
                return existing.publication();
            }
            CloseHelper.quietClose(existing.publication());
            publications.remove(key);
        }
        final ExclusivePublication publication = aeron.addExclusivePublication(
            channel + "|term-length=" + settings.termLength() + "|sparse=true", streamId);
        publications.put(key, new PeerPublication(channel, publication));
        return publication;
    }

    /** Whether the publication to that broker's stream has a connected subscriber; for tests and metrics. */
    boolean isConnected(final int brokerId, final int streamId)
    {
        final PeerPublication p = publications.get(((long)brokerId << 32) | (streamId & 0xFFFF_FFFFL));
        return p != null && p.publication().isConnected();
    }

    @Override
    public void close()
    {
        publications.values().forEach(p -> CloseHelper.quietClose(p.publication()));
        publications.clear();
    }
}
