package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AdminClient's consumer-group operations against a real broker: list, describe, list offsets, alter offsets,
 * delete offsets, delete groups, each on an active group (where Kafka refuses most of them) and on an empty one.
 */
@Timeout(90)
@SuppressWarnings("deprecation") // listConsumerGroups: the issue asks for it by name; listGroups is checked too
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupAdminTest
{
    private TestBroker broker;

    @BeforeAll
    void start(@TempDir final Path dir) throws Exception
    {
        broker = new TestBroker(dir, GroupConsumeTest.BROKER_SETTINGS);
    }

    @AfterAll
    void stop()
    {
        broker.close();
    }

    @Test
    void adminManagesGroupsAndTheirOffsets() throws Exception
    {
        final String topic = "admin-groups";
        final TopicPartition p0 = new TopicPartition(topic, 0);
        final TopicPartition p1 = new TopicPartition(topic, 1);
        final TopicPartition p2 = new TopicPartition(topic, 2);
        try (Admin admin = broker.admin(); KafkaProducer<String, String> producer = broker.producer())
        {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short)1))).all().get();
            Clients.sendNumbered(producer, topic, 3, 0, 30);
            producer.flush();
            final Map<String, Integer> seen = GroupMemberThread.newSeenMap();
            try (GroupMemberThread member = new GroupMemberThread("admin-member",
                () -> broker.consumer(GroupConsumeTest.fastGroup("g-admin",
                    ConsumerConfig.CLIENT_ID_CONFIG, "admin-member-client")), topic, seen))
            {
                Conditions.await("30 records read and committed", Duration.ofSeconds(30), () -> seen.size() == 30 &&
                    committed(admin, "g-admin").values().stream().mapToLong(OffsetAndMetadata::offset).sum() == 30);

                final GroupListing listed = listing(admin, "g-admin");
                assertEquals(GroupState.STABLE, listed.groupState().orElseThrow());
                assertEquals("consumer", listed.protocol());
                assertEquals(GroupState.STABLE, admin.listConsumerGroups().all().get().stream()
                    .filter(g -> g.groupId().equals("g-admin")).findFirst().orElseThrow().groupState().orElseThrow());
                final ConsumerGroupDescription described =
                    admin.describeConsumerGroups(List.of("g-admin")).all().get().get("g-admin");
                assertEquals(GroupState.STABLE, described.groupState());
                assertEquals("range", described.partitionAssignor());
                assertEquals(1, described.coordinator().id());
                assertEquals(1, described.members().size());
                final MemberDescription m = described.members().iterator().next();
                assertEquals("admin-member-client", m.clientId());
                assertEquals(Set.of(p0, p1, p2), m.assignment().topicPartitions());
                assertEquals(Map.of(p0, 10L, p1, 10L, p2, 10L), offsets(committed(admin, "g-admin")));

                assertCause(GroupSubscribedToTopicException.class,
                    () -> admin.deleteConsumerGroupOffsets("g-admin", Set.of(p0)).all().get());
                assertCause(UnknownMemberIdException.class,
                    () -> admin.alterConsumerGroupOffsets("g-admin", Map.of(p0, new OffsetAndMetadata(1))).all().get());
                assertCause(GroupNotEmptyException.class,
                    () -> admin.deleteConsumerGroups(List.of("g-admin")).all().get());
            }

            Conditions.await("the group is empty", Duration.ofSeconds(10),
                () -> listing(admin, "g-admin").groupState().orElseThrow() == GroupState.EMPTY);
            admin.alterConsumerGroupOffsets("g-admin", Map.of(p0, new OffsetAndMetadata(2, "note"))).all().get();
            final Map<TopicPartition, OffsetAndMetadata> altered = committed(admin, "g-admin");
            assertEquals(Map.of(p0, 2L, p1, 10L, p2, 10L), offsets(altered));
            assertEquals("note", altered.get(p0).metadata());
            admin.deleteConsumerGroupOffsets("g-admin", Set.of(p1)).all().get();
            assertEquals(Map.of(p0, 2L, p2, 10L), offsets(committed(admin, "g-admin")));
            final ConsumerGroupDescription empty = admin.describeConsumerGroups(List.of("g-admin")).all().get()
                .get("g-admin");
            assertEquals(GroupState.EMPTY, empty.groupState());
            assertTrue(empty.members().isEmpty());

            admin.deleteConsumerGroups(List.of("g-admin")).all().get();
            assertFalse(groupIds(admin).contains("g-admin"));
            assertTrue(committed(admin, "g-admin").isEmpty());
            assertCause(GroupIdNotFoundException.class,
                () -> admin.deleteConsumerGroups(List.of("g-admin")).all().get());
            assertCause(GroupIdNotFoundException.class,
                () -> admin.describeConsumerGroups(List.of("g-admin")).all().get());
        }
    }

    static Map<TopicPartition, OffsetAndMetadata> committed(final Admin admin, final String group)
    {
        try
        {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
        catch (final InterruptedException | ExecutionException ex)
        {
            throw new AssertionError(ex);
        }
    }

    static Map<TopicPartition, Long> offsets(final Map<TopicPartition, OffsetAndMetadata> committed)
    {
        return committed.entrySet().stream().filter(e -> e.getValue() != null)
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static GroupListing listing(final Admin admin, final String group)
    {
        try
        {
            return admin.listGroups().all().get().stream().filter(g -> g.groupId().equals(group)).findFirst()
                .orElseThrow(() -> new AssertionError(group + " is not listed"));
        }
        catch (final InterruptedException | ExecutionException ex)
        {
            throw new AssertionError(ex);
        }
    }

    static Set<String> groupIds(final Admin admin) throws Exception
    {
        return admin.listGroups().all().get().stream().map(GroupListing::groupId).collect(Collectors.toSet());
    }

    private static void assertCause(final Class<? extends Throwable> expected,
        final org.junit.jupiter.api.function.Executable call)
    {
        final ExecutionException ex = assertThrows(ExecutionException.class, call);
        assertInstanceOf(expected, ex.getCause(), ex.toString());
    }
}
