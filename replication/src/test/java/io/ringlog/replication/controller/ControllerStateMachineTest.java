package io.ringlog.replication.controller;

import io.ringlog.replication.controller.ControllerCommand.AllocateProducerIds;
import io.ringlog.replication.controller.ControllerCommand.AlterConfigs;
import io.ringlog.replication.controller.ControllerCommand.AlterPartition;
import io.ringlog.replication.controller.ControllerCommand.BrokerHeartbeat;
import io.ringlog.replication.controller.ControllerCommand.ControlledShutdown;
import io.ringlog.replication.controller.ControllerCommand.CreatePartitions;
import io.ringlog.replication.controller.ControllerCommand.CreateTopic;
import io.ringlog.replication.controller.ControllerCommand.DeleteTopic;
import io.ringlog.replication.controller.ControllerCommand.ElectLeader;
import io.ringlog.replication.controller.ControllerCommand.FenceBroker;
import io.ringlog.replication.controller.ControllerCommand.UnregisterBroker;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.PartitionRegistration;
import io.ringlog.replication.metadata.TopicImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.ringlog.replication.controller.Fixtures.register;
import static io.ringlog.replication.controller.Fixtures.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ControllerStateMachineTest
{
    private final Fixtures.Driver d = new Fixtures.Driver();

    private MetadataImage image()
    {
        return d.machine.image();
    }

    private void refused(final ControllerCommand command, final ControllerError error)
    {
        final MetadataImage before = image();
        final ControllerResult result = d.apply(command);
        assertEquals(error, result.reply().error(), () -> command + " -> " + result.reply());
        assertFalse(result.reply().message().isEmpty());
        assertTrue(result.records().isEmpty());
        assertEquals(before, image());
    }

    @Test
    void registrationGivesGrowingEpochsAndIsIdempotentForTheSameIncarnation()
    {
        final long e0 = d.ok(register(0, null)).value();
        final long e1 = d.ok(register(1, null)).value();
        assertTrue(e1 > e0);
        final ControllerResult retry = d.apply(register(0, null));
        assertEquals(e0, retry.reply().value());
        assertTrue(retry.records().isEmpty());

        final long restarted = d.ok(register(0, 2, null)).value();
        assertTrue(restarted > e1);
        assertEquals(restarted, image().broker(0).brokerEpoch());
        assertFalse(image().broker(0).fenced());
        assertEquals(List.of(0, 1), image().liveBrokers().stream().map(b -> b.brokerId()).toList());
        refused(new ControllerCommand.RegisterBroker(-1, Fixtures.incarnation(1, 1), List.of(), null),
            ControllerError.INVALID_REQUEST);
    }

    @Test
    void createTopicPlacesRoundRobinAndWritesKraftRecords()
    {
        d.registerBrokers(3);
        final ControllerResult result = d.apply(new CreateTopic("orders", Fixtures.topicId("orders"), 6, 3,
            Map.of("cleanup.policy", "compact"), false));
        assertTrue(result.reply().isOk());
        assertEquals(6, result.reply().value());
        assertInstanceOf(MetadataRecord.TopicRecord.class, result.records().get(0));
        assertInstanceOf(MetadataRecord.ConfigRecord.class, result.records().get(1));
        assertEquals(8, result.records().size());

        final TopicImage t = image().topic("orders");
        assertEquals(t, image().topic(Fixtures.topicId("orders")));
        assertEquals("compact", t.configs().get("cleanup.policy"));
        final Map<Integer, Integer> leaders = new HashMap<>();
        for (final PartitionRegistration p : t.partitions())
        {
            assertEquals(3, new HashSet<>(p.replicas()).size());
            assertEquals(p.replicas(), p.isr());
            assertEquals(p.replicas().get(0), p.leader());
            assertEquals(0, p.leaderEpoch());
            leaders.merge(p.leader(), 1, Integer::sum);
        }
        assertEquals(Map.of(0, 2, 1, 2, 2, 2), leaders);
        assertEquals(image().position(), d.position);
    }

    @Test
    void placementStartDependsOnTheTopicId()
    {
        d.registerBrokers(5);
        final Set<Integer> firstLeaders = new HashSet<>();
        for (int i = 0; i < 20; i++)
        {
            d.ok(new CreateTopic("t" + i, new UUID(1 + i * 7919L, 1 + i * 104729L), 1, 2, Map.of(), false));
            firstLeaders.add(image().partition("t" + i, 0).leader());
        }
        assertTrue(firstLeaders.size() >= 3, "leaders of single-partition topics spread: " + firstLeaders);
    }

    @Test
    void rackAwarePlacementPutsReplicasOnDistinctRacks()
    {
        d.registerBrokers(6, "a", "b", "c");
        d.ok(topic("racked", 12, 3));
        for (final PartitionRegistration p : image().topic("racked").partitions())
        {
            final Set<String> racks = new HashSet<>();
            for (final int r : p.replicas())
            {
                racks.add(image().broker(r).rack());
            }
            assertEquals(3, racks.size(), p.toString());
        }
    }

    @Test
    void createTopicValidation()
    {
        d.registerBrokers(2);
        d.ok(topic("a.b", 1, 1));
        refused(topic("a.b", 1, 1), ControllerError.TOPIC_ALREADY_EXISTS);
        refused(topic("a_b", 1, 1), ControllerError.INVALID_TOPIC_EXCEPTION);
        refused(topic("bad name", 1, 1), ControllerError.INVALID_TOPIC_EXCEPTION);
        refused(topic("..", 1, 1), ControllerError.INVALID_TOPIC_EXCEPTION);
        refused(topic("", 1, 1), ControllerError.INVALID_TOPIC_EXCEPTION);
        refused(topic("x".repeat(250), 1, 1), ControllerError.INVALID_TOPIC_EXCEPTION);
        refused(topic("zero", 0, 1), ControllerError.INVALID_PARTITIONS);
        refused(topic("huge", ControllerStateMachine.MAX_PARTITIONS_PER_REQUEST + 1, 1),
            ControllerError.INVALID_PARTITIONS);
        refused(new CreatePartitions("a.b", Integer.MAX_VALUE, false), ControllerError.INVALID_PARTITIONS);
        refused(topic("rf0", 1, 0), ControllerError.INVALID_REPLICATION_FACTOR);
        final ControllerResult tooMany = d.apply(topic("rf3", 1, 3));
        assertEquals(ControllerError.INVALID_REPLICATION_FACTOR, tooMany.reply().error());
        assertEquals("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be " +
            "reached because only 2 broker(s) are registered.", tooMany.reply().message());
        refused(new CreateTopic("same-id", Fixtures.topicId("a.b"), 1, 1, Map.of(), false),
            ControllerError.INVALID_REQUEST);
        final Map<String, String> nullValue = new HashMap<>();
        nullValue.put("retention.ms", null);
        refused(new CreateTopic("nulls", Fixtures.topicId("nulls"), 1, 1, nullValue, false),
            ControllerError.INVALID_CONFIG);

        final ControllerResult validateOnly =
            d.apply(new CreateTopic("dry", Fixtures.topicId("dry"), 3, 2, Map.of(), true));
        assertTrue(validateOnly.reply().isOk());
        assertTrue(validateOnly.records().isEmpty());
        assertNull(image().topic("dry"));

        d.ok(new CreateTopic("defaults", Fixtures.topicId("defaults"), -1, -1, Map.of(), false));
        assertEquals(1, image().topic("defaults").partitions().size());
    }

    @Test
    void configValidatorIsConsulted()
    {
        final Fixtures.Driver v = new Fixtures.Driver(new ControllerStateMachine(MetadataImage.EMPTY,
            (topic, configs) -> configs.containsKey("bogus") ? "Unknown topic config name: bogus" : null, 1, 1));
        v.registerBrokers(1);
        final Reply reply = v.apply(new CreateTopic("t", Fixtures.topicId("t"), 1, 1, Map.of("bogus", "1"), false))
            .reply();
        assertEquals(ControllerError.INVALID_CONFIG, reply.error());
        assertEquals("Unknown topic config name: bogus", reply.message());
        v.ok(topic("t", 1, 1));
        assertEquals(ControllerError.INVALID_CONFIG, v.apply(new AlterConfigs("t", Map.of("bogus", "2"), Set.of(),
            false, false)).reply().error());
    }

    @Test
    void deleteTopicAndCreatePartitions()
    {
        d.registerBrokers(3);
        d.ok(topic("t", 2, 2));
        refused(new CreatePartitions("t", 1, false), ControllerError.INVALID_PARTITIONS);
        refused(new CreatePartitions("t", 2, false), ControllerError.INVALID_PARTITIONS);
        refused(new CreatePartitions("nope", 3, false), ControllerError.UNKNOWN_TOPIC_OR_PARTITION);
        assertTrue(d.apply(new CreatePartitions("t", 5, true)).records().isEmpty());
        assertEquals(2, image().topic("t").partitions().size());
        d.ok(new CreatePartitions("t", 5, false));
        assertEquals(5, image().topic("t").partitions().size());
        assertEquals(2, image().partition("t", 4).replicas().size());

        d.ok(new DeleteTopic("t"));
        assertNull(image().topic("t"));
        assertNull(image().topic(Fixtures.topicId("t")));
        refused(new DeleteTopic("t"), ControllerError.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void alterConfigsSetDeleteReplaceAll()
    {
        d.registerBrokers(1);
        d.ok(new CreateTopic("t", Fixtures.topicId("t"), 1, 1, Map.of("a", "1", "b", "2"), false));
        d.ok(new AlterConfigs("t", Map.of("c", "3"), Set.of("a"), false, false));
        assertEquals(Map.of("b", "2", "c", "3"), image().topic("t").configs());
        assertTrue(d.apply(new AlterConfigs("t", Map.of("d", "4"), Set.of(), true, true)).records().isEmpty());
        d.ok(new AlterConfigs("t", Map.of("d", "4"), Set.of(), true, false));
        assertEquals(Map.of("d", "4"), image().topic("t").configs());
        refused(new AlterConfigs("nope", Map.of(), Set.of(), false, false), ControllerError.UNKNOWN_TOPIC_OR_PARTITION);
        refused(new AlterConfigs("t", Map.of("x", "1"), Set.of("x"), false, false), ControllerError.INVALID_REQUEST);
    }

    @Test
    void fencingMovesLeadershipAndShrinksIsrButNeverEmptiesIt()
    {
        d.registerBrokers(3);
        d.ok(topic("t", 6, 2));
        d.ok(topic("solo", 3, 1));
        final MetadataImage before = image();
        final long epoch1 = before.broker(1).brokerEpoch();

        d.ok(new FenceBroker(1, epoch1));
        final MetadataImage after = image();
        assertTrue(after.broker(1).fenced());
        assertEquals(List.of(1), after.fencedBrokers());
        for (final TopicImage t : after.topics())
        {
            for (final PartitionRegistration p : t.partitions())
            {
                final PartitionRegistration old = before.partition(t.id(), p.partition());
                assertTrue(p.leaderEpoch() >= old.leaderEpoch());
                assertFalse(p.isr().isEmpty());
                if (old.leader() == 1)
                {
                    assertEquals(old.leaderEpoch() + 1, p.leaderEpoch());
                    assertEquals(old.partitionEpoch() + 1, p.partitionEpoch());
                    assertNotEquals(1, p.leader());
                    if (old.isr().size() == 1)
                    {
                        assertEquals(PartitionRegistration.NO_LEADER, p.leader());
                        assertEquals(List.of(1), p.isr(), "the last member stays");
                    }
                    else
                    {
                        assertTrue(p.isr().contains(p.leader()));
                        assertFalse(p.isr().contains(1));
                    }
                }
                else if (old.isr().contains(1))
                {
                    assertEquals(old.leader(), p.leader());
                    assertEquals(old.leaderEpoch(), p.leaderEpoch());
                    assertFalse(p.isr().contains(1));
                }
            }
        }
        assertFalse(after.offlinePartitions().isEmpty(), "solo partitions on broker 1 go offline");

        // fencing again is a no-op; a stale epoch is refused
        assertTrue(d.apply(new FenceBroker(1, epoch1)).records().isEmpty());
        refused(new FenceBroker(1, epoch1 - 1), ControllerError.STALE_BROKER_EPOCH);
        refused(new FenceBroker(9, 1), ControllerError.BROKER_ID_NOT_REGISTERED);

        // unfencing brings offline partitions back under broker 1 but does not move others back
        d.ok(new BrokerHeartbeat(1, epoch1, false));
        assertTrue(image().offlinePartitions().isEmpty());
        for (final PartitionRegistration p : image().topic("t").partitions())
        {
            assertNotEquals(1, p.leader());
        }
        for (final PartitionRegistration p : image().topic("solo").partitions())
        {
            final PartitionRegistration old = before.partition(p.topicId(), p.partition());
            if (old.leader() == 1)
            {
                assertEquals(1, p.leader());
                assertEquals(old.leaderEpoch() + 2, p.leaderEpoch(), "offline and back: two changes");
            }
        }
    }

    @Test
    void uncleanElectionOnlyWhereTheTopicAllowsIt()
    {
        d.registerBrokers(3);
        d.ok(new ControllerCommand.CreateTopic("clean", Fixtures.topicId("clean"), 1, 2, Map.of(), false));
        d.ok(new ControllerCommand.CreateTopic("dirty", Fixtures.topicId("dirty"), 1, 2,
            Map.of(ControllerStateMachine.UNCLEAN_LEADER_ELECTION_ENABLE, "true"), false));
        for (final String name : List.of("clean", "dirty"))
        {
            // The follower falls out of the ISR, then the leader dies: no in-sync replica is live.
            final PartitionRegistration p = image().topic(name).partition(0);
            final int leader = p.leader();
            final int follower = p.replicas().get(0) == leader ? p.replicas().get(1) : p.replicas().get(0);
            d.ok(new ControllerCommand.AlterPartition(leader, image().broker(leader).brokerEpoch(), p.topicId(), 0,
                p.leaderEpoch(), p.partitionEpoch(), List.of(leader)));
            d.ok(new FenceBroker(leader, image().broker(leader).brokerEpoch()));
            final PartitionRegistration after = image().topic(name).partition(0);
            if ("clean".equals(name))
            {
                assertEquals(PartitionRegistration.NO_LEADER, after.leader(), "clean: offline, the ISR waits");
                assertEquals(List.of(leader), after.isr());
            }
            else
            {
                assertEquals(follower, after.leader(), "unclean: the live out-of-sync replica leads");
                assertEquals(List.of(follower), after.isr(), "and the ISR starts again from it");
                assertEquals(p.leaderEpoch() + 1, after.leaderEpoch());
            }
            d.ok(new BrokerHeartbeat(leader, image().broker(leader).brokerEpoch(), false)); // back for the next topic
        }
    }

    @Test
    void aBrokerRestartedWithinItsLeaseLeadsAgainWhatItAloneHad()
    {
        d.registerBrokers(2);
        d.ok(topic("solo", 2, 1));
        final MetadataImage before = image();
        d.ok(register(0, 2, null)); // broker 0 again, a new incarnation, its old lease not lapsed yet
        for (final PartitionRegistration p : image().topic("solo").partitions())
        {
            final PartitionRegistration old = before.partition(p.topicId(), p.partition());
            assertEquals(old.leader(), p.leader(), "the only replica leads again, not offline");
            assertEquals(List.of(old.leader()), p.isr());
            assertTrue(old.leader() != 0 || p.leaderEpoch() > old.leaderEpoch(), "broker 0's: a new leader epoch");
        }
        assertTrue(image().offlinePartitions().isEmpty());
    }

    @Test
    void reRegistrationOfANewIncarnationFencesTheOldOneFirst()
    {
        d.registerBrokers(2);
        d.ok(topic("t", 4, 2));
        final long old = image().broker(0).brokerEpoch();
        final ControllerResult result = d.apply(register(0, 2, null));
        assertTrue(result.reply().value() > old);
        assertTrue(result.records().stream().anyMatch(r -> r instanceof MetadataRecord.BrokerRegistrationChangeRecord));
        for (final PartitionRegistration p : image().topic("t").partitions())
        {
            assertEquals(1, p.leader(), "leadership moved to broker 1 while 0 restarted");
        }
        refused(new AllocateProducerIds(0, old), ControllerError.STALE_BROKER_EPOCH);
    }

    @Test
    void controlledShutdownMovesLeadershipAndFences()
    {
        d.registerBrokers(3);
        d.ok(topic("t", 3, 3));
        final long epoch = image().broker(2).brokerEpoch();
        d.ok(new ControlledShutdown(2, epoch));
        assertTrue(image().broker(2).fenced());
        for (final PartitionRegistration p : image().topic("t").partitions())
        {
            assertNotEquals(2, p.leader());
            assertFalse(p.isr().contains(2));
        }
        refused(new ControlledShutdown(2, epoch + 1), ControllerError.STALE_BROKER_EPOCH);
    }

    @Test
    void heartbeatFencesAndUnfencesOnRequest()
    {
        d.registerBrokers(2);
        d.ok(topic("t", 2, 2));
        final long epoch = image().broker(0).brokerEpoch();
        assertEquals(1, d.ok(new BrokerHeartbeat(0, epoch, true)).value());
        assertTrue(image().broker(0).fenced());
        for (final PartitionRegistration p : image().topic("t").partitions())
        {
            assertEquals(1, p.leader());
            assertEquals(List.of(1), p.isr());
        }
        assertTrue(d.apply(new BrokerHeartbeat(0, epoch, true)).records().isEmpty(), "already fenced");
        assertEquals(0, d.ok(new BrokerHeartbeat(0, epoch, false)).value());
        assertFalse(image().broker(0).fenced());
        assertEquals(epoch, image().broker(0).brokerEpoch(), "unfencing keeps the epoch");
        refused(new BrokerHeartbeat(0, epoch + 1, false), ControllerError.STALE_BROKER_EPOCH);
        refused(new BrokerHeartbeat(5, 1, false), ControllerError.BROKER_ID_NOT_REGISTERED);
    }

    @Test
    void unregisterBroker()
    {
        d.registerBrokers(2);
        d.ok(topic("t", 2, 1));
        d.ok(new UnregisterBroker(1));
        assertNull(image().broker(1));
        refused(new UnregisterBroker(1), ControllerError.BROKER_ID_NOT_REGISTERED);
        final long highest = image().highestBrokerEpoch();
        assertTrue(d.ok(register(1, 3, null)).value() > highest, "epochs never repeat after unregistration");
    }

    @Test
    void alterPartitionIsCheckedAgainstEpochs()
    {
        final long lastEpoch = d.registerBrokers(3);
        d.ok(topic("t", 1, 3));
        final PartitionRegistration p = image().partition("t", 0);
        final int leader = p.leader();
        final long leaderBrokerEpoch = image().broker(leader).brokerEpoch();
        final List<Integer> shrunk = List.of(leader);
        final UUID id = p.topicId();

        refused(new AlterPartition(leader, leaderBrokerEpoch + 100, id, 0, 0, 0, shrunk),
            ControllerError.STALE_BROKER_EPOCH);
        refused(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 1, 0, shrunk), ControllerError.FENCED_LEADER_EPOCH);
        refused(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 7, shrunk),
            ControllerError.INVALID_UPDATE_VERSION);
        refused(new AlterPartition(leader, leaderBrokerEpoch, UUID.randomUUID(), 0, 0, 0, shrunk),
            ControllerError.UNKNOWN_TOPIC_ID);
        refused(new AlterPartition(leader, leaderBrokerEpoch, id, 5, 0, 0, shrunk),
            ControllerError.UNKNOWN_TOPIC_OR_PARTITION);
        final int follower = p.replicas().get(1);
        refused(new AlterPartition(follower, image().broker(follower).brokerEpoch(), id, 0, 0, 0, List.of(follower)),
            ControllerError.NOT_LEADER_OR_FOLLOWER);
        refused(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 0, List.of(99, leader)),
            ControllerError.INVALID_REQUEST);

        final Reply reply = d.ok(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 0, shrunk));
        assertEquals(1, reply.value());
        assertEquals(shrunk, image().partition("t", 0).isr());
        assertEquals(0, image().partition("t", 0).leaderEpoch());
        refused(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 0, p.replicas()),
            ControllerError.INVALID_UPDATE_VERSION);
        d.ok(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 1, p.replicas()));
        assertEquals(p.replicas(), image().partition("t", 0).isr());
        assertTrue(lastEpoch > 0);

        // a fenced replica cannot join the ISR
        d.ok(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 2, shrunk));
        d.ok(new FenceBroker(follower, image().broker(follower).brokerEpoch()));
        refused(new AlterPartition(leader, leaderBrokerEpoch, id, 0, 0, 3, List.of(leader, follower)),
            ControllerError.INELIGIBLE_REPLICA);
    }

    @Test
    void preferredAndUncleanElection()
    {
        d.registerBrokers(2);
        d.ok(topic("t", 1, 2));
        final PartitionRegistration p = image().partition("t", 0);
        final int preferred = p.preferredLeader();
        final int other = p.replicas().get(1);
        refused(new ElectLeader("t", 0, false), ControllerError.ELECTION_NOT_NEEDED);
        refused(new ElectLeader("t", 9, false), ControllerError.UNKNOWN_TOPIC_OR_PARTITION);

        final long preferredEpoch = image().broker(preferred).brokerEpoch();
        d.ok(new FenceBroker(preferred, preferredEpoch));
        assertEquals(other, image().partition("t", 0).leader());
        refused(new ElectLeader("t", 0, false), ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        d.ok(new BrokerHeartbeat(preferred, preferredEpoch, false));
        assertEquals(other, image().partition("t", 0).leader(), "unfencing does not move leadership back");
        // the preferred replica is not in the ISR until the leader adds it back
        refused(new ElectLeader("t", 0, false), ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        final PartitionRegistration q = image().partition("t", 0);
        d.ok(new AlterPartition(other, image().broker(other).brokerEpoch(), q.topicId(), 0, q.leaderEpoch(),
            q.partitionEpoch(), List.of(other, preferred)));
        final int epochBefore = image().partition("t", 0).leaderEpoch();
        assertEquals(preferred, d.ok(new ElectLeader("t", 0, false)).value());
        assertEquals(epochBefore + 1, image().partition("t", 0).leaderEpoch());

        // both replicas go; the last one in the ISR stays there; unclean election picks a live non-ISR replica
        d.ok(new FenceBroker(preferred, preferredEpoch));
        d.ok(new FenceBroker(other, image().broker(other).brokerEpoch()));
        final PartitionRegistration offline = image().partition("t", 0);
        assertTrue(offline.isOffline());
        assertEquals(1, offline.isr().size());
        final int lastInSync = offline.isr().get(0);
        final int outOfSync = lastInSync == preferred ? other : preferred;
        d.ok(register(outOfSync, 5, null));
        assertTrue(image().partition("t", 0).isOffline(), "an out-of-sync replica does not lead cleanly");
        refused(new ElectLeader("t", 0, false), ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        assertEquals(outOfSync, d.ok(new ElectLeader("t", 0, true)).value());
        assertEquals(List.of(outOfSync), image().partition("t", 0).isr());
        refused(new ElectLeader("t", 0, true), ControllerError.ELECTION_NOT_NEEDED);
    }

    @Test
    void producerIdBlocksAreUnique()
    {
        d.registerBrokers(2);
        final Set<Long> starts = new HashSet<>();
        for (int i = 0; i < 10; i++)
        {
            final int broker = i % 2;
            final long start = d.ok(new AllocateProducerIds(broker, image().broker(broker).brokerEpoch())).value();
            assertTrue(starts.add(start));
            assertEquals(0, start % ControllerStateMachine.PRODUCER_ID_BLOCK_SIZE);
        }
        assertEquals(10L * ControllerStateMachine.PRODUCER_ID_BLOCK_SIZE, image().nextProducerId());
        refused(new AllocateProducerIds(7, 1), ControllerError.BROKER_ID_NOT_REGISTERED);
    }

    @Test
    void leaderEpochsOnlyGrowThroughFencingChurn()
    {
        d.registerBrokers(4);
        d.ok(topic("t", 8, 3));
        final Map<Integer, Integer> last = new HashMap<>();
        for (int round = 0; round < 12; round++)
        {
            final int broker = round % 4;
            final long epoch = image().broker(broker).brokerEpoch();
            d.ok(new FenceBroker(broker, epoch));
            check(last);
            d.ok(register(broker, round + 2, null));
            check(last);
        }
    }

    private void check(final Map<Integer, Integer> last)
    {
        for (final PartitionRegistration p : image().topic("t").partitions())
        {
            final int previous = last.getOrDefault(p.partition(), 0);
            assertTrue(p.leaderEpoch() >= previous);
            last.put(p.partition(), p.leaderEpoch());
            assertFalse(p.isr().isEmpty());
            if (!p.isOffline())
            {
                assertTrue(p.isr().contains(p.leader()));
                assertFalse(image().broker(p.leader()).fenced());
            }
        }
    }
}
