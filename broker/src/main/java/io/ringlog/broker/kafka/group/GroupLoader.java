package io.ringlog.broker.kafka.group;

import io.ringlog.journal.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The load of a {@code __consumer_offsets} partition this broker has come to lead (at start-up, or when leadership
 * moves here): its journal is read from the log start offset to the log end offset it had when the load began (Kafka
 * reads to the log end too), in order, to rebuild the groups, their members and assignments (the last metadata
 * record of each group) and their committed offsets, honouring tombstones. An unreadable record is skipped and
 * counted; an unreadable batch ends that partition's load. A group that had members comes back stable, each member
 * with a fresh session, so consumers that kept running carry on without a rebalance.
 * <p>
 * A load runs {@value #SLICES_PER_CYCLE} slices (of up to 1 MiB) per duty cycle, one partition after the other, so the
 * coordinator goes on answering the groups of the partitions it has loaded; until a partition is loaded its groups
 * are answered COORDINATOR_LOAD_IN_PROGRESS ({@link GroupCoordinator#checkGroupId}). Coordinator thread only.
 */
final class GroupLoader
{
    /** Slices read per duty cycle. */
    static final int SLICES_PER_CYCLE = 4;

    /** The coordinator's log category, as before these classes were split out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupCoordinator coordinator;
    private final MemberSessions sessions;
    private final ArrayDeque<Load> loads = new ArrayDeque<>();
    private long skippedRecords;
    private long records;

    /** A partition being read back. */
    private static final class Load
    {
        final int partition;
        final PartitionLog log;
        final long end;
        final long startNs = System.nanoTime();
        final long recordsBefore;
        final long skippedBefore;
        long offset;

        Load(final int partition, final PartitionLog log, final long recordsBefore, final long skippedBefore)
        {
            this.partition = partition;
            this.log = log;
            this.recordsBefore = recordsBefore;
            this.skippedBefore = skippedBefore;
            this.offset = log.logStartOffset();
            this.end = log.logEndOffset();
        }
    }

    GroupLoader(final GroupCoordinator coordinator, final MemberSessions sessions)
    {
        this.coordinator = coordinator;
        this.sessions = sessions;
    }

    /** Start reading back a partition this broker now leads ({@link OffsetsLog#own} done). */
    void start(final int partition, final PartitionLog log)
    {
        loads.addLast(new Load(partition, log, records, skippedRecords));
    }

    /** Stop reading a partition: it is no longer led here. */
    void cancel(final int partition)
    {
        loads.removeIf(l -> l.partition == partition);
        if (loads.isEmpty())
        {
            coordinator.log.releaseReplayBuffer();
        }
    }

    boolean isLoading()
    {
        return !loads.isEmpty();
    }

    /**
     * Read the next slices of the partition at the head; settle it once read to its end.
     *
     * @return slices read.
     */
    int doWork()
    {
        int work = 0;
        while (work < SLICES_PER_CYCLE && !loads.isEmpty())
        {
            final Load load = loads.peekFirst();
            if (load.offset < load.end)
            {
                work++;
                try
                {
                    load.offset = coordinator.log.replaySlice(load.log, load.offset, load.end,
                        (key, value) -> replayRecord(load.partition, key, value));
                }
                catch (final RuntimeException ex)
                {
                    // A batch kafka-clients cannot parse (the topic takes Produce like any other): keep what was read
                    // before it, say so, and settle the partition rather than leave its groups uncoordinated.
                    LOG.error("{}-{}: load stopped at an unreadable batch at or after offset {}; later records of it " +
                        "are ignored", OffsetsLog.TOPIC, load.partition, load.offset, ex);
                    load.offset = load.end;
                }
            }
            if (load.offset >= load.end)
            {
                loads.pollFirst();
                settle(load);
                if (loads.isEmpty())
                {
                    coordinator.log.releaseReplayBuffer();
                }
            }
        }
        return work;
    }

    /** The partition has been read: settle each of its groups' state and take its requests from now on. */
    private void settle(final Load load)
    {
        final Map<String, ClassicGroup> groups = coordinator.groups;
        int members = 0;
        int count = 0;
        for (final ClassicGroup group : new ArrayList<>(groups.values()))
        {
            if (group.partition != load.partition)
            {
                continue;
            }
            if (group.hasNoMembers())
            {
                group.state = GroupState.EMPTY;
                if (group.protocolType == null && group.generation == 0 && !group.hasOffsets())
                {
                    groups.remove(group.groupId);
                    continue;
                }
                count++;
                continue;
            }
            // A group that had members carries on as it was: its members heartbeat to it with their generation, or
            // expire after a session timeout and the group rebalances without them.
            count++;
            group.state = GroupState.STABLE;
            for (final GroupMember member : group.members.values())
            {
                member.heartbeatDeadlineMs = coordinator.nowMs() + member.sessionTimeoutMs;
                sessions.scheduleSession(group, member);
                members++;
            }
        }
        coordinator.log.loaded(load.partition);
        LOG.info("{}-{} loaded: {} group(s), {} member(s), offsets up to {}, {} record(s) read ({} skipped) in {} ms",
            OffsetsLog.TOPIC, load.partition, count, members, load.end, records - load.recordsBefore,
            skippedRecords - load.skippedBefore, (System.nanoTime() - load.startNs) / 1_000_000);
    }

    private void replayRecord(final int partition, final ByteBuffer keyBytes, final ByteBuffer valueBytes)
    {
        records++;
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
