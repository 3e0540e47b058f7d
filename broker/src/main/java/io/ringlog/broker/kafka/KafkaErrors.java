package io.ringlog.broker.kafka;

import io.ringlog.broker.core.errors.ErrorCodes;
import io.ringlog.broker.core.metadata.MetadataException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The Kafka edge's view of the core's one error table ({@link ErrorCodes}): the same numbers as kafka-clients'
 * {@link Errors}, for the handlers built on the generated classes. No table of its own. Stateless; any thread.
 */
public final class KafkaErrors
{
    private KafkaErrors()
    {
    }

    /** The Kafka error for a sequencer status or a journal code. */
    public static Errors fromStatus(final int status)
    {
        return Errors.forCode(ErrorCodes.ofStatus(status));
    }

    /** The Kafka error for a refused metadata change. */
    public static Errors fromMetadata(final MetadataException ex)
    {
        return Errors.forCode(ErrorCodes.ofMetadata(ex.reason()));
    }

    /** The Kafka error for any throwable a handler let out: the table for the core's, kafka-clients' for theirs. */
    public static Errors fromThrowable(final Throwable t)
    {
        if (t instanceof MetadataException m)
        {
            return fromMetadata(m);
        }
        return Errors.forException(t);
    }
}
