package io.ringlog.broker.kafka.group;

import org.agrona.DeadlineTimerWheel;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A member's session: how it stays in its group and how it goes. Heartbeat (and any other request of the member)
 * moves its deadline on a session timeout from now; one {@link GroupTimers#SESSION} timer per member checks that
 * deadline and takes the member out when it has passed; LeaveGroup takes members out at once, by member id or by
 * instance id. Either way the group rebalances without them ({@link Rebalance#removeMemberAndUpdateGroup}).
 * Coordinator thread only.
 */
final class MemberSessions
{
    /** How long a member new to a rebalance may wait in JoinGroup without a heartbeat (Kafka's, KIP-394). */
    static final long NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;

    /** The coordinator's log category, as before these classes were split out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupCoordinator coordinator;
    private final GroupTimers timers;
    private final Rebalance rebalance;

    MemberSessions(final GroupCoordinator coordinator, final GroupTimers timers, final Rebalance rebalance)
    {
        this.coordinator = coordinator;
        this.timers = timers;
        this.rebalance = rebalance;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Heartbeat

    void heartbeat(final GroupCall call)
    {
        final HeartbeatRequestData request = call.body();
        call.answer(new HeartbeatResponseData().setErrorCode(heartbeatError(request).code()));
    }

    private Errors heartbeatError(final HeartbeatRequestData request)
    {
        final Errors invalid = coordinator.checkGroupId(request.groupId(), false);
        if (invalid == Errors.COORDINATOR_LOAD_IN_PROGRESS)
        {
            // Kafka's answer: the group's state is being read back, so the member is not told to do anything. It
            // keeps its place and heartbeats again; its session starts afresh when the load is done.
            return Errors.NONE;
        }
        if (invalid != Errors.NONE)
        {
            return invalid;
        }
        final ClassicGroup group = coordinator.groups.get(request.groupId());
        if (group == null || group.is(GroupState.EMPTY))
        {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        final Errors member = GroupCoordinator.checkMemberOfGeneration(group, request.memberId(),
            request.groupInstanceId(), request.generationId());
        if (member != Errors.NONE)
        {
            return member;
        }
        refreshHeartbeat(group.member(request.memberId()));
        return group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** The member showed it is alive: its session runs a session timeout from now. */
    void refreshHeartbeat(final GroupMember member)
    {
        member.heartbeatDeadlineMs = coordinator.nowMs() + member.sessionTimeoutMs;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The session timer

    /** (Re)start the member's session timer at its heartbeat deadline. */
    void scheduleSession(final ClassicGroup group, final GroupMember member)
    {
        timers.cancel(member.sessionTimerId);
        member.sessionTimerId = timers.schedule(member.heartbeatDeadlineMs, GroupTimers.SESSION, group.groupId,
            member.memberId);
    }

    /**
     * The session timer of a member fired. Heartbeats only move the member's deadline, so most expiries find it
     * moved and schedule the next check: one timer per member, never a cancel and a schedule per heartbeat.
     */
    void onSessionTimer(final ClassicGroup group, final String memberId, final long timerId)
    {
        final GroupMember member = group.member(memberId);
        if (member == null || member.sessionTimerId != timerId)
        {
            return;
        }
        final long nowMs = coordinator.nowMs();
        member.sessionTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        if (member.isAlive(nowMs, NEW_MEMBER_JOIN_TIMEOUT_MS))
        {
            final long next;
            if (member.awaitingJoin != null && member.isNew)
            {
                next = member.joinedAtMs + NEW_MEMBER_JOIN_TIMEOUT_MS;
            }
            else if (member.awaitingJoin != null || member.awaitingSync != null)
            {
                next = nowMs + member.sessionTimeoutMs;
            }
            else
            {
                next = member.heartbeatDeadlineMs;
            }
            member.sessionTimerId = timers.schedule(next, GroupTimers.SESSION, group.groupId, member.memberId);
            return;
        }
        LOG.info("{}: member {} expired after {} ms without a heartbeat", group, member, member.sessionTimeoutMs);
        rebalance.removeMemberAndUpdateGroup(group, member, "member " + member.memberId + " session expired");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // LeaveGroup

    void leave(final GroupCall call)
    {
        final LeaveGroupRequestData request = call.body();
        final short version = call.version();
        final List<LeaveGroupRequestData.MemberIdentity> leaving = version < 3 ?
            List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId())) : request.members();
        final LeaveGroupResponseData response = new LeaveGroupResponseData();
        Errors topLevel = coordinator.checkGroupId(request.groupId(), false);
        final ClassicGroup group = topLevel == Errors.NONE ? coordinator.groups.get(request.groupId()) : null;
        if (group != null && group.is(GroupState.DEAD))
        {
            topLevel = Errors.COORDINATOR_NOT_AVAILABLE;
        }
        Errors first = null;
        if (topLevel == Errors.NONE)
        {
            for (final LeaveGroupRequestData.MemberIdentity identity : leaving)
            {
                final Errors error = group == null ? Errors.UNKNOWN_MEMBER_ID : leaveOne(group, identity);
                first = first == null ? error : first;
                response.members().add(new LeaveGroupResponseData.MemberResponse()
                    .setMemberId(identity.memberId())
                    .setGroupInstanceId(identity.groupInstanceId())
                    .setErrorCode(error.code()));
            }
        }
        if (version < 3)
        {
            response.members().clear();
            response.setErrorCode((topLevel != Errors.NONE ? topLevel : first).code());
        }
        else
        {
            response.setErrorCode(topLevel.code());
        }
        call.answer(response);
    }

    private Errors leaveOne(final ClassicGroup group, final LeaveGroupRequestData.MemberIdentity identity)
    {
        final String instanceId = identity.groupInstanceId();
        String memberId = identity.memberId() == null ? "" : identity.memberId();
        if (instanceId != null)
        {
            final String current = group.staticMemberId(instanceId);
            if (current == null)
            {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(current))
            {
                return Errors.FENCED_INSTANCE_ID;
            }
            memberId = current; // the admin client removes static members by instance id alone
        }
        final Long pending = group.pendingMembers.remove(memberId);
        if (pending != null)
        {
            timers.cancel(pending);
            rebalance.maybeCompleteJoin(group);
            return Errors.NONE;
        }
        final GroupMember member = group.member(memberId);
        if (member == null)
        {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        LOG.info("{}: member {} left", group, member);
        rebalance.removeMemberAndUpdateGroup(group, member, "member " + memberId + " left");
        return Errors.NONE;
    }
}
