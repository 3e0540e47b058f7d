package io.ringlog.broker.core.group;

import java.util.List;
import java.util.UUID;

/**
 * The consumer-group coordinator as an edge other than Kafka's sees it: membership (join, sync, heartbeat, leave)
 * and committed offsets, in plain values, answered later through an {@link Answer}. Error codes are Kafka's numbers
 * (the native protocol's too, see {@code core.errors.ErrorCodes}).
 * <p>
 * The coordinator behind it is the classic one, which today still speaks kafka-clients' generated classes and so
 * lives in the Kafka edge ({@code kafka.group}); the wiring hands its implementation to the native edge through
 * this interface, so the native edge never builds a Kafka request. When the coordinator's state machine moves into
 * the core, this interface stays.
 * <p>
 * Thread-safe: every method may be called from any thread and must not block; each answer arrives exactly once, on
 * whichever thread the coordinator answers from.
 */
public interface GroupCoordination
{
    /** Where an answer goes. Called exactly once, from any thread. */
    @FunctionalInterface
    interface Answer<T>
    {
        /**
         * @param answer the answer, or null with {@code failure}.
         * @param failure what went wrong when there is no answer (the coordinator is stopping, a bug), else null.
         */
        void complete(T answer, Throwable failure);
    }

    /**
     * JoinGroup with one protocol.
     *
     * @param clientId the client's id, for the member's id and DescribeGroups.
     */
    record Join(String groupId, String memberId, String clientId, int sessionTimeoutMs, int rebalanceTimeoutMs,
        String protocolType, String protocolName, byte[] protocolMetadata)
    {
    }

    /** JoinGroup's answer; members (ids and metadata, in step) are filled for the leader only. */
    record Joined(short errorCode, int generationId, String protocolName, String leaderId, String memberId,
        List<String> memberIds, List<byte[]> memberMetadata)
    {
    }

    /** SyncGroup; the leader sends every member's assignment, others none. */
    record Sync(String groupId, int generationId, String memberId, String clientId, String protocolType,
        String protocolName, List<String> assignedMemberIds, List<byte[]> assignments)
    {
    }

    /** SyncGroup's answer: this member's assignment, empty on error. */
    record Synced(short errorCode, byte[] assignment)
    {
    }

    /** An offset to commit for one partition of a topic named by id. */
    record Commit(String groupId, int generationId, String memberId, String clientId, UUID topicId, int partition,
        long offset, int leaderEpoch, String metadata)
    {
    }

    /** A committed offset, -1 when there is none. */
    record Committed(short errorCode, long offset, int leaderEpoch, String metadata)
    {
    }

    void join(Join request, Answer<? super Joined> answer);

    void sync(Sync request, Answer<? super Synced> answer);

    /** @param answer the error code, NONE when the member is in the current generation and no rebalance is due. */
    void heartbeat(String groupId, int generationId, String memberId, String clientId, Answer<? super Short> answer);

    /** @param answer the member's error code. */
    void leave(String groupId, String memberId, String clientId, String reason, Answer<? super Short> answer);

    /** @param answer the partition's error code, NONE once the offset is committed. */
    void commitOffset(Commit request, Answer<? super Short> answer);

    void fetchOffset(String groupId, UUID topicId, int partition, String clientId, Answer<? super Committed> answer);
}
