package io.ringlog.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings by configuration key: parsed, checked, and refused with a message naming the key. */
@Timeout(30)
class ContextTest
{
    @Test
    void keysSetTheirSettings()
    {
        final Properties p = new Properties();
        p.setProperty("aeron.dir", "/tmp/x");
        p.setProperty("ringlog.ingress.channel", "aeron:udp?endpoint=10.0.0.1:9093");
        p.setProperty("ringlog.response.channel", "aeron:udp?endpoint=10.0.0.2:4000");
        p.setProperty("client.id", "app");
        p.setProperty("request.timeout.ms", "1234");
        p.setProperty("linger.ms", "0");
        p.setProperty("batch.size", "65536");
        p.setProperty("acks", "all");
        p.setProperty("max.in.flight.requests.per.connection", "3");
        p.setProperty("group.id", "g");
        p.setProperty("auto.offset.reset", "EARLIEST");
        p.setProperty("ringlog.idle.strategy", "sleeping");
        final ClientContext ctx = ClientContext.fromProperties(p).conclude();
        assertEquals("/tmp/x", ctx.aeronDirectoryName());
        assertEquals("aeron:udp?endpoint=10.0.0.1:9093", ctx.ingressChannel());
        assertEquals("app", ctx.clientId());
        assertEquals(1234, ctx.requestTimeoutMs());
        assertEquals(0, ctx.lingerMs());
        assertEquals(65536, ctx.batchSize());
        assertEquals(-1, ctx.acks());
        assertEquals(3, ctx.maxInFlightRequestsPerConnection());
        assertTrue(ctx.enableIdempotence());
        assertEquals("earliest", ctx.autoOffsetReset());
        assertTrue(ctx.enableAutoCommit(), "on by default with a group, as in Kafka");
    }

    @Test
    void badValuesNameTheirKey()
    {
        final String[][] bad = {
            {"linger.ms", "soon"}, {"linger.ms", "-1"}, {"batch.size", "12"}, {"acks", "2"},
            {"enable.idempotence", "yes"}, {"request.timeout.ms", "0"}, {"no.such.key", "1"},
            {"auto.offset.reset", "middle"}, {"ringlog.idle.strategy", "nap"},
            {"ringlog.ingress.channel", "tcp://host:1"}, {"heartbeat.interval.ms", "50000"},
            {"max.partition.fetch.bytes", "10"}};
        for (final String[] kv : bad)
        {
            final ConfigException ex = assertThrows(ConfigException.class,
                () -> new ClientContext(Map.of(kv[0], kv[1])).conclude(), kv[0] + "=" + kv[1]);
            assertEquals(kv[0], ex.key());
            assertTrue(ex.getMessage().contains(kv[0]), ex.getMessage());
        }
    }

    @Test
    void idempotenceFollowsKafkasRules()
    {
        assertFalse(new ClientContext(Map.of("acks", "1")).conclude().enableIdempotence(),
            "an explicit acks=1 turns the default idempotence off");
        assertFalse(new ClientContext(Map.of("max.in.flight.requests.per.connection", "6"))
            .conclude().enableIdempotence());
        assertEquals("acks", assertThrows(ConfigException.class, () ->
            new ClientContext(Map.of("acks", "1", "enable.idempotence", "true")).conclude()).key());
        assertEquals("max.in.flight.requests.per.connection", assertThrows(ConfigException.class, () ->
            new ClientContext(Map.of("max.in.flight.requests.per.connection", "9",
                "enable.idempotence", "true")).conclude()).key());
        assertEquals("delivery.timeout.ms", assertThrows(ConfigException.class, () ->
            new ClientContext(Map.of("delivery.timeout.ms", "1000")).conclude()).key());
        assertEquals("enable.auto.commit", assertThrows(ConfigException.class, () ->
            new ClientContext(Map.of("enable.auto.commit", "true")).conclude()).key());
    }

    @Test
    void udpResponseChannelNeedsAnEndpointAndGetsARealPort()
    {
        assertEquals("ringlog.response.channel", assertThrows(ConfigException.class, () ->
            new ClientContext(Map.of("ringlog.response.channel", "aeron:udp?interface=lo")).conclude()).key());
        final String base = ResponseChannels.base("aeron:udp?endpoint=127.0.0.1:0", "aeron:ipc");
        assertFalse(base.endsWith(":0"), base);
        assertTrue(base.startsWith("aeron:udp?endpoint=127.0.0.1:"), base);
        final String derived = ResponseChannels.base(null, "aeron:udp?endpoint=127.0.0.1:9093");
        assertTrue(derived.startsWith("aeron:udp?endpoint=127.0.0.1:"), derived);
        assertEquals("aeron:ipc", ResponseChannels.base(null, "aeron:ipc"));
    }

    @Test
    void termLengthsHoldWholeMessages()
    {
        assertEquals(256 * 1024, ResponseChannels.termLengthFor(16 * 1024));
        assertEquals(64 * 1024, ResponseChannels.termLengthFor(100));
        assertEquals(16 * 1024 * 1024, ResponseChannels.termLengthFor(1024 * 1024));
        final String channel = ResponseChannels.withSessionId("aeron:ipc", 77, 256 * 1024);
        assertTrue(channel.contains("session-id=77"), channel);
        assertTrue(channel.contains("term-length=262144"), channel);
        assertTrue(ResponseChannels.ingress("aeron:ipc?term-length=65536", 1 << 20).contains("term-length=65536"));
    }
}
