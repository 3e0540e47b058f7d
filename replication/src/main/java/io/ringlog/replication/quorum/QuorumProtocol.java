package io.ringlog.replication.quorum;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.controller.CommandCodec;
import io.ringlog.replication.controller.ControllerCommand;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.RecordCodec;

import java.util.List;

/**
 * The messages between brokers and the quorum, inside Aeron Cluster's session messages. Each starts with an int
 * message type; new messages take new types.
 * <pre>
 * ingress (broker to quorum):
 *   COMMAND     long correlationId | command ({@link CommandCodec})
 *   FETCH_IMAGE long correlationId
 * egress (quorum to broker):
 *   REPLY       long correlationId | long controllerEpoch | long imagePosition | reply
 *   DELTA       long controllerEpoch | long previousPosition | long position | records ({@link RecordCodec})
 *   IMAGE       long correlationId | long controllerEpoch | snapshot bytes ({@code MetadataSnapshot})
 *   FRAGMENT    int totalLength | int offset | bytes: a piece of one of the above that is longer than
 *               {@link #MAX_FRAGMENT_LENGTH}; the pieces of one message follow each other on the session
 * </pre>
 * A DELTA's {@code previousPosition} is the position of the image it applies to: a broker whose image is elsewhere
 * missed one and asks for an IMAGE. Stateless and thread-safe.
 */
public final class QuorumProtocol
{
    public static final int COMMAND = 1;
    public static final int FETCH_IMAGE = 2;
    public static final int REPLY = 101;
    public static final int DELTA = 102;
    public static final int IMAGE = 103;
    public static final int FRAGMENT = 104;

    /**
     * Egress messages longer than this go as FRAGMENTs: it stays under the largest message of a 256 KiB egress term
     * (an eighth of it, less Aeron Cluster's session header), so a full image or the delta of fencing a broker that
     * led thousands of partitions still arrives whatever term length the broker asked for.
     */
    public static final int MAX_FRAGMENT_LENGTH = 16 * 1024;
    public static final int FRAGMENT_HEADER_LENGTH = 12;

    private QuorumProtocol()
    {
    }

    public static void command(final BufferWriter w, final long correlationId, final ControllerCommand command)
    {
        w.reset().putInt(COMMAND).putLong(correlationId);
        CommandCodec.encode(command, w);
    }

    public static void fetchImage(final BufferWriter w, final long correlationId)
    {
        w.reset().putInt(FETCH_IMAGE).putLong(correlationId);
    }

    public static void reply(
        final BufferWriter w, final long correlationId, final long controllerEpoch, final long position, final Reply reply)
    {
        w.reset().putInt(REPLY).putLong(correlationId).putLong(controllerEpoch).putLong(position);
        CommandCodec.encode(reply, w);
    }

    public static void delta(
        final BufferWriter w,
        final long controllerEpoch,
        final long previousPosition,
        final long position,
        final List<MetadataRecord> records)
    {
        w.reset().putInt(DELTA).putLong(controllerEpoch).putLong(previousPosition).putLong(position);
        RecordCodec.encode(records, w);
    }

    public static void image(final BufferWriter w, final long correlationId, final long controllerEpoch,
        final byte[] snapshot)
    {
        w.reset().putInt(IMAGE).putLong(correlationId).putLong(controllerEpoch);
        w.putBytes(new org.agrona.concurrent.UnsafeBuffer(snapshot), 0, snapshot.length);
    }

    /** Write piece {@code offset} of {@code message} as a FRAGMENT into {@code w}; returns the bytes taken. */
    public static int fragment(final BufferWriter w, final BufferWriter message, final int offset)
    {
        final int length = Math.min(MAX_FRAGMENT_LENGTH, message.position() - offset);
        w.reset().putInt(FRAGMENT).putInt(message.position()).putInt(offset).putBytes(message.buffer(), offset, length);
        return length;
    }

    /** The type of the message {@code r} is at, consuming it. */
    public static int type(final BufferReader r)
    {
        return r.getInt();
    }
}
