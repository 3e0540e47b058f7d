package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.HeartbeatRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.HeartbeatResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.LeaveGroupResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetCommitResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.OffsetFetchResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupResponseDecoder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group calls over the native protocol, served by the same coordinator as Kafka clients: what a native member
 * does is what the Kafka admin client sees.
 */
@Timeout(60)
class NativeGroupTest
{
    @TempDir
    Path dir;

    @Test
    void aNativeMemberJoinsSyncsCommitsAndLeaves() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir); NativeTestClient client = broker.client();
            Admin admin = broker.admin())
        {
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "grouped");
            // Kafka's ConsumerProtocol bytes, so Kafka's admin client can read what a native member stored.
            final byte[] subscription = bytes(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of("grouped"))));

            // First join: the coordinator hands out a member id and asks to come back with it (KIP-394).
            JoinGroupResponseDecoder join = join(client, "g1", "", subscription);
            assertEquals(NativeErrors.MEMBER_ID_REQUIRED, join.errorCode());
            final String memberId = memberIdOf(join);
            assertTrue(memberId.startsWith("native-test"), memberId);

            join = join(client, "g1", memberId, subscription);
            assertEquals(NativeErrors.NONE, join.errorCode());
            final int generation = join.generationId();
            final JoinGroupResponseDecoder.MembersDecoder members = join.members();
            assertEquals(1, members.count(), "the leader sees every member");
            final JoinGroupResponseDecoder.MembersDecoder member = members.next();
            assertEquals(memberId, member.memberId());
            final byte[] metadata = new byte[member.metadataLength()];
            member.getMetadata(metadata, 0, metadata.length);
            assertArrayEquals(subscription, metadata);
            assertEquals("range", join.protocolName());
            assertEquals(memberId, join.leaderId());

            final byte[] assignment = bytes(ConsumerProtocol.serializeAssignment(
                new ConsumerPartitionAssignor.Assignment(List.of(new TopicPartition("grouped", 0)))));
            final SyncGroupResponseDecoder sync = sync(client, "g1", generation, memberId, assignment);
            assertEquals(NativeErrors.NONE, sync.errorCode());
            final byte[] got = new byte[sync.assignmentLength()];
            sync.getAssignment(got, 0, got.length);
            assertArrayEquals(assignment, got);
            assertEquals(NativeErrors.NONE, heartbeat(client, "g1", generation, memberId).errorCode());
            assertEquals(NativeErrors.ILLEGAL_GENERATION, heartbeat(client, "g1", generation + 5, memberId).errorCode());

            assertEquals(NativeErrors.NONE, commit(client, topic, "g1", generation, memberId, 42, "meta").errorCode());
            final OffsetFetchResponseDecoder fetched = fetch(client, topic, "g1");
            assertEquals(NativeErrors.NONE, fetched.errorCode());
            assertEquals(42, fetched.committedOffset());
            assertEquals("meta", fetched.metadata());
            final Map<TopicPartition, OffsetAndMetadata> seenByKafka =
                admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get();
            assertEquals(42, seenByKafka.get(new TopicPartition("grouped", 0)).offset());
            final ConsumerGroupDescription described = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
            assertEquals(1, described.members().size());
            assertEquals(Set.of(new TopicPartition("grouped", 0)),
                described.members().iterator().next().assignment().topicPartitions());

            assertEquals(NativeErrors.NONE, leave(client, "g1", memberId).errorCode());
            assertEquals(0, admin.describeConsumerGroups(List.of("g1")).all().get().get("g1").members().size());

            // Outside a generation (a consumer that assigns itself): the group only holds offsets.
            assertEquals(NativeErrors.NONE, commit(client, topic, "solo", -1, "", 7, "").errorCode());
            assertEquals(7, fetch(client, topic, "solo").committedOffset());
            assertEquals(-1, fetch(client, topic, "never").committedOffset(), "nothing committed");
        }
    }

    private static byte[] bytes(final ByteBuffer buffer)
    {
        final byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        return b;
    }

    private static JoinGroupResponseDecoder join(final NativeTestClient client, final String group,
        final String memberId, final byte[] subscription)
    {
        final long correlationId = client.nextCorrelationId();
        final JoinGroupRequestEncoder e = new JoinGroupRequestEncoder()
            .wrapAndApplyHeader(client.scratch(), 0, client.headerEncoder())
            .sessionId(client.sessionId).correlationId(correlationId).sessionTimeoutMs(10_000).rebalanceTimeoutMs(10_000)
            .groupId(group).memberId(memberId).protocolType("consumer").protocolName("range")
            .putProtocolMetadata(subscription, 0, subscription.length);
        client.send(client.scratch(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return client.answer(correlationId, JoinGroupResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new JoinGroupResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new JoinGroupResponseDecoder()::wrapAndApplyHeader);
    }

    /** The member id of a JoinGroupResponse: its var-length fields are read in order, members first. */
    private static String memberIdOf(final JoinGroupResponseDecoder join)
    {
        for (final JoinGroupResponseDecoder.MembersDecoder m : join.members())
        {
            m.skipMemberId();
            m.skipMetadata();
        }
        join.skipProtocolName();
        join.skipLeaderId();
        return join.memberId();
    }

    private static SyncGroupResponseDecoder sync(final NativeTestClient client, final String group,
        final int generation, final String memberId, final byte[] assignment)
    {
        final long correlationId = client.nextCorrelationId();
        final SyncGroupRequestEncoder e = new SyncGroupRequestEncoder()
            .wrapAndApplyHeader(client.scratch(), 0, client.headerEncoder())
            .sessionId(client.sessionId).correlationId(correlationId).generationId(generation);
        e.assignmentsCount(1).next().memberId(memberId).putAssignment(assignment, 0, assignment.length);
        e.groupId(group).memberId(memberId).protocolType("consumer").protocolName("range");
        client.send(client.scratch(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return client.answer(correlationId, SyncGroupResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new SyncGroupResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new SyncGroupResponseDecoder()::wrapAndApplyHeader);
    }

    private static HeartbeatResponseDecoder heartbeat(final NativeTestClient client, final String group,
        final int generation, final String memberId)
    {
        final long correlationId = client.nextCorrelationId();
        final HeartbeatRequestEncoder e = new HeartbeatRequestEncoder()
            .wrapAndApplyHeader(client.scratch(), 0, client.headerEncoder())
            .sessionId(client.sessionId).correlationId(correlationId).generationId(generation)
            .groupId(group).memberId(memberId);
        client.send(client.scratch(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return client.answer(correlationId, HeartbeatResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new HeartbeatResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new HeartbeatResponseDecoder()::wrapAndApplyHeader);
    }

    private static OffsetCommitResponseDecoder commit(final NativeTestClient client, final NativeTestClient.Topic topic,
        final String group, final int generation, final String memberId, final long offset, final String metadata)
    {
        final long correlationId = client.nextCorrelationId();
        final OffsetCommitRequestEncoder e = new OffsetCommitRequestEncoder()
            .wrapAndApplyHeader(client.scratch(), 0, client.headerEncoder())
            .sessionId(client.sessionId).correlationId(correlationId).topicIdMsb(topic.msb()).topicIdLsb(topic.lsb())
            .partition(0).committedOffset(offset).leaderEpoch(-1).generationId(generation)
            .groupId(group).memberId(memberId).metadata(metadata);
        client.send(client.scratch(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return client.answer(correlationId, OffsetCommitResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new OffsetCommitResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new OffsetCommitResponseDecoder()::wrapAndApplyHeader);
    }

    private static OffsetFetchResponseDecoder fetch(final NativeTestClient client, final NativeTestClient.Topic topic,
        final String group)
    {
        final long correlationId = client.nextCorrelationId();
        final OffsetFetchRequestEncoder e = new OffsetFetchRequestEncoder()
            .wrapAndApplyHeader(client.scratch(), 0, client.headerEncoder())
            .sessionId(client.sessionId).correlationId(correlationId).topicIdMsb(topic.msb()).topicIdLsb(topic.lsb())
            .partition(0).groupId(group);
        client.send(client.scratch(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return client.answer(correlationId, OffsetFetchResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new OffsetFetchResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new OffsetFetchResponseDecoder()::wrapAndApplyHeader);
    }

    private static LeaveGroupResponseDecoder leave(final NativeTestClient client, final String group,
        final String memberId)
    {
        final long correlationId = client.nextCorrelationId();
        final LeaveGroupRequestEncoder e = new LeaveGroupRequestEncoder()
            .wrapAndApplyHeader(client.scratch(), 0, client.headerEncoder())
            .sessionId(client.sessionId).correlationId(correlationId).groupId(group).memberId(memberId);
        client.send(client.scratch(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return client.answer(correlationId, LeaveGroupResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new LeaveGroupResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new LeaveGroupResponseDecoder()::wrapAndApplyHeader);
    }
}
