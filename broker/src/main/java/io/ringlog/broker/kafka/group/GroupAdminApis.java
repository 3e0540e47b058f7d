package io.ringlog.broker.kafka.group;

import io.ringlog.sequencer.ProduceStatus;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ListGroups, DescribeGroups and DeleteGroups, on the coordinator's state. Coordinator thread. */
final class GroupAdminApis
{
    /** What a group's DescribeGroups answer says is allowed (no ACLs yet): READ, DELETE and DESCRIBE. */
    private static final int GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
    private static final int OPERATIONS_OMITTED = Integer.MIN_VALUE;
    /** ListGroups' type of every group here (KIP-848 names the old protocol so). */
    private static final String CLASSIC = "classic";

    private final GroupCoordinator coordinator;

    GroupAdminApis(final GroupCoordinator coordinator)
    {
        this.coordinator = coordinator;
    }

    void list(final GroupCall call)
    {
        final ListGroupsRequestData request = call.body();
        // Kafka's answer while a partition is being loaded: the groups known so far, and LOAD_IN_PROGRESS.
        final ListGroupsResponseData response = new ListGroupsResponseData().setErrorCode(coordinator.isLoaded() ?
            Errors.NONE.code() : Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        final boolean typeWanted = request.typesFilter().isEmpty() ||
            request.typesFilter().stream().anyMatch(CLASSIC::equalsIgnoreCase);
        for (final ClassicGroup group : coordinator.groups.values())
        {
            if (group.is(GroupState.DEAD) || !coordinator.isLoaded(group) || !typeWanted ||
                (!request.statesFilter().isEmpty() &&
                request.statesFilter().stream().noneMatch(s -> s.equalsIgnoreCase(group.state.kafkaName()))))
            {
                continue;
            }
            response.groups().add(new ListGroupsResponseData.ListedGroup()
                .setGroupId(group.groupId)
                .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                .setGroupState(group.state.kafkaName())
                .setGroupType(CLASSIC));
        }
        call.answer(response);
    }

    void describe(final GroupCall call)
    {
        final DescribeGroupsRequestData request = call.body();
        final short version = call.version();
        final DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (final String groupId : request.groups())
        {
            final DescribeGroupsResponseData.DescribedGroup described = new DescribeGroupsResponseData.DescribedGroup()
                .setGroupId(groupId).setGroupState("").setProtocolType("").setProtocolData("");
            if (version >= 3)
            {
                described.setAuthorizedOperations(request.includeAuthorizedOperations() ? GROUP_OPERATIONS :
                    OPERATIONS_OMITTED);
            }
            final Errors error = coordinator.checkGroupId(groupId, true);
            final ClassicGroup group = error == Errors.NONE ? coordinator.groups.get(groupId) : null;
            if (error != Errors.NONE)
            {
                described.setErrorCode(error.code());
            }
            else if (group == null || group.is(GroupState.DEAD))
            {
                described.setGroupState(GroupState.DEAD.kafkaName());
                if (version >= 6)
                {
                    described.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage("Group " + groupId + " not found.");
                }
            }
            else
            {
                final boolean stable = group.is(GroupState.STABLE);
                described.setGroupState(group.state.kafkaName())
                    .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                    .setProtocolData(stable && group.protocol != null ? group.protocol : "");
                for (final GroupMember m : group.members.values())
                {
                    final byte[] metadata = stable ? m.metadata(group.protocol) : null;
                    described.members().add(new DescribeGroupsResponseData.DescribedGroupMember()
                        .setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId)
                        .setClientId(m.clientId)
                        .setClientHost(m.clientHost)
                        .setMemberMetadata(metadata == null ? GroupMember.EMPTY : metadata)
                        .setMemberAssignment(stable ? m.assignment : GroupMember.EMPTY));
                }
            }
            response.groups().add(described);
        }
        call.answer(response);
    }

    /**
     * Delete empty groups: each is marked dead at once (joins and commits are told to retry), its offsets and its
     * metadata get tombstones, one batch per group, and it is gone when they are committed. The answer waits for
     * every batch.
     */
    void delete(final GroupCall call)
    {
        final DeleteGroupsRequestData request = call.body();
        final DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        final Map<ClassicGroup, DeleteGroupsResponseData.DeletableGroupResult> deleting = new HashMap<>();
        for (final String groupId : request.groupsNames())
        {
            if (response.results().find(groupId) != null)
            {
                continue;
            }
            final DeleteGroupsResponseData.DeletableGroupResult result =
                new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(groupId);
            response.results().add(result);
            Errors error = coordinator.checkGroupId(groupId, true);
            final ClassicGroup group = error == Errors.NONE ? coordinator.groups.get(groupId) : null;
            if (error == Errors.NONE && (group == null || group.is(GroupState.DEAD)))
            {
                error = Errors.GROUP_ID_NOT_FOUND;
            }
            else if (error == Errors.NONE && (!group.is(GroupState.EMPTY) || !group.hasNoMembers()))
            {
                error = Errors.NON_EMPTY_GROUP;
            }
            result.setErrorCode(error.code());
            if (error == Errors.NONE)
            {
                deleting.put(group, result);
            }
        }
        final int[] outstanding = {deleting.size() + 1};
        final Runnable countDown = () ->
        {
            if (--outstanding[0] == 0)
            {
                call.answer(response);
            }
        };
        for (final Map.Entry<ClassicGroup, DeleteGroupsResponseData.DeletableGroupResult> e : deleting.entrySet())
        {
            final ClassicGroup group = e.getKey();
            final long emptiedAtMs = group.stateTimestampMs;
            final List<byte[][]> tombstones = new ArrayList<>();
            for (final TopicPartition tp : group.offsetPartitions())
            {
                tombstones.add(new byte[][] {GroupRecords.offsetKey(group.groupId, tp.topic(), tp.partition()), null});
            }
            tombstones.add(new byte[][] {GroupRecords.groupKey(group.groupId), null});
            group.transitionTo(GroupState.DEAD, coordinator.nowMs());
            final PendingAppend.Callback done = status ->
            {
                final Errors error = OffsetsLog.storeError(status);
                e.getValue().setErrorCode(error.code());
                if (error == Errors.NONE)
                {
                    group.offsets.clear();
                    if (coordinator.groups.get(group.groupId) == group)
                    {
                        coordinator.groups.remove(group.groupId);
                    }
                }
                else
                {
                    group.transitionTo(GroupState.EMPTY, emptiedAtMs);
                }
                countDown.run();
            };
            final int status = coordinator.append(group, GroupRecords.batch(coordinator.nowMs(), tombstones), done);
            if (status != ProduceStatus.OK)
            {
                done.onAppended(status);
            }
        }
        countDown.run();
    }
}
