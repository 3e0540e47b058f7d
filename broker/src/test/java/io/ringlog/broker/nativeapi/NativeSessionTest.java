package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.ErrorResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SessionOpenedDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions: Connect, SessionOpened, CloseSession, and expiry when a client stops, with nothing left behind. */
@Timeout(60)
class NativeSessionTest
{
    @TempDir
    Path dir;

    @Test
    void connectOpensASessionAndCloseSessionReleasesIt() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir, "native.session.timeout.ms=4000", "node.id=3");
            NativeTestClient client = broker.client())
        {
            final SessionOpenedDecoder opened = client.connect();
            assertNotEquals(0, opened.sessionId());
            assertEquals(3, opened.brokerId());
            assertEquals(4000, opened.sessionTimeoutMs());
            assertEquals(1000, opened.heartbeatIntervalMs());
            assertEquals(1, broker.counters().sessionsOpen.get());

            client.keepAlive();
            final MetadataResponseDecoder metadata = client.metadata("sessions");
            assertEquals(NativeErrors.NONE, metadata.errorCode(), "a request on the open session is served");

            client.closeSession();
            NativeTestClient.awaitCondition("the session is released",
                () -> broker.counters().sessionsOpen.get() == 0 && broker.counters().sessionsClosed.get() == 1);
            NativeTestClient.awaitCondition("its egress publication is closed", () -> client.egressImage() == null);
            assertEquals(0, broker.counters().sessionsExpired.get());
        }
    }

    private static void awaitKeepingAlive(final NativeTestClient alive, final String what,
        final java.util.function.BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + NativeTestClient.TIMEOUT.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                org.junit.jupiter.api.Assertions.fail("timed out waiting for: " + what);
            }
            alive.keepAlive();
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }

    /**
     * A client that stops talking (its process paused or gone) is expired after the session timeout: its
     * subscriptions stop, its egress publication closes, and a request carrying its id afterwards is unknown.
     */
    @Test
    void aSilentSessionExpiresAndLeavesNothingBehind() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir, "native.session.timeout.ms=500");
            NativeTestClient client = broker.client();
            NativeTestClient other = broker.client())
        {
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "expiring");
            final long subscription = client.sendSubscribe(topic, 0, -2, 0);
            final SubscribeResponseDecoder subscribed = client.subscribeResponse(subscription);
            assertEquals(NativeErrors.NONE, subscribed.errorCode());
            assertEquals(1, broker.counters().subscriptionsOpen.get());

            // Nothing more from this client; another one stays (it keeps alive) to show only the silent one goes.
            other.connect();
            // The gateway counts the expiry and then the open sessions: wait for both, not only the first.
            awaitKeepingAlive(other, "the silent session expires", () -> broker.counters().sessionsExpired.get() == 1 &&
                broker.counters().sessionsOpen.get() <= 1);
            assertEquals(1, broker.counters().sessionsOpen.get(), "the other one is still open");
            assertEquals(0, broker.counters().subscriptionsOpen.get(), "its subscription is gone");
            awaitKeepingAlive(other, "its egress publication is closed", () -> client.egressImage() == null);

            // Its id is unknown now: counted, and not answered (the session and its egress are gone); the other
            // session is untouched.
            final long unknownBefore = broker.counters().unknownSessions.get();
            client.keepAlive();
            awaitKeepingAlive(other, "the expired id is unknown",
                () -> broker.counters().unknownSessions.get() == unknownBefore + 1);
            assertNull(client.egressImage());
            other.keepAlive();
            assertEquals(NativeErrors.NONE, other.metadata("expiring").errorCode());
            assertEquals(1, broker.counters().sessionsExpired.get(), "only the silent one expired");

            // A Connect from the same client opens a fresh session.
            final long oldId = client.sessionId;
            client.connect();
            assertNotEquals(oldId, client.sessionId);
            assertEquals(NativeErrors.NONE, client.metadata("expiring").errorCode(), "the new session is served");
            assertTrue(client.inbox().stream().noneMatch(m -> m.templateId() == ErrorResponseDecoder.TEMPLATE_ID),
                "no stray error on the new session");
        }
    }
}
