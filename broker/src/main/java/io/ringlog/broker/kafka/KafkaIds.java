package io.ringlog.broker.kafka;

import org.apache.kafka.common.Uuid;

import java.util.UUID;

/** Topic ids between Ringlog's {@link UUID} and Kafka's {@link Uuid}: the same 128 bits. */
public final class KafkaIds
{
    private KafkaIds()
    {
    }

    public static Uuid toKafka(final UUID id)
    {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    public static UUID toUuid(final Uuid id)
    {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
