package io.ringlog.broker.nativeclient;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.producer.RinglogProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that falls silent (its thread stops polling, as a stalled or vanished process does) has its session
 * expired by the broker after the session timeout; when it comes back it notices, opens a new session and works.
 * A client that keeps polling while idle is kept alive by its keep-alives.
 */
@Timeout(120)
class SessionExpiryTest
{
    @TempDir
    Path root;

    @Test
    void aSilentClientsSessionExpiresAndItReconnectsWhenItComesBack() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false, "native.session.timeout.ms=1000"))
        {
            broker.createTopic("expiry", 1, Map.of());
            try (RinglogClient idle = RinglogClient.connect(broker.ipcClient().clientId("idle-but-alive"));
                RinglogClient silent = RinglogClient.connect(broker.ipcClient().clientId("silent")))
            {
                final long idleSession = idle.sessionId();
                final long silentSession = silent.sessionId();
                final long expiredBefore = broker.gatewayCounters().sessionsExpired.get();

                // Only the idle client is polled: it sends keep-alives; the silent one sends nothing.
                Polling.until(idle, "the silent session to expire", 20_000,
                    () -> broker.gatewayCounters().sessionsExpired.get() > expiredBefore);
                final long aliveUntil = System.currentTimeMillis() + 2_500;
                Polling.until(idle, "2.5 s of idleness", 10_000, () -> System.currentTimeMillis() > aliveUntil);
                assertEquals(expiredBefore + 1, broker.gatewayCounters().sessionsExpired.get(),
                    "only the silent session expired");
                assertTrue(idle.isConnected());
                assertEquals(idleSession, idle.sessionId());

                // The silent client comes back: its session is gone, it connects again by itself.
                Polling.until(silent, "a new session", 20_000,
                    () -> silent.isConnected() && silent.sessionId() != silentSession);
                assertNotEquals(silentSession, silent.sessionId());
                final RinglogProducer producer = new RinglogProducer(silent, null);
                assertTrue(producer.sendSync(producer.topic("expiry"), 0, null, "back".getBytes(), null,
                    RinglogProducer.NOW) >= 0);
            }
        }
    }
}
