package io.ringlog.broker.kafka.group;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The start-up replay of {@code __consumer_offsets}: every local partition is read from the journal, in order, to
 * rebuild the groups, their members and assignments (the last metadata record of each group) and their committed
 * offsets, honouring tombstones. An unreadable record is skipped and counted; an unreadable batch ends its
 * partition's replay. A group that had members when the broker stopped comes back stable, each member with a fresh
 * session. Runs once, from {@link GroupCoordinator#onStart}, on the coordinator thread, before the first request is
 * taken.
 */
final class GroupLoader
{
    /** The coordinator's log category, as before these classes were split out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupCoordinator coordinator;
    private final MemberSessions sessions;
    private long skippedRecords;

    GroupLoader(final GroupCoordinator coordinator, final MemberSessions sessions)
    {
        this.coordinator = coordinator;
        this.sessions = sessions;
    }

    /** Replay every local partition into the coordinator's groups, then settle each group's state. */
    void load()
    {
        final OffsetsLog log = coordinator.log;
        final Map<String, ClassicGroup> groups = coordinator.groups;
        final long start = System.nanoTime();
        long records = 0;
        for (int p = 0; p < log.partitionCount(); p++)
        {
            final int partition = p;
            try
            {
                records += log.replay(p, (key, value) -> replayRecord(partition, key, value));
            }
            catch (final RuntimeException ex)
            {
                // A batch kafka-clients cannot parse (the topic takes Produce like any other): keep what was read
                // before it, say so, and carry on with the other partitions rather than leave groups uncoordinated.
                LOG.error("{}-{}: replay stopped at an unreadable batch; later records of it are ignored",
                    OffsetsLog.TOPIC, p, ex);
            }
        }
        int members = 0;
        for (final ClassicGroup group : new ArrayList<>(groups.values()))
        {
            if (group.hasNoMembers())
            {
                group.state = GroupState.EMPTY;
                if (group.protocolType == null && group.generation == 0 && !group.hasOffsets())
                {
                    groups.remove(group.groupId);
                }
                continue;
            }
            // A group that had members when the broker stopped carries on as it was: its members heartbeat to it
            // with their generation, or expire after a session timeout and the group rebalances without them.
            group.state = GroupState.STABLE;
            for (final GroupMember member : group.members.values())
            {
                member.heartbeatDeadlineMs = coordinator.nowMs() + member.sessionTimeoutMs;
                sessions.scheduleSession(group, member);
                members++;
            }
        }
        LOG.info("{} loaded from {}: {} group(s), {} member(s), {} record(s) ({} skipped) in {} ms", OffsetsLog.TOPIC,
            log.partitionCount() + " partition(s)", groups.size(), members, records, skippedRecords,
            (System.nanoTime() - start) / 1_000_000);
    }

    private void replayRecord(final int partition, final ByteBuffer keyBytes, final ByteBuffer valueBytes)
    {
        try
        {
            final GroupRecords.Key key = GroupRecords.readKey(keyBytes);
            if (key == null)
            {
                skippedRecords++;
                return;
            }
            final ClassicGroup group = coordinator.groups.computeIfAbsent(key.group(),
                g -> new ClassicGroup(g, partition, coordinator.nowMs()));
            if (key.type() == GroupRecords.OFFSET_COMMIT_KEY)
            {
                if (valueBytes == null)
                {
                    group.removeOffset(key.topic(), key.partition());
                }
                else
                {
                    group.putOffset(key.topic(), key.partition(), GroupRecords.readOffsetValue(valueBytes));
                }
                return;
            }
            restoreGroup(group, valueBytes == null ? null : GroupRecords.readGroupValue(valueBytes));
        }
        catch (final IllegalArgumentException ex)
        {
            skippedRecords++;
            LOG.warn("{}-{}: unreadable group record skipped: {}", OffsetsLog.TOPIC, partition, ex.getMessage());
        }
    }

    /** A group's metadata record replaces what the earlier ones said; a tombstone empties the group. */
    private static void restoreGroup(final ClassicGroup group, final GroupRecords.StoredGroup stored)
    {
        group.members.clear();
        group.staticMembers.clear();
        if (stored == null) // a tombstone: the group was deleted (its offsets have tombstones of their own)
        {
            group.protocolType = null;
            group.protocol = null;
            group.leaderId = null;
            group.generation = 0;
            return;
        }
        group.protocolType = stored.protocolType();
        group.protocol = stored.protocol();
        group.leaderId = stored.leader();
        group.generation = stored.generation();
        group.stateTimestampMs = stored.stateTimestampMs();
        for (final GroupRecords.StoredMember m : stored.members())
        {
            final List<GroupMember.Protocol> protocols = stored.protocol() == null || m.subscription() == null ?
                List.of() : List.of(new GroupMember.Protocol(stored.protocol(), m.subscription()));
            final GroupMember member = new GroupMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                m.rebalanceTimeoutMs(), m.sessionTimeoutMs(), protocols);
            member.assignment = m.assignment() == null ? GroupMember.EMPTY : m.assignment();
            group.add(member);
        }
        group.leaderId = stored.leader();
    }
}
