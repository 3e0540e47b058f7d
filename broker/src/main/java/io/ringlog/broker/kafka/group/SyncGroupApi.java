package io.ringlog.broker.kafka.group;

import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SyncGroup: the end of a rebalance. In a stable group a member gets its assignment at once; in CompletingRebalance
 * its SyncGroup is parked until the leader's arrives, and the leader's assignment is stored in the group's metadata
 * record (acks=all) before any member is answered with its share, so a restarted broker knows the assignment every
 * member was given. The group is then stable. Coordinator thread only.
 */
final class SyncGroupApi
{
    /** The coordinator's log category, as before these classes were split out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupCoordinator coordinator;
    private final Rebalance rebalance;
    private final MemberSessions sessions;

    SyncGroupApi(final GroupCoordinator coordinator, final Rebalance rebalance, final MemberSessions sessions)
    {
        this.coordinator = coordinator;
        this.rebalance = rebalance;
        this.sessions = sessions;
    }

    void sync(final GroupCall call)
    {
        final SyncGroupRequestData request = call.body();
        final Errors error = checkSync(request);
        if (error != Errors.NONE)
        {
            call.answer(GroupResponses.syncError(error));
            return;
        }
        final Map<String, ClassicGroup> groups = coordinator.groups;
        final ClassicGroup group = groups.get(request.groupId());
        final GroupMember member = group.member(request.memberId());
        sessions.refreshHeartbeat(member);
        group.pendingSync.remove(member.memberId);
        if (group.is(GroupState.STABLE))
        {
            call.answer(syncResponse(group, member));
            return;
        }
        // CompletingRebalance: wait for the leader's assignment.
        Rebalance.answerSync(member, GroupResponses.syncError(Errors.REBALANCE_IN_PROGRESS));
        member.awaitingSync = call;
        if (!member.memberId.equals(group.leaderId))
        {
            return;
        }
        final Map<String, byte[]> assignments = new HashMap<>();
        request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
        final GroupRecords.StoredGroup stored = group.stored();
        final List<GroupRecords.StoredMember> withAssignments = new ArrayList<>(stored.members().size());
        for (final GroupRecords.StoredMember m : stored.members())
        {
            withAssignments.add(new GroupRecords.StoredMember(m.memberId(), m.groupInstanceId(), m.clientId(),
                m.clientHost(), m.rebalanceTimeoutMs(), m.sessionTimeoutMs(), m.subscription(),
                assignments.getOrDefault(m.memberId(), GroupMember.EMPTY)));
        }
        final int generation = group.generation;
        rebalance.persistGroup(group, new GroupRecords.StoredGroup(stored.protocolType(), stored.generation(),
            stored.protocol(), stored.leader(), coordinator.nowMs(), withAssignments), status ->
        {
            if (!group.is(GroupState.COMPLETING_REBALANCE) || group.generation != generation ||
                groups.get(group.groupId) != group)
            {
                return; // the group moved on meanwhile; whoever moved it answered the waiting syncs
            }
            if (status < 0)
            {
                final Errors stored_error = OffsetsLog.storeError(status);
                final Errors answer = stored_error == Errors.INVALID_COMMIT_OFFSET_SIZE ? Errors.UNKNOWN_SERVER_ERROR :
                    stored_error;
                for (final GroupMember m : group.members.values())
                {
                    Rebalance.answerSync(m, GroupResponses.syncError(answer));
                }
                rebalance.prepareRebalance(group, "the assignment could not be stored: " + answer);
                return;
            }
            for (final GroupMember m : group.members.values())
            {
                m.assignment = assignments.getOrDefault(m.memberId, GroupMember.EMPTY);
                if (m.awaitingSync != null)
                {
                    final GroupCall waiting = m.awaitingSync;
                    m.awaitingSync = null;
                    sessions.refreshHeartbeat(m);
                    waiting.answer(syncResponse(group, m));
                }
            }
            group.transitionTo(GroupState.STABLE, coordinator.nowMs());
            LOG.info("{} is stable", group);
        });
    }

    private Errors checkSync(final SyncGroupRequestData request)
    {
        final Errors invalid = coordinator.checkGroupId(request.groupId(), false);
        if (invalid == Errors.COORDINATOR_LOAD_IN_PROGRESS)
        {
            // Kafka's answer: the rebalance under way was lost with the previous coordinator, so the member joins
            // again (at this coordinator, without finding it again).
            return Errors.REBALANCE_IN_PROGRESS;
        }
        if (invalid != Errors.NONE)
        {
            return invalid;
        }
        final ClassicGroup group = coordinator.groups.get(request.groupId());
        if (group == null)
        {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        final Errors member = GroupCoordinator.checkMemberOfGeneration(group, request.memberId(),
            request.groupInstanceId(), request.generationId());
        if (member != Errors.NONE)
        {
            return member;
        }
        if ((request.protocolType() != null && !request.protocolType().equals(group.protocolType)) ||
            (request.protocolName() != null && !request.protocolName().equals(group.protocol)))
        {
            return Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        return switch (group.state)
        {
            case EMPTY -> Errors.UNKNOWN_MEMBER_ID;
            case PREPARING_REBALANCE -> Errors.REBALANCE_IN_PROGRESS;
            default -> Errors.NONE;
        };
    }

    private static SyncGroupResponseData syncResponse(final ClassicGroup group, final GroupMember member)
    {
        return new SyncGroupResponseData()
            .setErrorCode(Errors.NONE.code())
            .setProtocolType(group.protocolType)
            .setProtocolName(group.protocol)
            .setAssignment(member.assignment);
    }
}
