package io.ringlog.broker.kafka.group;

import org.agrona.DeadlineTimerWheel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.protocol.ByteBufferAccessor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One classic group: its state, generation, protocol, leader, members (joined in order), static members by
 * instance id, members given an id and expected back (MEMBER_ID_REQUIRED), members the current generation still
 * waits a SyncGroup from, the rebalance timers, and its committed offsets. Coordinator thread only; the coordinator
 * drives the transitions, this class keeps the bookkeeping.
 */
final class ClassicGroup
{
    /** The protocol type of consumer groups, whose subscriptions the coordinator can read. */
    static final String CONSUMER_PROTOCOL_TYPE = "consumer";

    final String groupId;
    final int partition;
    GroupState state = GroupState.EMPTY;
    long stateTimestampMs;
    String protocolType;
    String protocol;
    String leaderId;
    int generation;

    final Map<String, GroupMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED, to their expiry timer. */
    final Map<String, Long> pendingMembers = new HashMap<>();
    /** Members of this generation that have not sent their SyncGroup yet. */
    final Set<String> pendingSync = new HashSet<>();

    long joinTimerId = DeadlineTimerWheel.NULL_DEADLINE;
    long syncTimerId = DeadlineTimerWheel.NULL_DEADLINE;
    /** The first rebalance of an empty group waits {@code group.initial.rebalance.delay.ms} for more members. */
    boolean initialDelay;
    boolean newMemberAdded;
    long initialDelayRemainingMs;

    /** Committed offsets by topic, then partition: the state the replay rebuilds. */
    final TreeMap<String, TreeMap<Integer, CommittedOffset>> offsets = new TreeMap<>();
    /** Partitions with a commit appended but not yet answered, so a deletion can tombstone them too. */
    final Map<TopicPartition, Integer> pendingCommits = new HashMap<>();
    /** Appends of this group's records in flight. */
    int appendsInFlight;

    ClassicGroup(final String groupId, final int partition, final long nowMs)
    {
        this.groupId = groupId;
        this.partition = partition;
        this.stateTimestampMs = nowMs;
    }

    boolean is(final GroupState s)
    {
        return state == s;
    }

    void transitionTo(final GroupState next, final long nowMs)
    {
        state = next;
        stateTimestampMs = nowMs;
    }

    boolean has(final String memberId)
    {
        return members.containsKey(memberId);
    }

    GroupMember member(final String memberId)
    {
        return members.get(memberId);
    }

    /** Members and ids waiting to come back count against {@code group.max.size}. */
    int size()
    {
        return members.size() + pendingMembers.size();
    }

    boolean hasNoMembers()
    {
        return members.isEmpty();
    }

    void add(final GroupMember member)
    {
        members.put(member.memberId, member);
        if (member.groupInstanceId != null)
        {
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (leaderId == null)
        {
            leaderId = member.memberId;
        }
    }

    void remove(final GroupMember member)
    {
        members.remove(member.memberId);
        pendingSync.remove(member.memberId);
        if (member.groupInstanceId != null && member.memberId.equals(staticMembers.get(member.groupInstanceId)))
        {
            staticMembers.remove(member.groupInstanceId);
        }
        if (member.memberId.equals(leaderId))
        {
            leaderId = null;
            for (final GroupMember m : members.values())
            {
                if (m.awaitingJoin != null)
                {
                    leaderId = m.memberId;
                    break;
                }
            }
            if (leaderId == null && !members.isEmpty())
            {
                leaderId = members.keySet().iterator().next();
            }
        }
    }

    /** The member id of a static member, or null. */
    String staticMemberId(final String groupInstanceId)
    {
        return groupInstanceId == null ? null : staticMembers.get(groupInstanceId);
    }

    int awaitingJoinCount()
    {
        int n = 0;
        for (final GroupMember m : members.values())
        {
            n += m.awaitingJoin != null ? 1 : 0;
        }
        return n;
    }

    /** Every member has rejoined and no handed-out id is still expected: the join phase may end. */
    boolean allMembersJoined()
    {
        return members.size() == awaitingJoinCount() && pendingMembers.isEmpty();
    }

    /** The largest rebalance timeout among the members: how long a join phase may last. */
    int rebalanceTimeoutMs()
    {
        int max = 0;
        for (final GroupMember m : members.values())
        {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    /**
     * Whether a member offering these protocols may join: an empty group takes any non-empty protocol type and
     * protocol list; otherwise the type must match and one of the protocols must be offered by every member.
     */
    boolean supportsProtocols(final String memberProtocolType, final List<GroupMember.Protocol> memberProtocols)
    {
        if (memberProtocolType == null || memberProtocolType.isEmpty() || memberProtocols.isEmpty())
        {
            return false;
        }
        if (members.isEmpty())
        {
            return true;
        }
        if (!memberProtocolType.equals(protocolType))
        {
            return false;
        }
        for (final GroupMember.Protocol p : memberProtocols)
        {
            boolean everyone = true;
            for (final GroupMember m : members.values())
            {
                if (!m.supports(p.name()))
                {
                    everyone = false;
                    break;
                }
            }
            if (everyone)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The protocol for the next generation: among those every member offers, the one most members prefer (each
     * member votes for the first of them in its own list); a tie goes to the one the longest-standing member prefers.
     *
     * @return the protocol, or null when no protocol is offered by every member.
     */
    String selectProtocol()
    {
        final List<String> candidates = new ArrayList<>();
        final GroupMember first = members.values().iterator().next();
        for (final GroupMember.Protocol p : first.protocols)
        {
            boolean everyone = true;
            for (final GroupMember m : members.values())
            {
                everyone &= m.supports(p.name());
            }
            if (everyone)
            {
                candidates.add(p.name());
            }
        }
        if (candidates.isEmpty())
        {
            return null;
        }
        final Map<String, Integer> votes = new HashMap<>();
        for (final GroupMember m : members.values())
        {
            for (final GroupMember.Protocol p : m.protocols)
            {
                if (candidates.contains(p.name()))
                {
                    votes.merge(p.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        String best = candidates.get(0);
        for (final String c : candidates)
        {
            if (votes.getOrDefault(c, 0) > votes.getOrDefault(best, 0))
            {
                best = c;
            }
        }
        return best;
    }

    /**
     * The topics the members of a consumer group read, from their subscriptions in the selected protocol.
     *
     * @return the topics, or null when the group is not a consumer group or a subscription cannot be read.
     */
    Set<String> subscribedTopics()
    {
        if (!CONSUMER_PROTOCOL_TYPE.equals(protocolType) || protocol == null)
        {
            return null;
        }
        final Set<String> topics = new HashSet<>();
        for (final GroupMember m : members.values())
        {
            final byte[] metadata = m.metadata(protocol);
            if (metadata == null)
            {
                return null;
            }
            try
            {
                final ByteBuffer buffer = ByteBuffer.wrap(metadata);
                final short version = (short)Math.min(buffer.getShort(),
                    ConsumerProtocolSubscription.HIGHEST_SUPPORTED_VERSION);
                if (version < ConsumerProtocolSubscription.LOWEST_SUPPORTED_VERSION)
                {
                    return null;
                }
                topics.addAll(new ConsumerProtocolSubscription(new ByteBufferAccessor(buffer), version).topics());
            }
            catch (final RuntimeException ex)
            {
                return null;
            }
        }
        return topics;
    }

    CommittedOffset offset(final String topic, final int partition)
    {
        final TreeMap<Integer, CommittedOffset> byPartition = offsets.get(topic);
        return byPartition == null ? null : byPartition.get(partition);
    }

    void putOffset(final String topic, final int partition, final CommittedOffset offset)
    {
        offsets.computeIfAbsent(topic, t -> new TreeMap<>()).put(partition, offset);
    }

    void removeOffset(final String topic, final int partition)
    {
        final TreeMap<Integer, CommittedOffset> byPartition = offsets.get(topic);
        if (byPartition != null)
        {
            byPartition.remove(partition);
            if (byPartition.isEmpty())
            {
                offsets.remove(topic);
            }
        }
    }

    boolean hasOffsets()
    {
        return !offsets.isEmpty();
    }

    /** Every partition with a committed offset or a commit in flight. */
    List<TopicPartition> offsetPartitions()
    {
        final Set<TopicPartition> all = new HashSet<>(pendingCommits.keySet());
        offsets.forEach((topic, byPartition) -> byPartition.keySet().forEach(p -> all.add(new TopicPartition(topic, p))));
        return new ArrayList<>(all);
    }

    /** A group that only ever held offsets, or was emptied: nothing left worth keeping once its offsets are gone. */
    boolean isDisposable()
    {
        return (is(GroupState.EMPTY) || is(GroupState.DEAD)) && members.isEmpty() && pendingMembers.isEmpty() &&
            offsets.isEmpty() && appendsInFlight == 0;
    }

    /** The group as its metadata record stores it. */
    GroupRecords.StoredGroup stored()
    {
        final List<GroupRecords.StoredMember> stored = new ArrayList<>(members.size());
        for (final GroupMember m : members.values())
        {
            final byte[] subscription = protocol == null ? null : m.metadata(protocol);
            stored.add(new GroupRecords.StoredMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                m.rebalanceTimeoutMs, m.sessionTimeoutMs, subscription, m.assignment));
        }
        return new GroupRecords.StoredGroup(protocolType, generation, protocol, leaderId, stateTimestampMs, stored);
    }

    @Override
    public String toString()
    {
        return "group " + groupId + " (" + state.kafkaName() + ", generation " + generation + ", " + members.size() +
            " member(s))";
    }
}
