package io.ringlog.broker.core.errors;

import io.ringlog.broker.core.metadata.MetadataException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The core's error table holds kafka-clients' numbers and names, without depending on kafka-clients. */
final class ErrorCodesTest
{
    @Test
    void everyCodeIsKafkasNumberUnderKafkasName() throws Exception
    {
        int checked = 0;
        for (final Field field : ErrorCodes.class.getFields())
        {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == short.class)
            {
                final short code = field.getShort(null);
                assertEquals(field.getName(), Errors.forCode(code).name(), "number of " + field.getName());
                assertEquals(field.getName(), ErrorCodes.name(code));
                checked++;
            }
        }
        assertTrue(checked > 20);
    }

    @Test
    void everyMetadataReasonHasItsNamesake()
    {
        for (final MetadataException.Reason reason : MetadataException.Reason.values())
        {
            assertEquals(reason.name(), ErrorCodes.name(ErrorCodes.ofMetadata(reason)));
        }
    }
}
