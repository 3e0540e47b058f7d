package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.codecs.CloseSessionDecoder;
import io.ringlog.transport.nativeproto.codecs.ConnectDecoder;
import io.ringlog.transport.nativeproto.codecs.HeartbeatRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.KeepAliveDecoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.MetadataRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.BrokersRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestDecoder;
import io.ringlog.transport.nativeproto.codecs.UnsubscribeRequestDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The layout of every message a client may send, enough to check its lengths before a generated decoder reads it:
 * the generated decoders trust the var-length fields' lengths, and a length running past the fragment would read
 * the next message's bytes (or beyond the buffer). Each request's fixed block, then its var-length fields in order;
 * SyncGroupRequest has a repeating group (two var-length fields per entry) before its own.
 * <p>
 * Every request after Connect carries the session id as the first field of its block, and every request but
 * KeepAlive and CloseSession its correlation id as the second, which is how a malformed request is answered.
 * <p>
 * Stateless; any thread.
 */
final class MessageShapes
{
    /** No such request: a template this broker does not take. */
    static final int UNKNOWN = -1;

    private MessageShapes()
    {
    }

    /** The fixed block length this build writes for a request, or {@link #UNKNOWN}. */
    static int blockLength(final int templateId)
    {
        return switch (templateId)
        {
            case ConnectDecoder.TEMPLATE_ID -> ConnectDecoder.BLOCK_LENGTH;
            case KeepAliveDecoder.TEMPLATE_ID -> KeepAliveDecoder.BLOCK_LENGTH;
            case CloseSessionDecoder.TEMPLATE_ID -> CloseSessionDecoder.BLOCK_LENGTH;
            case MetadataRequestDecoder.TEMPLATE_ID -> MetadataRequestDecoder.BLOCK_LENGTH;
            case BrokersRequestDecoder.TEMPLATE_ID -> BrokersRequestDecoder.BLOCK_LENGTH;
            case InitProducerIdRequestDecoder.TEMPLATE_ID -> InitProducerIdRequestDecoder.BLOCK_LENGTH;
            case ProduceRequestDecoder.TEMPLATE_ID -> ProduceRequestDecoder.BLOCK_LENGTH;
            case SubscribeRequestDecoder.TEMPLATE_ID -> SubscribeRequestDecoder.BLOCK_LENGTH;
            case UnsubscribeRequestDecoder.TEMPLATE_ID -> UnsubscribeRequestDecoder.BLOCK_LENGTH;
            case OffsetCommitRequestDecoder.TEMPLATE_ID -> OffsetCommitRequestDecoder.BLOCK_LENGTH;
            case OffsetFetchRequestDecoder.TEMPLATE_ID -> OffsetFetchRequestDecoder.BLOCK_LENGTH;
            case JoinGroupRequestDecoder.TEMPLATE_ID -> JoinGroupRequestDecoder.BLOCK_LENGTH;
            case SyncGroupRequestDecoder.TEMPLATE_ID -> SyncGroupRequestDecoder.BLOCK_LENGTH;
            case HeartbeatRequestDecoder.TEMPLATE_ID -> HeartbeatRequestDecoder.BLOCK_LENGTH;
            case LeaveGroupRequestDecoder.TEMPLATE_ID -> LeaveGroupRequestDecoder.BLOCK_LENGTH;
            default -> UNKNOWN;
        };
    }

    private static int varFields(final int templateId)
    {
        return switch (templateId)
        {
            case ConnectDecoder.TEMPLATE_ID -> 2;
            case MetadataRequestDecoder.TEMPLATE_ID, ProduceRequestDecoder.TEMPLATE_ID,
                OffsetFetchRequestDecoder.TEMPLATE_ID -> 1;
            case OffsetCommitRequestDecoder.TEMPLATE_ID -> 3;
            case JoinGroupRequestDecoder.TEMPLATE_ID -> 5;
            case SyncGroupRequestDecoder.TEMPLATE_ID -> 4;
            case HeartbeatRequestDecoder.TEMPLATE_ID, LeaveGroupRequestDecoder.TEMPLATE_ID -> 2;
            default -> 0;
        };
    }

    /** Whether the request carries the session id at block offset 0. */
    static boolean hasSessionId(final int templateId)
    {
        return templateId != ConnectDecoder.TEMPLATE_ID && blockLength(templateId) != UNKNOWN;
    }

    /** Whether the request carries its correlation id at block offset 8. */
    static boolean hasCorrelationId(final int templateId)
    {
        return hasSessionId(templateId) && templateId != KeepAliveDecoder.TEMPLATE_ID &&
            templateId != CloseSessionDecoder.TEMPLATE_ID;
    }

    /**
     * Walk the message's var-length fields (and group) and check that each lies inside the message.
     *
     * @param buffer      holding the message.
     * @param blockOffset where the fixed block starts (after the message header).
     * @param end         one past the message's last byte.
     * @param templateId  a known request's template id.
     * @param blockLength the block length the header says (at least this build's).
     * @return true when every length stays inside {@code [blockOffset, end)}.
     */
    static boolean fits(
        final DirectBuffer buffer, final int blockOffset, final int end, final int templateId, final int blockLength)
    {
        int position = blockOffset + blockLength;
        if (position > end || position < blockOffset)
        {
            return false;
        }
        if (templateId == SyncGroupRequestDecoder.TEMPLATE_ID)
        {
            if (position + 4 > end)
            {
                return false;
            }
            final int entryBlock = buffer.getShort(position, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int entries = buffer.getShort(position + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            position += 4;
            for (int i = 0; i < entries; i++)
            {
                position += entryBlock;
                for (int v = 0; v < 2; v++)
                {
                    position = skipVar(buffer, position, end);
                    if (position < 0)
                    {
                        return false;
                    }
                }
            }
        }
        for (int v = varFields(templateId); v > 0; v--)
        {
            position = skipVar(buffer, position, end);
            if (position < 0)
            {
                return false;
            }
        }
        return true;
    }

    /** The position after the var-length field at {@code position}, or -1 when it runs past {@code end}. */
    private static int skipVar(final DirectBuffer buffer, final int position, final int end)
    {
        if (position < 0 || position > end - 4)
        {
            return -1;
        }
        final long length = buffer.getInt(position, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
        if (length > end - position - 4)
        {
            return -1;
        }
        return position + 4 + (int)length;
    }
}
