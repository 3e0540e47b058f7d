package io.ringlog.replication.controller;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
import io.ringlog.replication.controller.ControllerCommand.RegisterBroker;
import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.MetadataSnapshot;
import io.ringlog.replication.metadata.PartitionRegistration;
import io.ringlog.replication.metadata.RecordCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.ringlog.replication.controller.Fixtures.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster id the quorum holds (committed once, by the first registration that brings one) and rack placement. */
@Timeout(10)
class ClusterIdAndRackTest
{
    private final Fixtures.Driver d = new Fixtures.Driver();

    private static RegisterBroker register(final int brokerId, final int generation, final String clusterId,
        final boolean stored, final String rack)
    {
        return new RegisterBroker(brokerId, Fixtures.incarnation(brokerId, generation),
            List.of(new Endpoint("PLAINTEXT", "host" + brokerId, 9092, "PLAINTEXT")), rack, clusterId, stored);
    }

    @Test
    void theFirstRegistrationsClusterIdIsCommittedOnceAndAMismatchIsRefusedNamingBoth()
    {
        assertNull(d.machine.image().clusterId());
        // A new broker proposes an id: the quorum has none, so it is the cluster's, in one ClusterIdRecord.
        final ControllerResult first = d.apply(register(1, 1, "first-id", false, null));
        assertTrue(first.reply().isOk());
        assertInstanceOf(MetadataRecord.ClusterIdRecord.class, first.records().get(0));
        assertEquals("first-id", d.machine.image().clusterId());

        // Another new broker proposes its own: it is only a proposal, the broker joins and adopts the quorum's.
        final ControllerResult second = d.apply(register(2, 1, "second-id", false, null));
        assertTrue(second.reply().isOk());
        assertTrue(second.records().stream().noneMatch(r -> r instanceof MetadataRecord.ClusterIdRecord));
        assertEquals("first-id", d.machine.image().clusterId());

        // A broker whose meta.properties has the cluster's id comes back: fine.
        assertTrue(d.apply(register(1, 2, "first-id", true, null)).reply().isOk());

        // A broker whose meta.properties names another cluster: refused, both ids named, nothing changed.
        final MetadataImage before = d.machine.image();
        final ControllerResult foreign = d.apply(register(3, 1, "other-cluster", true, null));
        assertEquals(ControllerError.INCONSISTENT_CLUSTER_ID, foreign.reply().error());
        assertTrue(foreign.reply().message().contains("other-cluster") &&
            foreign.reply().message().contains("first-id"), foreign.reply().message());
        assertTrue(foreign.records().isEmpty());
        assertEquals(before, d.machine.image());

        // A registration that brings no id (an older broker) neither sets nor checks it.
        assertTrue(d.apply(new RegisterBroker(4, Fixtures.incarnation(4, 1),
            List.of(new Endpoint("PLAINTEXT", "h", 1, "PLAINTEXT")), null)).reply().isOk());
        assertEquals("first-id", d.machine.image().clusterId());
    }

    @Test
    void aStoredIdOnAnEmptyQuorumBecomesTheClustersAsASingleNodeDataDirectoryMigrates()
    {
        assertTrue(d.apply(register(1, 1, "kept-from-meta-properties", true, null)).reply().isOk());
        assertEquals("kept-from-meta-properties", d.machine.image().clusterId());
    }

    @Test
    void theClusterIdSurvivesSnapshotsAndTheCodecs()
    {
        d.ok(register(1, 1, "abc", false, "r1"));
        final MetadataImage image = d.machine.image();
        assertEquals(image, MetadataSnapshot.load(MetadataSnapshot.write(image)));
        assertEquals("abc", MetadataSnapshot.load(MetadataSnapshot.write(image)).clusterId());

        final BufferWriter w = new BufferWriter(256);
        final RegisterBroker command = register(7, 1, "xyz", true, "rack-a");
        CommandCodec.encode(command, w);
        assertEquals(command, CommandCodec.decode(new BufferReader(w.buffer(), 0, w.position())));

        w.reset();
        RecordCodec.encode(new MetadataRecord.ClusterIdRecord("xyz"), w);
        assertEquals(new MetadataRecord.ClusterIdRecord("xyz"),
            RecordCodec.decode(new BufferReader(w.buffer(), 0, w.position())));
    }

    @Test
    void aRegistrationWrittenBeforeTheClusterIdDecodesWithNone()
    {
        // the version-0 body of RegisterBroker: id, incarnation, endpoints, rack, and nothing after
        final BufferWriter w = new BufferWriter(256);
        w.putShort(CommandCodec.REGISTER_BROKER).putShort((short)0).putInt(0);
        final int bodyStart = w.position();
        w.putInt(5).putUuid(Fixtures.incarnation(5, 1));
        RecordCodec.putEndpoints(w, List.of(new Endpoint("PLAINTEXT", "h", 1, "PLAINTEXT")));
        w.putString("rack-b");
        w.putIntAt(4, w.position() - bodyStart);
        final RegisterBroker decoded = (RegisterBroker)CommandCodec.decode(new BufferReader(w.buffer(), 0, w.position()));
        assertEquals("rack-b", decoded.rack());
        assertNull(decoded.clusterId());
    }

    @Test
    void racksAreRegisteredAndEveryPartitionSpansAsManyRacksAsItCan()
    {
        // six brokers on three racks, the racks not in id order
        final String[] racks = {"a", "b", "a", "c", "b", "c"};
        for (int b = 0; b < racks.length; b++)
        {
            d.ok(register(b, 1, null, false, racks[b]));
            assertEquals(racks[b], d.machine.image().broker(b).rack());
        }
        d.ok(topic("three", 12, 3));
        final Map<Integer, Integer> leaders = new HashMap<>();
        for (final PartitionRegistration p : d.machine.image().topic("three").partitions())
        {
            final Set<String> used = new HashSet<>();
            p.replicas().forEach(r -> used.add(racks[r]));
            assertEquals(3, used.size(), "three replicas on three racks: " + p);
            assertEquals(3, new HashSet<>(p.replicas()).size());
            leaders.merge(p.leader(), 1, Integer::sum);
        }
        assertEquals(6, leaders.size(), "every broker leads some partition: " + leaders);
        leaders.values().forEach(n -> assertEquals(2, n, "leaders spread evenly: " + leaders));

        // More replicas than racks: every rack is used, then racks repeat; never a broker twice.
        d.ok(topic("five", 6, 5));
        for (final PartitionRegistration p : d.machine.image().topic("five").partitions())
        {
            final Set<String> used = new HashSet<>();
            p.replicas().forEach(r -> used.add(racks[r]));
            assertEquals(3, used.size(), p.toString());
            assertEquals(5, new HashSet<>(p.replicas()).size(), p.toString());
        }

        // Two racks, replication factor 2: each partition has one replica in each.
        d.ok(topic("two", 8, 2));
        for (final PartitionRegistration p : d.machine.image().topic("two").partitions())
        {
            assertTrue(!racks[p.replicas().get(0)].equals(racks[p.replicas().get(1)]), p.toString());
        }
    }

    @Test
    void oneBrokerWithoutARackTurnsRackAwarenessOffAsKafkaDoes()
    {
        d.ok(register(0, 1, null, false, "a"));
        d.ok(register(1, 1, null, false, "a"));
        d.ok(register(2, 1, null, false, null));
        d.ok(register(3, 1, null, false, "b"));
        // Kafka refuses a mix unless told to ignore racks; here placement is plain round robin over all four.
        d.ok(topic("mixed", 8, 2));
        final Map<Integer, Integer> leaders = new HashMap<>();
        for (final PartitionRegistration p : d.machine.image().topic("mixed").partitions())
        {
            leaders.merge(p.leader(), 1, Integer::sum);
        }
        assertEquals(Map.of(0, 2, 1, 2, 2, 2, 3, 2), leaders);
    }
}
