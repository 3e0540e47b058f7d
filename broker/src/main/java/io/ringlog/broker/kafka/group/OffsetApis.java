package io.ringlog.broker.kafka.group;

import io.ringlog.broker.kafka.KafkaIds;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.sequencer.ProduceStatus;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * OffsetCommit, OffsetFetch, OffsetDelete and the expiry of old offsets, on the coordinator's state. A commit is
 * one batch of records (one per partition) appended with acks=all; the offsets become visible, and the commit is
 * answered, when the batch is committed. Deletions and expiries write tombstones the same way. Coordinator thread.
 */
final class OffsetApis
{
    private static final Logger LOG = LoggerFactory.getLogger(OffsetApis.class);

    private final GroupCoordinator coordinator;

    OffsetApis(final GroupCoordinator coordinator)
    {
        this.coordinator = coordinator;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // OffsetCommit

    void commit(final GroupCall call)
    {
        final OffsetCommitRequestData request = call.body();
        final short version = call.version();
        final long now = coordinator.nowMs();
        final MetadataImage image = coordinator.image();
        Errors groupError = coordinator.checkGroupId(request.groupId(), true);
        ClassicGroup group = groupError == Errors.NONE ? coordinator.groups.get(request.groupId()) : null;
        boolean created = false;
        if (groupError == Errors.NONE)
        {
            final String memberId = request.memberId() == null ? "" : request.memberId();
            final int generation = request.generationIdOrMemberEpoch();
            if (group == null)
            {
                if (generation < 0 && memberId.isEmpty())
                {
                    // A consumer that assigns itself partitions, or the admin client: the group holds only offsets.
                    group = new ClassicGroup(request.groupId(), coordinator.log.partitionFor(request.groupId()), now);
                    created = true;
                }
                else
                {
                    groupError = version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
                }
            }
            else
            {
                groupError = validateCommit(group, memberId, request.groupInstanceId(), generation);
            }
        }

        final OffsetCommitResponseData response = new OffsetCommitResponseData();
        final List<OffsetCommitResponseData.OffsetCommitResponsePartition> toCommit = new ArrayList<>();
        final List<TopicPartition> partitions = new ArrayList<>();
        final List<CommittedOffset> values = new ArrayList<>();
        for (final OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics())
        {
            final OffsetCommitResponseData.OffsetCommitResponseTopic topicResponse =
                new OffsetCommitResponseData.OffsetCommitResponseTopic();
            final MetadataImage.TopicImage known;
            final Errors unknown;
            if (version >= 10)
            {
                topicResponse.setTopicId(topic.topicId());
                known = image.topic(KafkaIds.toUuid(topic.topicId()));
                unknown = Errors.UNKNOWN_TOPIC_ID;
            }
            else
            {
                topicResponse.setName(topic.name());
                known = image.topic(topic.name());
                unknown = Errors.UNKNOWN_TOPIC_OR_PARTITION;
            }
            for (final OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions())
            {
                final OffsetCommitResponseData.OffsetCommitResponsePartition answer =
                    new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
                topicResponse.partitions().add(answer);
                if (groupError != Errors.NONE)
                {
                    answer.setErrorCode(groupError.code());
                }
                else if (known == null)
                {
                    answer.setErrorCode(unknown.code());
                }
                else if (p.partitionIndex() < 0 || p.partitionIndex() >= known.partitions().size())
                {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                }
                else if (p.committedMetadata() != null &&
                    p.committedMetadata().getBytes(StandardCharsets.UTF_8).length > GroupCoordinator.OFFSET_METADATA_MAX_BYTES)
                {
                    answer.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
                }
                else
                {
                    toCommit.add(answer);
                    partitions.add(new TopicPartition(known.name(), p.partitionIndex()));
                    values.add(new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(),
                        now));
                }
            }
            response.topics().add(topicResponse);
        }
        if (toCommit.isEmpty())
        {
            call.answer(response);
            return;
        }
        if (created)
        {
            coordinator.groups.put(group.groupId, group);
        }
        final List<byte[][]> records = new ArrayList<>(partitions.size());
        for (int i = 0; i < partitions.size(); i++)
        {
            final TopicPartition tp = partitions.get(i);
            records.add(new byte[][] {GroupRecords.offsetKey(group.groupId, tp.topic(), tp.partition()),
                GroupRecords.offsetValue(values.get(i))});
        }
        final ClassicGroup committing = group;
        partitions.forEach(tp -> committing.pendingCommits.merge(tp, 1, Integer::sum));
        final int status = coordinator.append(group, GroupRecords.batch(now, records), s ->
            onCommitted(committing, partitions, values, toCommit, s, call, response));
        if (status != ProduceStatus.OK)
        {
            onCommitted(committing, partitions, values, toCommit, status, call, response);
        }
    }

    private void onCommitted(
        final ClassicGroup group,
        final List<TopicPartition> partitions,
        final List<CommittedOffset> values,
        final List<OffsetCommitResponseData.OffsetCommitResponsePartition> answers,
        final int status,
        final GroupCall call,
        final OffsetCommitResponseData response)
    {
        final Errors error = OffsetsLog.storeError(status);
        for (int i = 0; i < partitions.size(); i++)
        {
            final TopicPartition tp = partitions.get(i);
            group.pendingCommits.computeIfPresent(tp, (k, n) -> n == 1 ? null : n - 1);
            if (error == Errors.NONE)
            {
                group.putOffset(tp.topic(), tp.partition(), values.get(i));
            }
            answers.get(i).setErrorCode(error.code());
        }
        if (group.isDisposable() && coordinator.groups.get(group.groupId) == group && group.protocolType == null &&
            group.generation == 0)
        {
            coordinator.groups.remove(group.groupId); // a standalone commit that failed leaves nothing behind
        }
        call.answer(response);
    }

    /**
     * Kafka's rules for a classic group: a dead group is being deleted (retry); an empty group takes commits without
     * a generation (the admin client, self-assigning consumers); a group in the middle of handing out assignments
     * takes none; otherwise the member and its generation must be current.
     */
    private Errors validateCommit(final ClassicGroup group, final String memberId, final String groupInstanceId,
        final int generation)
    {
        if (group.is(GroupState.DEAD))
        {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && group.is(GroupState.EMPTY))
        {
            return Errors.NONE;
        }
        if (group.is(GroupState.COMPLETING_REBALANCE))
        {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        final Errors member = GroupCoordinator.validateMember(group, memberId, groupInstanceId);
        if (member != Errors.NONE)
        {
            return member;
        }
        if (generation != group.generation)
        {
            return Errors.ILLEGAL_GENERATION;
        }
        coordinator.sessions.refreshHeartbeat(group.member(memberId));
        return Errors.NONE;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // OffsetFetch

    void fetch(final GroupCall call)
    {
        final OffsetFetchRequestData request = call.body();
        final short version = call.version();
        final OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version >= 8)
        {
            for (final OffsetFetchRequestData.OffsetFetchRequestGroup wanted : request.groups())
            {
                final List<Requested> topics = wanted.topics() == null ? null : new ArrayList<>();
                if (wanted.topics() != null)
                {
                    wanted.topics().forEach(t -> topics.add(new Requested(t.name(), t.topicId(), t.partitionIndexes())));
                }
                final OffsetFetchResponseData.OffsetFetchResponseGroup group =
                    new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(wanted.groupId());
                final Errors error = coordinator.checkGroupId(wanted.groupId(), true);
                group.setErrorCode(error.code());
                if (error == Errors.NONE)
                {
                    for (final Answer topic : offsets(wanted.groupId(), topics, version >= 10))
                    {
                        final OffsetFetchResponseData.OffsetFetchResponseTopics t =
                            new OffsetFetchResponseData.OffsetFetchResponseTopics();
                        if (version >= 10)
                        {
                            t.setTopicId(topic.id());
                        }
                        else
                        {
                            t.setName(topic.name());
                        }
                        for (final PartitionAnswer p : topic.partitions())
                        {
                            t.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                                .setPartitionIndex(p.partition()).setCommittedOffset(p.offset())
                                .setCommittedLeaderEpoch(p.leaderEpoch()).setMetadata(p.metadata())
                                .setErrorCode(p.error().code()));
                        }
                        group.topics().add(t);
                    }
                }
                response.groups().add(group);
            }
            call.answer(response);
            return;
        }
        final List<Requested> topics = request.topics() == null ? null : new ArrayList<>();
        if (request.topics() != null)
        {
            request.topics().forEach(t -> topics.add(new Requested(t.name(), null, t.partitionIndexes())));
        }
        final Errors error = coordinator.checkGroupId(request.groupId(), true);
        response.setErrorCode(error.code());
        final List<Answer> answers = error == Errors.NONE ? offsets(request.groupId(), topics, false) :
            unanswered(topics, error);
        for (final Answer topic : answers)
        {
            final OffsetFetchResponseData.OffsetFetchResponseTopic t =
                new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(topic.name());
            for (final PartitionAnswer p : topic.partitions())
            {
                t.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                    .setPartitionIndex(p.partition()).setCommittedOffset(p.offset())
                    .setCommittedLeaderEpoch(p.leaderEpoch()).setMetadata(p.metadata()).setErrorCode(p.error().code()));
            }
            response.topics().add(t);
        }
        call.answer(response);
    }

    private record Requested(String name, Uuid id, List<Integer> partitions)
    {
    }

    private record PartitionAnswer(int partition, long offset, int leaderEpoch, String metadata, Errors error)
    {
        static PartitionAnswer none(final int partition, final Errors error)
        {
            return new PartitionAnswer(partition, -1, -1, "", error);
        }
    }

    private record Answer(String name, Uuid id, List<PartitionAnswer> partitions)
    {
    }

    /** The committed offsets asked for (every one the group has, for {@code topics == null}); -1 where none. */
    private List<Answer> offsets(final String groupId, final List<Requested> topics, final boolean byId)
    {
        final ClassicGroup group = coordinator.groups.get(groupId);
        final MetadataImage image = coordinator.image();
        final List<Answer> answers = new ArrayList<>();
        if (topics == null)
        {
            if (group == null || group.is(GroupState.DEAD))
            {
                return answers;
            }
            for (final Map.Entry<String, TreeMap<Integer, CommittedOffset>> e : group.offsets.entrySet())
            {
                final MetadataImage.TopicImage topic = image.topic(e.getKey());
                if (byId && topic == null)
                {
                    continue; // a deleted topic has no id to name it by
                }
                final List<PartitionAnswer> partitions = new ArrayList<>();
                e.getValue().forEach((p, o) -> partitions.add(answer(p, o)));
                answers.add(new Answer(e.getKey(), topic == null ? Uuid.ZERO_UUID : KafkaIds.toKafka(topic.id()),
                    partitions));
            }
            return answers;
        }
        for (final Requested wanted : topics)
        {
            String name = wanted.name();
            Errors error = Errors.NONE;
            if (byId)
            {
                final MetadataImage.TopicImage topic = image.topic(KafkaIds.toUuid(wanted.id()));
                name = topic == null ? null : topic.name();
                error = topic == null ? Errors.UNKNOWN_TOPIC_ID : Errors.NONE;
            }
            final List<PartitionAnswer> partitions = new ArrayList<>(wanted.partitions().size());
            for (final int p : wanted.partitions())
            {
                final CommittedOffset offset = name == null || group == null || group.is(GroupState.DEAD) ? null :
                    group.offset(name, p);
                partitions.add(offset == null ? PartitionAnswer.none(p, error) : answer(p, offset));
            }
            answers.add(new Answer(name, wanted.id(), partitions));
        }
        return answers;
    }

    private static PartitionAnswer answer(final int partition, final CommittedOffset offset)
    {
        return new PartitionAnswer(partition, offset.offset(), offset.leaderEpoch(),
            offset.metadata() == null ? "" : offset.metadata(), Errors.NONE);
    }

    private static List<Answer> unanswered(final List<Requested> topics, final Errors error)
    {
        final List<Answer> answers = new ArrayList<>();
        if (topics != null)
        {
            for (final Requested wanted : topics)
            {
                final List<PartitionAnswer> partitions = new ArrayList<>();
                wanted.partitions().forEach(p -> partitions.add(PartitionAnswer.none(p, error)));
                answers.add(new Answer(wanted.name(), wanted.id(), partitions));
            }
        }
        return answers;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // OffsetDelete

    void delete(final GroupCall call)
    {
        final OffsetDeleteRequestData request = call.body();
        final OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        Errors error = coordinator.checkGroupId(request.groupId(), true);
        final ClassicGroup group = error == Errors.NONE ? coordinator.groups.get(request.groupId()) : null;
        if (error == Errors.NONE && (group == null || group.is(GroupState.DEAD)))
        {
            error = Errors.GROUP_ID_NOT_FOUND;
        }
        Set<String> subscribed = Set.of();
        if (error == Errors.NONE && !group.hasNoMembers())
        {
            subscribed = group.subscribedTopics();
            if (subscribed == null)
            {
                error = Errors.NON_EMPTY_GROUP; // members whose subscriptions the coordinator cannot read
            }
        }
        if (error != Errors.NONE)
        {
            call.answer(response.setErrorCode(error.code()));
            return;
        }
        final MetadataImage image = coordinator.image();
        final List<TopicPartition> deleted = new ArrayList<>();
        final List<byte[][]> tombstones = new ArrayList<>();
        for (final OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : request.topics())
        {
            final OffsetDeleteResponseData.OffsetDeleteResponseTopic topicResponse =
                new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
            final MetadataImage.TopicImage known = image.topic(topic.name());
            for (final OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions())
            {
                final Errors partitionError;
                if (known == null || p.partitionIndex() < 0 || p.partitionIndex() >= known.partitions().size())
                {
                    partitionError = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                }
                else if (subscribed.contains(topic.name()))
                {
                    partitionError = Errors.GROUP_SUBSCRIBED_TO_TOPIC;
                }
                else
                {
                    partitionError = Errors.NONE;
                    final TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                    if (group.offset(tp.topic(), tp.partition()) != null || group.pendingCommits.containsKey(tp))
                    {
                        deleted.add(tp);
                        tombstones.add(new byte[][] {GroupRecords.offsetKey(group.groupId, tp.topic(), tp.partition()),
                            null});
                    }
                }
                if (topicResponse.partitions().find(p.partitionIndex()) == null)
                {
                    topicResponse.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(partitionError.code()));
                }
            }
            if (response.topics().find(topic.name()) == null)
            {
                response.topics().add(topicResponse);
            }
        }
        if (tombstones.isEmpty())
        {
            call.answer(response);
            return;
        }
        final int status = coordinator.append(group, GroupRecords.batch(coordinator.nowMs(), tombstones), s ->
            onOffsetsDeleted(group, deleted, s, call, response));
        if (status != ProduceStatus.OK)
        {
            onOffsetsDeleted(group, deleted, status, call, response);
        }
    }

    private static void onOffsetsDeleted(final ClassicGroup group, final List<TopicPartition> deleted, final int status,
        final GroupCall call, final OffsetDeleteResponseData response)
    {
        final Errors error = OffsetsLog.storeError(status);
        if (error == Errors.NONE)
        {
            deleted.forEach(tp -> group.removeOffset(tp.topic(), tp.partition()));
            call.answer(response);
        }
        else
        {
            call.answer(new OffsetDeleteResponseData().setErrorCode(error.code()));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Expiry

    /**
     * Remove offsets past {@code offsets.retention.minutes}, with tombstones, as Kafka does since KIP-211: the
     * offsets of an empty consumer group expire a retention period after the group emptied (or after their commit,
     * if later); those of a group that only commits (no members ever), a retention period after their commit; those
     * of a group with members, only for topics no member subscribes to any more. An empty group left with no offsets
     * is removed as well (its metadata gets a tombstone).
     */
    void expire()
    {
        final long now = coordinator.nowMs();
        final long retention = coordinator.config.offsetsRetentionMs();
        for (final ClassicGroup group : new ArrayList<>(coordinator.groups.values()))
        {
            if (group.appendsInFlight > 0 || group.is(GroupState.DEAD) || !group.pendingCommits.isEmpty() ||
                !coordinator.isLoaded(group))
            {
                continue;
            }
            final boolean empty = group.is(GroupState.EMPTY) && group.hasNoMembers();
            final Set<String> subscribed = empty ? Set.of() : group.subscribedTopics();
            if (!empty && subscribed == null)
            {
                continue; // members whose subscriptions cannot be read: keep everything
            }
            final List<TopicPartition> expired = new ArrayList<>();
            int total = 0;
            for (final Map.Entry<String, TreeMap<Integer, CommittedOffset>> e : group.offsets.entrySet())
            {
                for (final Map.Entry<Integer, CommittedOffset> p : e.getValue().entrySet())
                {
                    total++;
                    final long base = empty && group.protocolType != null ?
                        Math.max(group.stateTimestampMs, p.getValue().commitTimestampMs()) :
                        p.getValue().commitTimestampMs();
                    if (!subscribed.contains(e.getKey()) && now - base >= retention)
                    {
                        expired.add(new TopicPartition(e.getKey(), p.getKey()));
                    }
                }
            }
            final boolean removeGroup = empty && group.pendingMembers.isEmpty() && expired.size() == total;
            if (expired.isEmpty() && !removeGroup)
            {
                continue;
            }
            final List<byte[][]> tombstones = new ArrayList<>(expired.size() + 1);
            expired.forEach(tp -> tombstones.add(new byte[][] {
                GroupRecords.offsetKey(group.groupId, tp.topic(), tp.partition()), null}));
            final long emptiedAtMs = group.stateTimestampMs;
            if (removeGroup)
            {
                tombstones.add(new byte[][] {GroupRecords.groupKey(group.groupId), null});
                group.transitionTo(GroupState.DEAD, now); // no joins until the tombstones are in
            }
            final int status = coordinator.append(group, GroupRecords.batch(now, tombstones), s ->
                onExpired(group, expired, removeGroup, emptiedAtMs, s));
            if (status != ProduceStatus.OK)
            {
                onExpired(group, expired, removeGroup, emptiedAtMs, status);
            }
        }
    }

    private void onExpired(final ClassicGroup group, final List<TopicPartition> expired, final boolean removeGroup,
        final long emptiedAtMs, final int status)
    {
        if (status < 0)
        {
            LOG.warn("{}: expired offsets not removed, status {}; next check retries", group, status);
            if (removeGroup)
            {
                group.transitionTo(GroupState.EMPTY, emptiedAtMs);
            }
            return;
        }
        expired.forEach(tp -> group.removeOffset(tp.topic(), tp.partition()));
        LOG.info("{}: {} expired offset(s) removed{}", group, expired.size(), removeGroup ? ", group removed" : "");
        if (removeGroup && coordinator.groups.get(group.groupId) == group)
        {
            coordinator.groups.remove(group.groupId);
        }
    }
}
