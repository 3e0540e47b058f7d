package io.ringlog.broker.kafka.group;

import org.agrona.DeadlineTimerWheel;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * JoinGroup: who may join a group and as whom. The request is checked (group id, session timeout, protocol type and
 * protocols the group can take); a member without an id is given one, on v4+ first handed out with
 * MEMBER_ID_REQUIRED and counted only when the member comes back with it (KIP-394); a static member
 * ({@code group.instance.id}) that comes back under a new id takes its old place; a known member's JoinGroup is
 * parked until the rebalance it starts, or the one under way, completes ({@link Rebalance}). Coordinator thread only.
 */
final class JoinGroupApi
{
    /** The client's address is not in the request as the router hands it over, so DescribeGroups shows this. */
    private static final String UNKNOWN_CLIENT_HOST = "/unknown";

    /** The coordinator's log category, as before these classes were split out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    /** A JoinGroup as the state machine needs it. */
    private record JoinRequest(GroupCall call, String memberId, String groupInstanceId, String clientId,
        int rebalanceTimeoutMs, int sessionTimeoutMs, String protocolType, List<GroupMember.Protocol> protocols)
    {
    }

    private final GroupCoordinator coordinator;
    private final GroupTimers timers;
    private final Rebalance rebalance;
    private final MemberSessions sessions;

    JoinGroupApi(final GroupCoordinator coordinator, final GroupTimers timers, final Rebalance rebalance,
        final MemberSessions sessions)
    {
        this.coordinator = coordinator;
        this.timers = timers;
        this.rebalance = rebalance;
        this.sessions = sessions;
    }

    void join(final GroupCall call)
    {
        final JoinGroupRequestData request = call.body();
        final short version = call.version();
        final String groupId = request.groupId();
        final String memberId = request.memberId() == null ? "" : request.memberId();
        final Errors invalid = coordinator.checkGroupId(groupId, false);
        if (invalid != Errors.NONE)
        {
            call.answer(GroupResponses.joinError(version, invalid, memberId));
            return;
        }
        final GroupConfig config = coordinator.config;
        if (request.sessionTimeoutMs() < config.minSessionTimeoutMs() ||
            request.sessionTimeoutMs() > config.maxSessionTimeoutMs())
        {
            call.answer(GroupResponses.joinError(version, Errors.INVALID_SESSION_TIMEOUT, memberId));
            return;
        }
        final List<GroupMember.Protocol> protocols = new ArrayList<>(request.protocols().size());
        request.protocols().forEach(p -> protocols.add(new GroupMember.Protocol(p.name(), p.metadata())));
        ClassicGroup group = coordinator.groups.get(groupId);
        if (group == null)
        {
            if (!memberId.isEmpty())
            {
                call.answer(GroupResponses.joinError(version, Errors.UNKNOWN_MEMBER_ID, memberId));
                return;
            }
            group = new ClassicGroup(groupId, coordinator.log.partitionFor(groupId), coordinator.nowMs());
        }
        final Errors error;
        if (group.is(GroupState.DEAD))
        {
            // Being deleted: the client finds the coordinator again and retries, by then on a new group.
            error = Errors.COORDINATOR_NOT_AVAILABLE;
        }
        else if (!group.supportsProtocols(request.protocolType(), protocols))
        {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        else
        {
            error = Errors.NONE;
        }
        if (error != Errors.NONE)
        {
            call.answer(GroupResponses.joinError(version, error, memberId));
            return;
        }
        coordinator.groups.putIfAbsent(groupId, group);
        final JoinRequest join = new JoinRequest(call, memberId, request.groupInstanceId(),
            call.request.clientId() == null ? "" : call.request.clientId(),
            rebalanceTimeout(version, request), request.sessionTimeoutMs(), request.protocolType(), protocols);
        if (memberId.isEmpty())
        {
            joinUnknownMember(group, join);
        }
        else
        {
            joinKnownMember(group, join);
        }
        if (group.isDisposable() && !group.hasOffsets() && group.generation == 0)
        {
            coordinator.groups.remove(groupId); // refused before anything was kept
        }
    }

    private static int rebalanceTimeout(final short version, final JoinGroupRequestData request)
    {
        // v0 has no rebalance timeout: the session timeout serves as both, as in Kafka.
        return version == 0 || request.rebalanceTimeoutMs() <= 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Member ids

    private void joinUnknownMember(final ClassicGroup group, final JoinRequest join)
    {
        final String instanceId = join.groupInstanceId();
        final String newMemberId = (instanceId != null ? instanceId : join.clientId()) + "-" + UUID.randomUUID();
        if (instanceId != null)
        {
            final String existing = group.staticMemberId(instanceId);
            if (existing != null)
            {
                replaceStaticMember(group, group.member(existing), newMemberId, join);
                return;
            }
        }
        if (group.size() >= coordinator.config.maxGroupSize())
        {
            join.call().answer(GroupResponses.joinError(join.call().version(), Errors.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        if (instanceId == null && join.call().version() >= 4)
        {
            // KIP-394: hand out the id first, and count the member only when it comes back with it, so a client
            // that dies between the two leaves no member behind (the id expires after a session timeout).
            final long timer = timers.schedule(coordinator.nowMs() + join.sessionTimeoutMs(),
                GroupTimers.PENDING_MEMBER, group.groupId, newMemberId);
            group.pendingMembers.put(newMemberId, timer);
            join.call().answer(GroupResponses.joinError(join.call().version(), Errors.MEMBER_ID_REQUIRED, newMemberId));
            return;
        }
        addMemberAndRebalance(group, join, newMemberId);
    }

    /** A member id handed out with MEMBER_ID_REQUIRED was not claimed within a session timeout: it is forgotten. */
    void onMemberIdExpired(final ClassicGroup group, final String memberId, final long timerId)
    {
        final Long pending = group.pendingMembers.get(memberId);
        if (pending != null && pending == timerId)
        {
            group.pendingMembers.remove(memberId);
            rebalance.maybeCompleteJoin(group);
        }
    }

    private void joinKnownMember(final ClassicGroup group, final JoinRequest join)
    {
        final short version = join.call().version();
        final String memberId = join.memberId();
        final Long pendingTimer = group.pendingMembers.remove(memberId);
        if (pendingTimer != null)
        {
            timers.cancel(pendingTimer);
            if (group.size() >= coordinator.config.maxGroupSize())
            {
                join.call().answer(GroupResponses.joinError(version, Errors.GROUP_MAX_SIZE_REACHED, memberId));
                rebalance.maybeCompleteJoin(group);
                return;
            }
            addMemberAndRebalance(group, join, memberId);
            return;
        }
        final Errors error = GroupCoordinator.validateMember(group, memberId, join.groupInstanceId());
        if (error != Errors.NONE)
        {
            join.call().answer(GroupResponses.joinError(version, error, memberId));
            return;
        }
        final GroupMember member = group.member(memberId);
        switch (group.state)
        {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, join);
            case COMPLETING_REBALANCE ->
            {
                if (member.sameProtocols(join.protocols()))
                {
                    // It lost the JoinGroup answer: give it again, the generation has not moved.
                    sessions.refreshHeartbeat(member);
                    join.call().answer(Rebalance.joinResponse(group, member, version));
                }
                else
                {
                    updateMemberAndRebalance(group, member, join);
                }
            }
            case STABLE ->
            {
                if (memberId.equals(group.leaderId) || !member.sameProtocols(join.protocols()))
                {
                    // The leader rejoining means the assignment must be recomputed (its metadata may have changed).
                    updateMemberAndRebalance(group, member, join);
                }
                else
                {
                    sessions.refreshHeartbeat(member);
                    join.call().answer(Rebalance.joinResponse(group, member, version));
                }
            }
            default -> join.call().answer(GroupResponses.joinError(version, Errors.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Joining members

    private void addMemberAndRebalance(final ClassicGroup group, final JoinRequest join, final String memberId)
    {
        final long nowMs = coordinator.nowMs();
        final GroupMember member = new GroupMember(memberId, join.groupInstanceId(), join.clientId(), UNKNOWN_CLIENT_HOST,
            join.rebalanceTimeoutMs(), join.sessionTimeoutMs(), join.protocols());
        member.isNew = true;
        member.joinedAtMs = nowMs;
        member.awaitingJoin = join.call();
        member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
        if (group.hasNoMembers())
        {
            group.protocolType = join.protocolType();
        }
        group.add(member);
        if (group.initialDelay)
        {
            group.newMemberAdded = true;
        }
        sessions.scheduleSession(group, member);
        rebalance.maybePrepareRebalance(group, "member " + memberId + " joined");
    }

    private void updateMemberAndRebalance(final ClassicGroup group, final GroupMember member, final JoinRequest join)
    {
        member.protocols = List.copyOf(join.protocols());
        member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
        member.sessionTimeoutMs = join.sessionTimeoutMs();
        member.clientId = join.clientId();
        // A second JoinGroup while one waits comes from a new connection: the old one is answered and forgotten.
        Rebalance.answerJoin(member, GroupResponses.joinError(Rebalance.versionOf(member.awaitingJoin),
            Errors.REBALANCE_IN_PROGRESS, member.memberId));
        member.awaitingJoin = join.call();
        sessions.refreshHeartbeat(member);
        rebalance.maybePrepareRebalance(group, "member " + member.memberId + " rejoined");
    }

    /**
     * A static member came back under a new member id (a restarted consumer with the same {@code group.instance.id}):
     * the new id takes the old one's place and assignment, and the old id is fenced (FENCED_INSTANCE_ID from now on).
     * In a stable group a follower whose protocols did not change gets the current generation at once, without a
     * rebalance; otherwise the group rebalances.
     */
    private void replaceStaticMember(final ClassicGroup group, final GroupMember old, final String newMemberId,
        final JoinRequest join)
    {
        Rebalance.answerJoin(old, GroupResponses.joinError(Rebalance.versionOf(old.awaitingJoin),
            Errors.FENCED_INSTANCE_ID, old.memberId));
        Rebalance.answerSync(old, GroupResponses.syncError(Errors.FENCED_INSTANCE_ID));
        timers.cancel(old.sessionTimerId);
        old.sessionTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        final boolean wasLeader = old.memberId.equals(group.leaderId);
        final boolean wasPendingSync = group.pendingSync.contains(old.memberId);
        final boolean sameProtocols = old.sameProtocols(join.protocols());
        group.remove(old);
        final long nowMs = coordinator.nowMs();
        final GroupMember member = new GroupMember(newMemberId, join.groupInstanceId(), join.clientId(),
            UNKNOWN_CLIENT_HOST, join.rebalanceTimeoutMs(), join.sessionTimeoutMs(), join.protocols());
        member.assignment = old.assignment;
        member.joinedAtMs = nowMs;
        member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
        group.add(member);
        if (wasLeader)
        {
            group.leaderId = newMemberId;
        }
        if (wasPendingSync)
        {
            group.pendingSync.add(newMemberId);
        }
        sessions.scheduleSession(group, member);
        LOG.info("{}: static member {} replaced {} with {}", group, join.groupInstanceId(), old.memberId, newMemberId);
        if (group.is(GroupState.STABLE) && !wasLeader && sameProtocols)
        {
            rebalance.persistGroup(group, group.stored(), null);
            join.call().answer(Rebalance.joinResponse(group, member, join.call().version()));
            return;
        }
        member.awaitingJoin = join.call();
        rebalance.maybePrepareRebalance(group, "static member " + join.groupInstanceId() + " rejoined");
    }
}
