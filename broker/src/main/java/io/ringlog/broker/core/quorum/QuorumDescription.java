package io.ringlog.broker.core.quorum;

import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.metadata.BrokerRegistration;
import io.ringlog.replication.quorum.ControllerNode;
import io.ringlog.replication.quorum.QuorumVoters;

import java.util.ArrayList;
import java.util.List;

/**
 * The controller quorum as one broker sees it, in the terms of Kafka's DescribeQuorum: the leader and its epoch (the
 * Raft term), the high watermark (the committed log position), the voters and the observers (registered brokers that
 * are not voters), with what this node knows of each. Aeron Cluster keeps the followers' positions inside the
 * leader's consensus module, so a voter's log end is known here only for this node's own member (its commit
 * position) and is -1 for the others, as are the fetch times (Kafka's "unknown"). Immutable; built on any thread.
 *
 * @param leaderId      the active controller, -1 when unknown.
 * @param leaderEpoch   the controller epoch (Raft term), -1 when unknown.
 * @param highWatermark the committed log position this node knows: its member's commit position, or (on a broker
 *                      without a member) the position of its latest metadata image.
 * @param voters        every voter of {@code controller.quorum.voters}, in id order.
 * @param observers     registered brokers that are not voters, in id order.
 * @param endpoints     each voter's host and base port.
 */
public record QuorumDescription(int leaderId, long leaderEpoch, long highWatermark, List<Replica> voters,
    List<Replica> observers, List<QuorumVoters.Voter> endpoints)
{
    /**
     * @param id                   node id.
     * @param logEndOffset         its log position, -1 when unknown here.
     * @param lastFetchTimestampMs wall-clock time it was last heard of, -1 when unknown.
     */
    public record Replica(int id, long logEndOffset, long lastFetchTimestampMs)
    {
    }

    /** What {@code quorum} (this broker's member and client) knows now. */
    public static QuorumDescription of(final MetadataQuorum quorum)
    {
        return of(quorum.client(), quorum.node());
    }

    static QuorumDescription of(final QuorumClient client, final ControllerNode node)
    {
        final long nowMs = System.currentTimeMillis();
        final int self = client.brokerId();
        final int leader = null != node && node.activeController() >= 0 ? node.activeController() :
            client.activeController();
        final long epoch = Math.max(client.controllerEpoch(), null == node ? -1 : node.controllerEpoch());
        final long committed = null == node ? -1 : node.commitPosition();
        final long highWatermark = committed >= 0 ? committed : Math.max(-1, client.appliedPosition());
        final List<Replica> voters = new ArrayList<>();
        for (final QuorumVoters.Voter v : client.voters().voters())
        {
            final boolean known = v.id() == self && committed >= 0;
            voters.add(new Replica(v.id(), known ? committed : -1, known ? nowMs : -1));
        }
        voters.sort((a, b) -> Integer.compare(a.id(), b.id()));
        final List<Replica> observers = new ArrayList<>();
        for (final BrokerRegistration b : client.image().brokers().values())
        {
            if (null == client.voters().voter(b.brokerId()))
            {
                final boolean known = b.brokerId() == self;
                observers.add(new Replica(b.brokerId(), known ? client.appliedPosition() : -1, known ? nowMs : -1));
            }
        }
        final List<QuorumVoters.Voter> endpoints = new ArrayList<>(client.voters().voters());
        endpoints.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return new QuorumDescription(leader, epoch, highWatermark, List.copyOf(voters), List.copyOf(observers),
            List.copyOf(endpoints));
    }
}
