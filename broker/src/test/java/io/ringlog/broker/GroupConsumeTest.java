package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kafka-clients consumers (classic protocol) sharing topics in groups on a real broker: every record read once
 * across the group with commits, members leaving and joining, a member that stalls past its poll interval.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupConsumeTest
{
    static final String[] BROKER_SETTINGS = {
        "group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=500"};

    private TestBroker broker;

    @BeforeAll
    void start(@TempDir final Path dir) throws Exception
    {
        broker = new TestBroker(dir, BROKER_SETTINGS);
    }

    @AfterAll
    void stop()
    {
        broker.close();
    }

    static Object[] fastGroup(final String group, final Object... more)
    {
        final List<Object> settings = new ArrayList<>(List.of(
            ConsumerConfig.GROUP_ID_CONFIG, group,
            ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3_000,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 100,
            ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1_000));
        settings.addAll(List.of(more));
        return settings.toArray();
    }

    @Test
    void threeMembersReadEveryRecordOnceThroughLeavesAndJoins() throws Exception
    {
        final String topic = "shared";
        createTopic(topic, 6);
        final Map<String, Integer> seen = GroupMemberThread.newSeenMap();
        final List<GroupMemberThread> members = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer())
        {
            Clients.sendNumbered(producer, topic, 6, 0, 3_000);
            producer.flush();
            for (int i = 0; i < 3; i++)
            {
                members.add(member("m" + i, topic, "g-shared", seen));
            }
            awaitAssignment(members, 6, 2);
            Conditions.await("3000 records read", Duration.ofSeconds(30), () -> seen.size() == 3_000);

            members.remove(0).close(); // leaves the group
            awaitAssignment(members, 6, 3);
            Clients.sendNumbered(producer, topic, 6, 3_000, 4_500);
            producer.flush();
            members.add(member("m3", topic, "g-shared", seen)); // joins
            awaitAssignment(members, 6, 2);
            Clients.sendNumbered(producer, topic, 6, 4_500, 6_000);
            producer.flush();
            Conditions.await("6000 records read", Duration.ofSeconds(30), () -> seen.size() == 6_000);
        }
        finally
        {
            for (final GroupMemberThread m : members)
            {
                m.close();
            }
        }
        assertEquals(List.of(), GroupMemberThread.allErrors(members));
        seen.forEach((value, times) -> assertEquals(1, times, value + " read " + times + " times"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"range", "roundrobin", "sticky", "cooperative-sticky"})
    void everyAssignorGivesAValidAssignmentAndCooperativeRevokesOnlyWhatMoves(final String assignor) throws Exception
    {
        final String topic = "assign-" + assignor;
        createTopic(topic, 6);
        final Map<String, Integer> seen = GroupMemberThread.newSeenMap();
        final List<GroupMemberThread> members = new ArrayList<>();
        final Object[] strategy = {ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignorClass(assignor)};
        try
        {
            for (int i = 0; i < 3; i++)
            {
                members.add(member(assignor + i, topic, "g-" + assignor, seen, strategy));
            }
            awaitAssignment(members, 6, 2);
            final List<Set<TopicPartition>> before = new ArrayList<>();
            final List<Integer> revokedBefore = new ArrayList<>();
            for (final GroupMemberThread m : members)
            {
                before.add(m.assignment());
                revokedBefore.add(m.revocations.size());
            }
            members.add(member(assignor + 3, topic, "g-" + assignor, seen, strategy));
            awaitAssignment(members, 6, 2);
            Conditions.await("the new member holds partitions", Duration.ofSeconds(30),
                () -> !members.get(3).assignment().isEmpty());
            int revoked = 0;
            for (int i = 0; i < 3; i++)
            {
                final GroupMemberThread m = members.get(i);
                final Set<TopicPartition> moved = new HashSet<>(before.get(i));
                moved.removeAll(m.assignment());
                for (final Set<TopicPartition> r : m.revocations.subList(revokedBefore.get(i), m.revocations.size()))
                {
                    revoked += r.size();
                    if (assignor.startsWith("cooperative"))
                    {
                        assertTrue(moved.containsAll(r), m.name + " revoked " + r + " but only " + moved + " moved");
                    }
                }
            }
            if (assignor.startsWith("cooperative"))
            {
                assertEquals(members.get(3).assignment().size(), revoked, "only the partitions that moved were revoked");
            }
            else
            {
                assertEquals(6, revoked, "an eager rebalance revokes everything first");
            }
        }
        finally
        {
            for (final GroupMemberThread m : members)
            {
                m.close();
            }
        }
        assertEquals(List.of(), GroupMemberThread.allErrors(members));
    }

    private static String assignorClass(final String name)
    {
        return switch (name)
        {
            case "range" -> "org.apache.kafka.clients.consumer.RangeAssignor";
            case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
            case "sticky" -> "org.apache.kafka.clients.consumer.StickyAssignor";
            default -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
        };
    }

    @Test
    void aKilledMemberIsExpelledAfterItsSessionTimeout() throws Exception
    {
        final String topic = "killed";
        createTopic(topic, 4);
        final int sessionTimeoutMs = 1_500;
        final Map<String, Integer> seen = GroupMemberThread.newSeenMap();
        final Process other = GroupMemberProcess.start(broker.bootstrap(), topic, "g-killed", sessionTimeoutMs);
        final AtomicInteger otherHolds = new AtomicInteger(-1);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    if (line.startsWith("ASSIGNED "))
                    {
                        otherHolds.set(Integer.parseInt(line.substring(9).trim()));
                    }
                }
            }
            catch (final java.io.IOException ex)
            {
                // the process is gone
            }
        }, "group-member-process-stdout");
        reader.setDaemon(true);
        reader.start();
        try (GroupMemberThread local = member("local", topic, "g-killed", seen))
        {
            Conditions.await("the member process holds 2 partitions", Duration.ofSeconds(45),
                () -> otherHolds.get() == 2 && local.assignment().size() == 2);
            final long killedAt = System.nanoTime();
            other.destroyForcibly(); // SIGKILL: no LeaveGroup, no more heartbeats
            assertTrue(other.waitFor(10, TimeUnit.SECONDS));
            Conditions.await("the survivor holds all 4 partitions", Duration.ofSeconds(20),
                () -> local.assignment().size() == 4);
            final long ms = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(ms >= sessionTimeoutMs - 500, "expelled only once its session expired: " + ms + " ms");
            assertTrue(ms < sessionTimeoutMs + 5_000, "expelled soon after its session expired: " + ms + " ms");
            assertEquals(List.of(), local.errors);
        }
        finally
        {
            other.destroyForcibly();
        }
    }

    @Test
    void aStalledMemberIsDroppedAfterItsPollIntervalAndTheOthersTakeOver() throws Exception
    {
        final String topic = "stalled";
        createTopic(topic, 4);
        final Map<String, Integer> seen = GroupMemberThread.newSeenMap();
        try (GroupMemberThread stuck = member("stuck", topic, "g-stalled", seen,
            ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 2_000);
            GroupMemberThread healthy = member("healthy", topic, "g-stalled", seen,
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 2_000))
        {
            awaitAssignment(List.of(stuck, healthy), 4, 2);
            stuck.stall(); // its poll thread stops: it cannot rejoin when the group rebalances
            try (GroupMemberThread joiner = member("joiner", topic, "g-stalled", seen,
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 2_000))
            {
                Conditions.await("the live members hold all 4 partitions", Duration.ofSeconds(20), () ->
                {
                    final Set<TopicPartition> all = new HashSet<>(healthy.assignment());
                    all.addAll(joiner.assignment());
                    return all.size() == 4 && healthy.assignment().size() + joiner.assignment().size() == 4;
                });
                stuck.resume();
                assertEquals(List.of(), healthy.errors);
                assertEquals(List.of(), joiner.errors);
            }
        }
    }

    @Test
    void autoOffsetResetOnCommitsOutOfRangeAndOnNoCommit() throws Exception
    {
        final String topic = "reset";
        createTopic(topic, 1);
        final TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = broker.producer())
        {
            Clients.sendNumbered(producer, topic, 1, 0, 100);
            producer.flush();
        }
        try (Admin admin = broker.admin())
        {
            for (final String group : List.of("g-past-earliest", "g-past-latest", "g-past-none"))
            {
                admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(1_000))).all().get();
            }
        }
        assertEquals(0, firstOffsetRead("g-past-earliest", "earliest"), "past the end, earliest: from the start");
        try (KafkaProducer<String, String> producer = broker.producer();
            KafkaConsumer<String, String> consumer = broker.consumer(fastGroup("g-past-latest",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest")))
        {
            consumer.subscribe(List.of(topic));
            Conditions.await("reset to the end", Duration.ofSeconds(30), () ->
            {
                consumer.poll(Duration.ofMillis(50));
                return !consumer.assignment().isEmpty() && consumer.position(tp) == 100;
            });
            Clients.sendNumbered(producer, topic, 1, 100, 110);
            producer.flush();
            final List<ConsumerRecord<String, String>> read = new ArrayList<>();
            Conditions.await("the 10 new records", Duration.ofSeconds(30), () ->
            {
                consumer.poll(Duration.ofMillis(50)).forEach(read::add);
                return read.size() >= 10;
            });
            assertEquals(100, read.get(0).offset(), "past the end, latest: only what comes next");
            assertEquals(10, read.size());
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(fastGroup("g-past-none",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")))
        {
            consumer.subscribe(List.of(topic));
            assertPollThrows(OffsetOutOfRangeException.class, consumer);
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(fastGroup("g-no-commit",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")))
        {
            consumer.subscribe(List.of(topic));
            assertPollThrows(NoOffsetForPartitionException.class, consumer);
        }
        try (Admin admin = broker.admin())
        {
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(50))).all().get();
            admin.alterConsumerGroupOffsets("g-below", Map.of(tp, new OffsetAndMetadata(10))).all().get();
        }
        assertEquals(50, firstOffsetRead("g-below", "earliest"), "below the log start, earliest: the log start");
    }

    /** Poll (for up to 30 s) until the consumer throws; it must throw {@code expected}. */
    private static void assertPollThrows(final Class<? extends Throwable> expected,
        final KafkaConsumer<String, String> consumer)
    {
        assertThrows(expected, () ->
        {
            for (int i = 0; i < 300; i++)
            {
                consumer.poll(Duration.ofMillis(100));
            }
        });
    }

    private long firstOffsetRead(final String group, final String reset)
    {
        try (KafkaConsumer<String, String> consumer = broker.consumer(fastGroup(group,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset)))
        {
            consumer.subscribe(List.of("reset"));
            final List<ConsumerRecord<String, String>> read = new ArrayList<>();
            Conditions.await(group + " reads", Duration.ofSeconds(30), () ->
            {
                consumer.poll(Duration.ofMillis(50)).forEach(read::add);
                return !read.isEmpty();
            });
            return read.get(0).offset();
        }
    }

    private GroupMemberThread member(final String name, final String topic, final String group,
        final Map<String, Integer> seen, final Object... more)
    {
        return new GroupMemberThread(name, () -> broker.consumer(fastGroup(group, more)), topic, seen);
    }

    /** Wait until the members hold every one of {@code partitions} partitions exactly once, each holding at most {@code max}. */
    static void awaitAssignment(final List<GroupMemberThread> members, final int partitions, final int max)
    {
        Conditions.await("an assignment of " + partitions + " partitions over " + members.size() + " members",
            Duration.ofSeconds(30), () ->
            {
                final Set<TopicPartition> all = new HashSet<>();
                int total = 0;
                for (final GroupMemberThread m : members)
                {
                    final Set<TopicPartition> a = m.assignment();
                    if (a.size() > max)
                    {
                        return false;
                    }
                    all.addAll(a);
                    total += a.size();
                }
                return all.size() == partitions && total == partitions;
            });
    }

    private void createTopic(final String topic, final int partitions) throws Exception
    {
        try (Admin admin = broker.admin())
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1))).all().get();
        }
        assertTrue(broker.broker.partitions().partition(topic, partitions - 1) != null);
    }
}
