package io.ringlog.journal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config by Kafka's topic-config names; every bad value refused with a message that names its key. */
class LogConfigTest
{
    @Test
    void kafkaDefaults()
    {
        final LogConfig c = LogConfig.defaults();
        assertEquals(1 << 30, c.segmentBytes());
        assertEquals(604_800_000L, c.retentionMs());
        assertEquals(-1, c.retentionBytes());
        assertEquals(4096, c.indexIntervalBytes());
        assertEquals(1_048_588, c.maxMessageBytes());
        assertEquals(Long.MAX_VALUE, c.flushMessages());
        assertEquals(60_000, c.fileDeleteDelayMs());
    }

    @Test
    void roundTripThroughProperties()
    {
        final LogConfig c = LogConfig.fromProperties(Map.of(
            "segment.bytes", "1048576", "retention.ms", "-1", "flush.messages", "1", "preallocate", "true"));
        assertEquals(1_048_576, c.segmentBytes());
        assertEquals(-1, c.retentionMs());
        assertTrue(c.preallocate());
        assertEquals(c.toProperties(), LogConfig.fromProperties(c.toProperties()).toProperties());
    }

    @Test
    void badValuesNameTheirKey()
    {
        assertMessage("segment.bytes", Map.of("segment.bytes", "lots"));
        assertMessage("segment.bytes", Map.of("segment.bytes", "10"));
        assertMessage("retention.ms", Map.of("retention.ms", "-2"));
        assertMessage("flush.messages", Map.of("flush.messages", "0"));
        assertMessage("preallocate", Map.of("preallocate", "yes"));
        assertMessage("unknown log config key: segment.size", Map.of("segment.size", "1"));
    }

    private static void assertMessage(final String expected, final Map<String, String> properties)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> LogConfig.fromProperties(properties));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
