package io.ringlog.broker.kafka.group;

import org.agrona.DeadlineTimerWheel;

import java.util.Arrays;
import java.util.List;

/**
 * A member of a classic group: who it is, the protocols it offers, its assignment, its liveness (a session deadline
 * checked by one timer), and the JoinGroup or SyncGroup it has waiting, if any. Coordinator thread only.
 */
final class GroupMember
{
    static final byte[] EMPTY = new byte[0];

    /** A protocol the member offers, in its order of preference. */
    record Protocol(String name, byte[] metadata)
    {
        boolean sameAs(final Protocol other)
        {
            return name.equals(other.name) && Arrays.equals(metadata, other.metadata);
        }
    }

    final String memberId;
    String groupInstanceId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = EMPTY;

    /** A JoinGroup waiting for the rebalance to complete, or null. */
    GroupCall awaitingJoin;
    /** A SyncGroup waiting for the leader's assignment, or null. */
    GroupCall awaitingSync;
    /** Joined in the rebalance under way and not yet given a generation (Kafka's KIP-394 "new member"). */
    boolean isNew;
    long joinedAtMs;

    long heartbeatDeadlineMs;
    long sessionTimerId = DeadlineTimerWheel.NULL_DEADLINE;

    GroupMember(
        final String memberId,
        final String groupInstanceId,
        final String clientId,
        final String clientHost,
        final int rebalanceTimeoutMs,
        final int sessionTimeoutMs,
        final List<Protocol> protocols)
    {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    boolean isStatic()
    {
        return groupInstanceId != null;
    }

    /** The member's metadata for a protocol, or null when it does not offer it. */
    byte[] metadata(final String protocol)
    {
        for (final Protocol p : protocols)
        {
            if (p.name().equals(protocol))
            {
                return p.metadata();
            }
        }
        return null;
    }

    boolean supports(final String protocol)
    {
        return metadata(protocol) != null;
    }

    /** Same protocols, same order, same metadata: a rejoin that changes nothing. */
    boolean sameProtocols(final List<Protocol> others)
    {
        if (others.size() != protocols.size())
        {
            return false;
        }
        for (int i = 0; i < others.size(); i++)
        {
            if (!protocols.get(i).sameAs(others.get(i)))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the member is still alive at {@code nowMs}: a member waiting in JoinGroup or SyncGroup is (it cannot
     * heartbeat meanwhile), except a new member whose join has waited past {@code newMemberJoinTimeoutMs}.
     */
    boolean isAlive(final long nowMs, final long newMemberJoinTimeoutMs)
    {
        if (awaitingJoin != null)
        {
            return !isNew || nowMs < joinedAtMs + newMemberJoinTimeoutMs;
        }
        return awaitingSync != null || nowMs < heartbeatDeadlineMs;
    }

    @Override
    public String toString()
    {
        return memberId + (groupInstanceId == null ? "" : "(" + groupInstanceId + ")");
    }
}
