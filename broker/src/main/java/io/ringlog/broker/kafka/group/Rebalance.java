package io.ringlog.broker.kafka.group;

import io.ringlog.sequencer.ProduceStatus;
import org.agrona.DeadlineTimerWheel;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * How a group moves from one generation to the next, whatever started the rebalance (a join, a leave, a session
 * expiry, a missing SyncGroup):
 * <ol>
 *   <li>{@link #prepareRebalance}: PreparingRebalance, with the join phase's deadline on the timer wheel (the
 *   largest rebalance timeout, or Kafka's initial delay for a group that was empty);</li>
 *   <li>{@link #completeJoin}, once every member has rejoined or the deadline passed: members that did not rejoin are
 *   dropped, a leader and a protocol are chosen, the generation moves on and every waiting JoinGroup is answered;</li>
 *   <li>CompletingRebalance until the leader's SyncGroup is stored ({@link SyncGroupApi}), or {@link #onSyncTimer}
 *   drops the members that sent none and starts again.</li>
 * </ol>
 * Also the ways out of a group ({@link #removeMember}), the group's metadata record ({@link #persistGroup}) and the
 * answers to JoinGroups and SyncGroups parked in a member. Coordinator thread only.
 */
final class Rebalance
{
    /** The coordinator's log category, as before these classes were split out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupCoordinator coordinator;
    private final GroupTimers timers;

    Rebalance(final GroupCoordinator coordinator, final GroupTimers timers)
    {
        this.coordinator = coordinator;
        this.timers = timers;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The join phase

    /** A member joined or rejoined: start a rebalance, or, when one is under way, see whether it may complete. */
    void maybePrepareRebalance(final ClassicGroup group, final String reason)
    {
        switch (group.state)
        {
            case EMPTY, STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> maybeCompleteJoin(group);
            default ->
            {
            }
        }
    }

    void prepareRebalance(final ClassicGroup group, final String reason)
    {
        if (group.is(GroupState.COMPLETING_REBALANCE))
        {
            // The assignment under way is void: waiting SyncGroups are told to join again.
            for (final GroupMember member : group.members.values())
            {
                answerSync(member, GroupResponses.syncError(Errors.REBALANCE_IN_PROGRESS));
            }
        }
        timers.cancel(group.syncTimerId);
        group.syncTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        group.pendingSync.clear();
        timers.cancel(group.joinTimerId);
        final boolean wasEmpty = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, coordinator.nowMs());
        final int rebalanceTimeout = group.rebalanceTimeoutMs();
        final GroupConfig config = coordinator.config;
        if (wasEmpty && config.initialRebalanceDelayMs() > 0)
        {
            // Kafka's initial delay: wait a little for more members so that a group starting up rebalances once,
            // extending the wait while new members keep arriving, never past the rebalance timeout.
            final int delay = Math.min(config.initialRebalanceDelayMs(), rebalanceTimeout);
            group.initialDelay = true;
            group.newMemberAdded = false;
            group.initialDelayRemainingMs = Math.max(rebalanceTimeout - config.initialRebalanceDelayMs(), 0);
            group.joinTimerId = scheduleJoinTimer(group, delay);
        }
        else
        {
            group.initialDelay = false;
            group.joinTimerId = scheduleJoinTimer(group, rebalanceTimeout);
        }
        LOG.info("{} rebalancing: {}", group, reason);
        maybeCompleteJoin(group);
    }

    void maybeCompleteJoin(final ClassicGroup group)
    {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialDelay && group.allMembersJoined())
        {
            completeJoin(group);
        }
    }

    /** The join phase's deadline, or a step of the initial delay, has passed. */
    void onJoinTimer(final ClassicGroup group, final long timerId)
    {
        if (group.joinTimerId != timerId)
        {
            return;
        }
        group.joinTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        if (!group.is(GroupState.PREPARING_REBALANCE))
        {
            return;
        }
        if (group.initialDelay)
        {
            final int initialRebalanceDelayMs = coordinator.config.initialRebalanceDelayMs();
            if (group.newMemberAdded && group.initialDelayRemainingMs > 0)
            {
                final long delay = Math.min(initialRebalanceDelayMs, group.initialDelayRemainingMs);
                group.initialDelayRemainingMs = Math.max(group.initialDelayRemainingMs - initialRebalanceDelayMs, 0);
                group.newMemberAdded = false;
                group.joinTimerId = scheduleJoinTimer(group, delay);
                return;
            }
            group.initialDelay = false;
        }
        completeJoin(group);
    }

    private long scheduleJoinTimer(final ClassicGroup group, final long delayMs)
    {
        return timers.schedule(coordinator.nowMs() + delayMs, GroupTimers.JOIN, group.groupId, null);
    }

    /**
     * End the join phase: members that did not rejoin are dropped (static ones are kept, they may come back with
     * the same instance id), the generation moves on, a protocol is chosen, and every waiting JoinGroup is answered,
     * the leader's with every member's metadata so it can assign.
     */
    private void completeJoin(final ClassicGroup group)
    {
        final long nowMs = coordinator.nowMs();
        timers.cancel(group.joinTimerId);
        group.joinTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        group.initialDelay = false;
        for (final GroupMember member : new ArrayList<>(group.members.values()))
        {
            if (member.awaitingJoin == null && !member.isStatic())
            {
                LOG.info("{}: member {} did not rejoin within the rebalance timeout", group, member);
                removeMember(group, member);
            }
        }
        if (group.hasNoMembers())
        {
            group.generation++;
            group.protocol = null;
            group.leaderId = null;
            group.transitionTo(GroupState.EMPTY, nowMs);
            LOG.info("{} is empty", group);
            persistGroup(group, group.stored(), null);
            return;
        }
        final GroupMember leader = group.leaderId == null ? null : group.member(group.leaderId);
        if (leader == null || leader.awaitingJoin == null)
        {
            group.leaderId = null;
            for (final GroupMember m : group.members.values())
            {
                if (m.awaitingJoin != null)
                {
                    group.leaderId = m.memberId;
                    break;
                }
            }
            if (group.leaderId == null)
            {
                // Only static members that have not rejoined are left: wait another rebalance timeout for them.
                group.joinTimerId = scheduleJoinTimer(group, group.rebalanceTimeoutMs());
                return;
            }
        }
        final String protocol = group.selectProtocol();
        if (protocol == null)
        {
            // Only possible when a static member that has not rejoined offers none of the others' protocols.
            for (final GroupMember m : new ArrayList<>(group.members.values()))
            {
                if (m.awaitingJoin == null)
                {
                    removeMember(group, m);
                }
            }
            completeJoin(group);
            return;
        }
        group.generation++;
        group.protocol = protocol;
        group.transitionTo(GroupState.COMPLETING_REBALANCE, nowMs);
        group.pendingSync.clear();
        group.pendingSync.addAll(group.members.keySet());
        for (final GroupMember member : group.members.values())
        {
            member.assignment = GroupMember.EMPTY;
            if (member.awaitingJoin != null)
            {
                final GroupCall call = member.awaitingJoin;
                member.awaitingJoin = null;
                call.answer(joinResponse(group, member, call.version()));
            }
            member.isNew = false;
            member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
        }
        group.syncTimerId = timers.schedule(nowMs + group.rebalanceTimeoutMs(), GroupTimers.SYNC, group.groupId, null);
        LOG.info("{} formed with protocol {}, leader {}", group, protocol, group.leaderId);
    }

    /** A member's JoinGroup answer in the current generation; the leader's lists every member's metadata. */
    static JoinGroupResponseData joinResponse(final ClassicGroup group, final GroupMember member, final short version)
    {
        final JoinGroupResponseData response = new JoinGroupResponseData()
            .setErrorCode(Errors.NONE.code())
            .setGenerationId(group.generation)
            .setProtocolType(group.protocolType)
            .setProtocolName(group.protocol)
            .setLeader(group.leaderId)
            .setMemberId(member.memberId);
        if (member.memberId.equals(group.leaderId))
        {
            for (final GroupMember m : group.members.values())
            {
                final byte[] metadata = m.metadata(group.protocol);
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                    .setMemberId(m.memberId)
                    .setGroupInstanceId(m.groupInstanceId)
                    .setMetadata(metadata == null ? GroupMember.EMPTY : metadata));
            }
        }
        return response;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The sync phase

    /** The rebalance timeout passed with SyncGroups missing: those members are dropped and the group rebalances. */
    void onSyncTimer(final ClassicGroup group, final long timerId)
    {
        if (group.syncTimerId != timerId)
        {
            return;
        }
        group.syncTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        if (group.pendingSync.isEmpty() ||
            !(group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE)))
        {
            return;
        }
        for (final String memberId : new ArrayList<>(group.pendingSync))
        {
            final GroupMember member = group.member(memberId);
            if (member != null)
            {
                LOG.info("{}: member {} sent no SyncGroup within the rebalance timeout", group, member);
                removeMember(group, member);
            }
        }
        group.pendingSync.clear();
        prepareRebalance(group, "members did not sync in time");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Members leaving

    /** Take a member out and move the group on: a stable or forming group rebalances; a joining one may complete. */
    void removeMemberAndUpdateGroup(final ClassicGroup group, final GroupMember member, final String reason)
    {
        removeMember(group, member);
        switch (group.state)
        {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> maybeCompleteJoin(group);
            default ->
            {
            }
        }
    }

    /** Take a member out: its parked calls are answered UNKNOWN_MEMBER_ID and its session timer is cancelled. */
    void removeMember(final ClassicGroup group, final GroupMember member)
    {
        answerJoin(member, GroupResponses.joinError(versionOf(member.awaitingJoin), Errors.UNKNOWN_MEMBER_ID,
            member.memberId));
        answerSync(member, GroupResponses.syncError(Errors.UNKNOWN_MEMBER_ID));
        timers.cancel(member.sessionTimerId);
        member.sessionTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        group.remove(member);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The group's metadata record

    /**
     * Store the group's metadata. Its in-memory state does not wait for it (except a leader's SyncGroup, through
     * {@code callback}); a failure only means a restarted broker would find the previous record.
     */
    void persistGroup(final ClassicGroup group, final GroupRecords.StoredGroup stored,
        final PendingAppend.Callback callback)
    {
        final MemoryRecords records = GroupRecords.batch(coordinator.nowMs(),
            List.<byte[][]>of(new byte[][] {GroupRecords.groupKey(group.groupId), GroupRecords.groupValue(stored)}));
        final int status = coordinator.append(group, records, s ->
        {
            if (s < 0)
            {
                LOG.warn("{}: metadata not stored, status {}", group, s);
            }
            if (callback != null)
            {
                callback.onAppended(s);
            }
        });
        if (status != ProduceStatus.OK)
        {
            LOG.warn("{}: metadata not stored, status {}", group, status);
            if (callback != null)
            {
                callback.onAppended(status);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Parked calls

    /** Answer the member's waiting JoinGroup, if it has one, and forget it. */
    static void answerJoin(final GroupMember member, final JoinGroupResponseData response)
    {
        if (member.awaitingJoin != null)
        {
            final GroupCall call = member.awaitingJoin;
            member.awaitingJoin = null;
            call.answer(response);
        }
    }

    /** Answer the member's waiting SyncGroup, if it has one, and forget it. */
    static void answerSync(final GroupMember member, final SyncGroupResponseData response)
    {
        if (member.awaitingSync != null)
        {
            final GroupCall call = member.awaitingSync;
            member.awaitingSync = null;
            call.answer(response);
        }
    }

    /** The version to answer a parked call at; 0 when there is none (the answer is then not sent). */
    static short versionOf(final GroupCall call)
    {
        return call == null ? 0 : call.version();
    }
}
