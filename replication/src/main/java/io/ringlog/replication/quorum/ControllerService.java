package io.ringlog.replication.quorum;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.codec.CodecException;
import io.ringlog.replication.controller.CommandCodec;
import io.ringlog.replication.controller.ControllerCommand;
import io.ringlog.replication.controller.ControllerCommand.ControlledShutdown;
import io.ringlog.replication.controller.ControllerCommand.FenceBroker;
import io.ringlog.replication.controller.ControllerCommand.RegisterBroker;
import io.ringlog.replication.controller.ControllerResult;
import io.ringlog.replication.controller.ControllerStateMachine;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The controller as an Aeron Cluster service. Decodes commands from client sessions, applies them to the
 * {@link ControllerStateMachine} with the cluster's time and the log position, publishes the records to every
 * session as a delta stamped with (controller epoch = leadership term id, log position), then replies to the
 * requester. A session that registered a broker is that broker's lease: when it closes or times out the broker is
 * fenced. Keep-alives never reach the log.
 * <p>
 * Threads: every callback runs on the service container's thread, which owns all state here. The {@code volatile}
 * fields are published for other threads (metrics, the {@link LogHousekeeper}) and only ever written by it.
 * Egress is a side effect: followers' offers are mocked by Aeron, so every member runs the same code.
 */
public final class ControllerService implements ClusteredService
{
    private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);
    private static final int SNAPSHOT_MAGIC = 0x53435352; // "RSCS"
    private static final int OFFER_ATTEMPTS = 3;

    private final ControllerStateMachine machine;
    /** Client session id to the broker it registered; sorted on write so snapshots are byte-identical. */
    private final Long2ObjectHashMap<Lease> leases = new Long2ObjectHashMap<>();
    private final BufferWriter out = new BufferWriter(4096);
    private final BufferWriter fragment = new BufferWriter(QuorumProtocol.MAX_FRAGMENT_LENGTH + 64);
    private Cluster cluster;
    private long leadershipTermId = -1;
    private long commandsSinceSnapshot;
    private long positionBefore = MetadataImage.NULL_POSITION;

    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long controllerEpoch = -1;
    private volatile int leaderMemberId = -1;
    private volatile boolean leader;
    private volatile long appliedPosition = -1;
    private volatile long commandsSinceSnapshotVolatile;
    private volatile long snapshotsTaken;
    private volatile long lastSnapshotPosition = -1;

    /** The broker a session registered, at the epoch it was given. */
    private record Lease(int brokerId, long brokerEpoch)
    {
    }

    public ControllerService(final ControllerStateMachine machine)
    {
        this.machine = machine;
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        if (null != snapshotImage)
        {
            loadSnapshot(snapshotImage);
        }
        image = machine.image();
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
        final Lease lease = leases.remove(session.id());
        if (null != lease)
        {
            LOG.info("broker {} lease ended ({}, session {}): fencing", lease.brokerId(), closeReason, session.id());
            final ControllerResult result = apply(new FenceBroker(lease.brokerId(), lease.brokerEpoch()), timestamp);
            publish(result, null, 0);
        }
    }

    @Override
    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        final BufferReader r = new BufferReader(buffer, offset, length);
        final int type;
        final long correlationId;
        final ControllerCommand command;
        try
        {
            type = QuorumProtocol.type(r);
            correlationId = r.getLong();
            command = QuorumProtocol.COMMAND == type ? CommandCodec.decode(r) : null;
        }
        catch (final CodecException | IllegalArgumentException | NullPointerException ex)
        {
            // the same bytes fail the same way on every member: skipping them keeps the quorum in step
            LOG.warn("session {}: undecodable message of {} bytes: {}", session.id(), length, ex.toString());
            return;
        }
        if (QuorumProtocol.FETCH_IMAGE == type)
        {
            QuorumProtocol.image(out, correlationId, leadershipTermId, MetadataSnapshot.write(machine.image()));
            offer(session, out);
            return;
        }
        if (null == command)
        {
            LOG.warn("session {}: unknown message type {}", session.id(), type);
            return;
        }
        final ControllerResult result = apply(command, timestamp);
        bindLease(session, command, result.reply());
        publish(result, session, correlationId);
    }

    private ControllerResult apply(final ControllerCommand command, final long timestamp)
    {
        final long timeMs = cluster.timeUnit().toMillis(timestamp);
        positionBefore = machine.image().position();
        final ControllerResult result = machine.apply(command, timeMs, cluster.logPosition(), leadershipTermId);
        commandsSinceSnapshot++;
        commandsSinceSnapshotVolatile = commandsSinceSnapshot;
        appliedPosition = cluster.logPosition();
        image = machine.image();
        return result;
    }

    private void bindLease(final ClientSession session, final ControllerCommand command, final Reply reply)
    {
        if (command instanceof RegisterBroker register && reply.isOk())
        {
            final long[] stale = leases.entrySet().stream()
                .filter(e -> e.getValue().brokerId() == register.brokerId() && e.getKey() != session.id())
                .mapToLong(e -> e.getKey()).sorted().toArray();
            for (final long sessionId : stale)
            {
                leases.remove(sessionId); // the broker moved to a new session; the old one's close fences nothing
            }
            leases.put(session.id(), new Lease(register.brokerId(), reply.value()));
        }
        else if (command instanceof ControlledShutdown shutdown && reply.isOk())
        {
            leases.remove(session.id());
        }
    }

    /** Records to every session as one delta, then the reply to the requester (when there is one). */
    private void publish(final ControllerResult result, final ClientSession requester, final long correlationId)
    {
        final MetadataImage current = machine.image();
        if (!result.records().isEmpty())
        {
            QuorumProtocol.delta(out, leadershipTermId, positionBefore, current.position(), result.records());
            for (final ClientSession session : cluster.clientSessions())
            {
                offer(session, out);
            }
        }
        if (null != requester)
        {
            QuorumProtocol.reply(out, correlationId, leadershipTermId, current.position(), result.reply());
            offer(requester, out);
        }
    }

    private void offer(final ClientSession session, final BufferWriter message)
    {
        if (message.position() <= QuorumProtocol.MAX_FRAGMENT_LENGTH + QuorumProtocol.FRAGMENT_HEADER_LENGTH)
        {
            offer(session, message.buffer(), message.position());
            return;
        }
        for (int offset = 0; offset < message.position(); )
        {
            final int length = QuorumProtocol.fragment(fragment, message, offset);
            if (!offer(session, fragment.buffer(), fragment.position()))
            {
                return; // the rest is dropped too: the broker discards the partial message and recovers
            }
            offset += length;
        }
    }

    private boolean offer(final ClientSession session, final DirectBuffer buffer, final int length)
    {
        for (int i = 0; i < OFFER_ATTEMPTS; i++)
        {
            final long result = session.offer(buffer, 0, length);
            if (result > 0)
            {
                return true;
            }
            if (Publication.NOT_CONNECTED == result || Publication.CLOSED == result ||
                Publication.MAX_POSITION_EXCEEDED == result)
            {
                return false;
            }
            cluster.idleStrategy().idle();
        }
        // The broker sees a gap in delta positions, or no reply, and recovers by asking again.
        LOG.debug("session {}: egress back-pressured, message of {} bytes dropped", session.id(), length);
        return false;
    }

    @Override
    public void onTimerEvent(final long correlationId, final long timestamp)
    {
    }

    @Override
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        final BufferWriter w = new BufferWriter(4096);
        w.putInt(SNAPSHOT_MAGIC).putLong(leadershipTermId);
        final long[] sessionIds = leases.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
        w.putInt(sessionIds.length);
        for (final long sessionId : sessionIds)
        {
            final Lease lease = leases.get(sessionId);
            w.putLong(sessionId).putInt(lease.brokerId()).putLong(lease.brokerEpoch());
        }
        MetadataSnapshot.write(machine.image(), w);

        // One length-prefixed message, cut into chunks the publication takes whole.
        final ExpandableArrayBuffer chunk = new ExpandableArrayBuffer(snapshotPublication.maxMessageLength());
        final int chunkLength = snapshotPublication.maxMessageLength() - 4;
        int sent = -4;
        while (sent < w.position())
        {
            int length;
            if (sent < 0)
            {
                chunk.putInt(0, w.position());
                length = 4;
                sent = 0;
            }
            else
            {
                length = Math.min(chunkLength, w.position() - sent);
                chunk.putBytes(0, w.buffer(), sent, length);
                sent += length;
            }
            while (snapshotPublication.offer(chunk, 0, length) < 0)
            {
                cluster.idleStrategy().idle();
            }
        }
        commandsSinceSnapshot = 0;
        commandsSinceSnapshotVolatile = 0;
        lastSnapshotPosition = cluster.logPosition();
        snapshotsTaken++;
        LOG.info("member {}: snapshot of {} bytes at log position {}", cluster.memberId(), w.position(),
            cluster.logPosition());
    }

    private void loadSnapshot(final Image snapshotImage)
    {
        final ExpandableArrayBuffer bytes = new ExpandableArrayBuffer(4096);
        final int[] state = {-1, 0}; // total length, received
        final FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) ->
        {
            if (state[0] < 0)
            {
                state[0] = buffer.getInt(offset);
            }
            else
            {
                bytes.putBytes(state[1], buffer, offset, length);
                state[1] += length;
            }
        });
        while (state[0] < 0 || state[1] < state[0])
        {
            if (0 == snapshotImage.poll(assembler, 16))
            {
                if (snapshotImage.isEndOfStream() || snapshotImage.isClosed())
                {
                    throw new IllegalStateException("snapshot ended after " + state[1] + " of " + state[0] + " bytes");
                }
                cluster.idleStrategy().idle();
            }
        }
        final BufferReader r = new BufferReader(bytes, 0, state[1]);
        if (SNAPSHOT_MAGIC != r.getInt())
        {
            throw new IllegalStateException("not a controller snapshot");
        }
        leadershipTermId = r.getLong();
        final int count = r.getInt();
        for (int i = 0; i < count; i++)
        {
            final long sessionId = r.getLong();
            leases.put(sessionId, new Lease(r.getInt(), r.getLong()));
        }
        machine.load(MetadataSnapshot.load(r));
        controllerEpoch = leadershipTermId;
        LOG.info("loaded snapshot at image position {}, {} brokers, {} topics, {} leases",
            machine.image().position(), machine.image().brokers().size(),
            machine.image().topicsById().size(), count);
    }

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        leader = Cluster.Role.LEADER == newRole;
    }

    @Override
    public void onTerminate(final Cluster cluster)
    {
    }

    @Override
    public void onNewLeadershipTermEvent(
        final long leadershipTermId,
        final long logPosition,
        final long timestamp,
        final long termBaseLogPosition,
        final int leaderMemberId,
        final int logSessionId,
        final TimeUnit timeUnit,
        final int appVersion)
    {
        this.leadershipTermId = leadershipTermId;
        this.controllerEpoch = leadershipTermId;
        this.leaderMemberId = leaderMemberId;
    }

    // ------------------------------------------------------------------------ read from other threads (metrics)

    /** The latest image; any thread. */
    public MetadataImage image()
    {
        return image;
    }

    /** The leadership term id of the last term started in the log: the controller epoch. */
    public long controllerEpoch()
    {
        return controllerEpoch;
    }

    /** The member leading the quorum as of the last term event, or -1. */
    public int leaderMemberId()
    {
        return leaderMemberId;
    }

    public boolean isLeader()
    {
        return leader;
    }

    /** Log position of the last command applied. */
    public long appliedPosition()
    {
        return appliedPosition;
    }

    public long commandsSinceSnapshot()
    {
        return commandsSinceSnapshotVolatile;
    }

    public long snapshotsTaken()
    {
        return snapshotsTaken;
    }

    public long lastSnapshotPosition()
    {
        return lastSnapshotPosition;
    }

    @Override
    public String toString()
    {
        return "ControllerService{leases=" + Arrays.toString(leases.keySet().toArray()) + '}';
    }
}
