package io.ringlog.replication.client;

import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.replication.metadata.MetadataDelta;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.MetadataRecord.RegisterBrokerRecord;
import io.ringlog.replication.metadata.MetadataRecord.TopicRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker's apply path, without Aeron. */
@Timeout(10)
class MetadataFollowerTest
{
    private static final List<MetadataRecord> BROKER = List.of(new RegisterBrokerRecord(
        1, new UUID(1, 1), 1, List.of(new Endpoint("PLAINTEXT", "h", 1, "PLAINTEXT")), null, false));

    private static List<MetadataRecord> topic(final String name, final long id)
    {
        return List.of(new TopicRecord(name, new UUID(id, id)));
    }

    @Test
    void appliesInOrderAndIgnoresOlderEpochs()
    {
        final MetadataFollower f = new MetadataFollower();
        assertEquals(MetadataFollower.Outcome.APPLIED, f.onDelta(1, -1, 100, BROKER));
        assertEquals(MetadataFollower.Outcome.APPLIED, f.onDelta(1, 100, 200, topic("a", 1)));
        assertEquals(200, f.image().position());
        assertEquals(MetadataFollower.Outcome.APPLIED, f.onDelta(2, 200, 300, topic("b", 2)));
        assertEquals(2, f.controllerEpoch());

        // a delayed delta from the deposed controller of epoch 1, even one that would fit, is ignored
        assertEquals(MetadataFollower.Outcome.STALE_EPOCH, f.onDelta(1, 300, 400, topic("stale", 3)));
        assertNull(f.image().topic("stale"));
        assertEquals(300, f.image().position());
    }

    @Test
    void aGapAsksForAnImageAndAnImageCatchesUp()
    {
        final MetadataFollower f = new MetadataFollower();
        assertTrue(f.needsImage(), "a new follower starts by fetching");
        f.onDelta(1, -1, 100, BROKER);
        assertTrue(f.onImage(1, f.image()) || !f.needsImage());
        assertFalse(f.needsImage());

        assertEquals(MetadataFollower.Outcome.GAP, f.onDelta(1, 200, 300, topic("c", 3)));
        assertTrue(f.needsImage());
        assertNull(f.image().topic("c"));

        final MetadataImage full = new MetadataDelta(f.image()).replay(topic("b", 2)).replay(topic("c", 3))
            .apply(300, 1);
        assertTrue(f.onImage(1, full));
        assertFalse(f.needsImage());
        assertNotNull(f.image().topic("c"));
        assertEquals(MetadataFollower.Outcome.ALREADY_APPLIED, f.onDelta(1, 200, 300, topic("c", 3)));
        assertEquals(MetadataFollower.Outcome.APPLIED, f.onDelta(1, 300, 400, topic("d", 4)));

        // an image older than what is held does not roll it back
        assertFalse(f.onImage(1, full));
        assertEquals(400, f.image().position());

        f.onNewLeader(5);
        assertTrue(f.needsImage());
        assertEquals(5, f.controllerEpoch());
    }
}
