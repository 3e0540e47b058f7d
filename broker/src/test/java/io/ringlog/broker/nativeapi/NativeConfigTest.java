package io.ringlog.broker.nativeapi;

import io.aeron.CommonContext;
import io.aeron.driver.ThreadingMode;
import io.ringlog.broker.core.config.BrokerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native keys: defaults, bounds, and channels Aeron would refuse, each refused naming its key. */
class NativeConfigTest
{
    @Test
    void defaults()
    {
        final NativeConfig config = NativeConfig.from(BrokerConfig.defaults());
        assertTrue(BrokerConfig.defaults().get(BrokerConfig.NATIVE_ENABLED));
        assertTrue(config.embeddedDriver());
        assertEquals(CommonContext.getAeronDirectoryName(), config.aeronDir(), "Aeron's own default directory");
        assertEquals(List.of("aeron:ipc", "aeron:udp?endpoint=127.0.0.1:9093"), config.ingressChannels());
        assertEquals(7701, config.ingressStreamId());
        assertEquals(10_000, config.sessionTimeoutMs());
        assertEquals(2_500, config.heartbeatIntervalMs());
        assertEquals(16 * 1024 * 1024, config.egressTermLength());
        assertFalse(config.lowLatency());
        assertEquals(ThreadingMode.SHARED, config.driverThreadingMode());
        assertEquals("backoff", config.driverIdleStrategy());
        assertTrue(NativeConfig.from(BrokerConfig.from(Map.of("idle.strategy", "busy-spin"))).lowLatency());
    }

    @Test
    void badValuesNameTheirKey()
    {
        for (final Map<String, String> bad : List.of(
            Map.of("native.egress.term.length", "100000"),
            Map.of("native.egress.term.length", "32768"),
            Map.of("native.session.timeout.ms", "50"),
            Map.of("native.max.sessions", "0"),
            Map.of("native.request.memory.bytes", "1024"),
            Map.of("native.enabled", "maybe"),
            Map.of("native.ingress.stream.id", "0"),
            Map.of("aeron.threading.mode", "INVOKER"),
            Map.of("aeron.driver.idle.strategy", "noop")))
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> BrokerConfig.from(bad), bad.toString());
            assertTrue(ex.getMessage().contains(bad.keySet().iterator().next()), ex.getMessage());
        }
        for (final String channels : List.of("aeron:udp", "tcp://host:1", "aeron:udp?endpoint=h:1,bogus", " , "))
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> NativeConfig.from(BrokerConfig.from(Map.of("native.ingress.channels", channels))), channels);
            assertTrue(ex.getMessage().contains("native.ingress.channels"), ex.getMessage());
        }
    }
}
