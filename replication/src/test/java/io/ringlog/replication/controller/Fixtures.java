package io.ringlog.replication.controller;

import io.ringlog.replication.controller.ControllerCommand.CreateTopic;
import io.ringlog.replication.controller.ControllerCommand.RegisterBroker;
import io.ringlog.replication.metadata.Endpoint;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Small builders shared by the state machine's tests. */
final class Fixtures
{
    private Fixtures()
    {
    }

    static UUID incarnation(final int brokerId, final int generation)
    {
        return new UUID(0x1000L + brokerId, generation);
    }

    static RegisterBroker register(final int brokerId, final String rack)
    {
        return register(brokerId, 1, rack);
    }

    static RegisterBroker register(final int brokerId, final int generation, final String rack)
    {
        return new RegisterBroker(brokerId, incarnation(brokerId, generation),
            List.of(new Endpoint("PLAINTEXT", "host" + brokerId, 9092 + brokerId, "PLAINTEXT")), rack);
    }

    static CreateTopic topic(final String name, final int partitions, final int rf)
    {
        return new CreateTopic(name, topicId(name), partitions, rf, Map.of(), false);
    }

    static UUID topicId(final String name)
    {
        return UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Applies commands at positions 1, 2, 3... in epoch 1. */
    static final class Driver
    {
        final ControllerStateMachine machine;
        long position;
        long epoch = 1;

        Driver()
        {
            this(new ControllerStateMachine());
        }

        Driver(final ControllerStateMachine machine)
        {
            this.machine = machine;
        }

        ControllerResult apply(final ControllerCommand command)
        {
            position += 64;
            return machine.apply(command, 1_000 + position, position, epoch);
        }

        Reply ok(final ControllerCommand command)
        {
            final Reply reply = apply(command).reply();
            if (!reply.isOk())
            {
                throw new AssertionError(command + " refused: " + reply);
            }
            return reply;
        }

        long registerBrokers(final int count, final String... racks)
        {
            long epoch = 0;
            for (int i = 0; i < count; i++)
            {
                epoch = ok(register(i, racks.length == 0 ? null : racks[i % racks.length])).value();
            }
            return epoch;
        }
    }
}
