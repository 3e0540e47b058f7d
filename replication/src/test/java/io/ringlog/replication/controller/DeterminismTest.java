package io.ringlog.replication.controller;

import io.ringlog.replication.codec.BufferReader;
import io.ringlog.replication.codec.BufferWriter;
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
import io.ringlog.replication.metadata.BrokerRegistration;
import io.ringlog.replication.metadata.MetadataDelta;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.MetadataSnapshot;
import io.ringlog.replication.metadata.PartitionRegistration;
import io.ringlog.replication.metadata.RecordCodec;
import io.ringlog.replication.metadata.TopicImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random command logs (from a fixed seed: the randomness is the test's, never the machine's) applied twice give
 * equal images; their records, encoded and decoded, replay to the same image; a snapshot taken half way, loaded, and
 * followed by the rest of the log gives the same image as the whole log; invariants hold after every command.
 */
@Timeout(60)
class DeterminismTest
{
    private static final int SEQUENCES = 300;
    private static final int COMMANDS = 60;

    @Test
    void randomCommandLogsAreDeterministicAndSnapshotsReplay()
    {
        final Random random = new Random(20261207L);
        int applied = 0;
        for (int s = 0; s < SEQUENCES; s++)
        {
            final List<ControllerCommand> log = randomLog(new Random(random.nextLong()));
            final ControllerStateMachine first = new ControllerStateMachine();
            final ControllerStateMachine second = new ControllerStateMachine();
            MetadataImage replayed = MetadataImage.EMPTY;
            MetadataImage fromSnapshot = null;
            final int snapshotAt = log.size() / 2;
            for (int i = 0; i < log.size(); i++)
            {
                final long position = (i + 1) * 96L;
                final ControllerCommand command = roundTrip(log.get(i));
                final ControllerResult a = first.apply(command, position, position, 1 + i / 20);
                final ControllerResult b = second.apply(command, position, position, 1 + i / 20);
                assertEquals(a, b);
                assertNotEquals(ControllerError.UNKNOWN_SERVER_ERROR, a.reply().error(), a.reply().message());
                if (!a.records().isEmpty())
                {
                    replayed = new MetadataDelta(replayed).replay(roundTripRecords(a.records()))
                        .apply(position, 1 + i / 20);
                    applied++;
                    if (null != fromSnapshot)
                    {
                        fromSnapshot = new MetadataDelta(fromSnapshot).replay(a.records()).apply(position, 1 + i / 20);
                    }
                }
                if (i == snapshotAt)
                {
                    fromSnapshot = MetadataSnapshot.load(MetadataSnapshot.write(first.image()));
                    assertEquals(first.image(), fromSnapshot);
                }
                invariants(first.image());
            }
            assertEquals(first.image(), second.image());
            assertEquals(first.image(), replayed);
            assertEquals(first.image(), fromSnapshot);
        }
        assertTrue(applied > SEQUENCES * 10, "the logs did change state: " + applied);
    }

    @Test
    void corruptCommandsNeverBreakTheStateMachine()
    {
        final Random random = new Random(7L);
        final ControllerStateMachine machine = new ControllerStateMachine();
        int decoded = 0;
        for (final ControllerCommand command : randomLog(new Random(11L)))
        {
            final BufferWriter w = new BufferWriter();
            CommandCodec.encode(command, w);
            final byte[] bytes = w.toByteArray();
            for (int i = 0; i < 50; i++)
            {
                final byte[] corrupt = bytes.clone();
                corrupt[random.nextInt(corrupt.length)] = (byte)random.nextInt(256);
                final ControllerCommand c;
                try
                {
                    c = CommandCodec.decode(new BufferReader(corrupt));
                }
                catch (final io.ringlog.replication.codec.CodecException | IllegalArgumentException |
                    NullPointerException ex)
                {
                    continue; // the service skips these
                }
                decoded++;
                final MetadataImage before = machine.image();
                final ControllerResult result = machine.apply(c, 1, decoded, 1);
                assertNotEquals(ControllerError.UNKNOWN_SERVER_ERROR, result.reply().error(), result.reply().message());
                if (!result.reply().isOk())
                {
                    assertEquals(before, machine.image());
                }
                invariants(machine.image());
            }
        }
        assertTrue(decoded > 100, "some corrupt commands decoded: " + decoded);
    }

    private static ControllerCommand roundTrip(final ControllerCommand command)
    {
        final BufferWriter w = new BufferWriter();
        CommandCodec.encode(command, w);
        final ControllerCommand decoded = CommandCodec.decode(new BufferReader(w.buffer(), 0, w.position()));
        assertEquals(command, decoded);
        return decoded;
    }

    private static List<MetadataRecord> roundTripRecords(final List<MetadataRecord> records)
    {
        final BufferWriter w = new BufferWriter();
        RecordCodec.encode(records, w);
        final List<MetadataRecord> decoded = RecordCodec.decodeList(new BufferReader(w.buffer(), 0, w.position()));
        assertEquals(records, decoded);
        return decoded;
    }

    private static void invariants(final MetadataImage image)
    {
        for (final TopicImage t : image.topicsById().values())
        {
            for (final PartitionRegistration p : t.partitions())
            {
                assertFalse(p.isr().isEmpty(), p.toString());
                assertTrue(p.replicas().containsAll(p.isr()), p.toString());
                if (!p.isOffline())
                {
                    assertTrue(p.isr().contains(p.leader()), p.toString());
                    final BrokerRegistration leader = image.broker(p.leader());
                    assertTrue(null != leader && !leader.fenced(), p.toString());
                }
            }
        }
    }

    /** A log that mixes valid and invalid commands over a handful of brokers and topics. */
    private static List<ControllerCommand> randomLog(final Random r)
    {
        final List<ControllerCommand> log = new ArrayList<>();
        final int brokers = 2 + r.nextInt(4);
        final String[] racks = r.nextBoolean() ? null : new String[]{"a", "b", "c"};
        final long[] epochGuess = new long[brokers];
        for (int b = 0; b < brokers; b++)
        {
            log.add(Fixtures.register(b, null == racks ? null : racks[b % racks.length]));
        }
        for (int i = 0; i < COMMANDS; i++)
        {
            final int broker = r.nextInt(brokers);
            final String topic = "t" + r.nextInt(5);
            final long epoch = 1 + r.nextInt(brokers * 3);
            epochGuess[broker] = epoch;
            switch (r.nextInt(13))
            {
                case 0 -> log.add(Fixtures.register(broker, r.nextInt(4), null == racks ? null : racks[broker % 3]));
                case 1 -> log.add(new FenceBroker(broker, epoch));
                case 2 -> log.add(new BrokerHeartbeat(broker, epoch, r.nextBoolean()));
                case 3 -> log.add(new ControlledShutdown(broker, epoch));
                case 4, 5 -> log.add(new CreateTopic(topic, new UUID(r.nextLong(), r.nextLong()), 1 + r.nextInt(6),
                    1 + r.nextInt(3), r.nextBoolean() ? Map.of() : Map.of("retention.ms", "" + r.nextInt(100)),
                    r.nextInt(10) == 0));
                case 6 -> log.add(new DeleteTopic(topic));
                case 7 -> log.add(new CreatePartitions(topic, 1 + r.nextInt(8), false));
                case 8 -> log.add(new AlterConfigs(topic, Map.of("k" + r.nextInt(3), "v"), Set.of("k" + r.nextInt(3)),
                    r.nextBoolean(), false));
                case 9 -> log.add(new AlterPartition(broker, epoch, Fixtures.topicId(topic), r.nextInt(3),
                    r.nextInt(3), r.nextInt(4), List.of(broker)));
                case 10 -> log.add(new ElectLeader(topic, r.nextInt(3), r.nextBoolean()));
                case 11 -> log.add(new AllocateProducerIds(broker, epoch));
                default -> log.add(r.nextInt(5) == 0 ? new UnregisterBroker(broker) :
                    Fixtures.register(broker, 1 + r.nextInt(3), null == racks ? null : racks[broker % 3]));
            }
        }
        return log;
    }
}
