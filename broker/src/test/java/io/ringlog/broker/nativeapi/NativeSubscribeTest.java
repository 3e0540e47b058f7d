package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.ErrorResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.RecordsMessageDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscriptionEndedDecoder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Subscribe: records a KafkaProducer wrote, streamed natively from the journal (catch-up) and then live, on the same
 * path; a second Subscribe is a seek; Unsubscribe; the ends (out of range, deleted partition).
 */
@Timeout(60)
class NativeSubscribeTest
{
    @TempDir
    Path dir;

    @Test
    void catchesUpFromTheJournalThenFollowsTheHighWatermark() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir, "log.segment.bytes=1048576");
            NativeTestClient client = broker.client();
            KafkaProducer<String, String> producer = broker.producer("batch.size", 2048, "linger.ms", 5))
        {
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "tail");
            final int before = 3_000; // ~1.5 segments of 1 MiB: the catch-up crosses a roll
            final String pad = "x".repeat(500);
            for (int i = 0; i < before; i++)
            {
                producer.send(new ProducerRecord<>("tail", 0, null, i + pad));
            }
            producer.flush();
            assertTrue(broker.broker.partitions().partition("tail", 0).log().segmentBaseOffsets().length > 1,
                "the log rolled at least once");

            final long subscription = client.sendSubscribe(topic, 0, -2, 64 * 1024);
            final SubscribeResponseDecoder response = client.subscribeResponse(subscription);
            assertEquals(NativeErrors.NONE, response.errorCode());
            assertEquals(0, response.startOffset());
            assertEquals(before, response.highWatermark());

            final List<String> values = new ArrayList<>();
            final List<long[]> offsets = client.readRecords(subscription, 0, before, values);
            for (int i = 0; i < before; i++)
            {
                assertEquals(i + pad, values.get(i));
                assertEquals(i, offsets.get(i)[0]);
                assertTrue(offsets.get(i)[1] > i, "nothing at or beyond the high watermark is sent");
            }

            // Live: records produced now arrive on the same subscription.
            for (int i = before; i < before + 50; i++)
            {
                producer.send(new ProducerRecord<>("tail", 0, null, i + pad));
            }
            producer.flush();
            final List<String> live = new ArrayList<>();
            client.readRecords(subscription, before, 50, live);
            assertEquals(before + pad, live.get(0));
            assertEquals(before + 49 + pad, live.get(49));
            assertTrue(broker.counters().recordsMessages.get() > 1);
        }
    }

    @Test
    void aSecondSubscribeSeeksAndUnsubscribeEndsTheStream() throws Exception
    {
        try (NativeTestBroker broker = new NativeTestBroker(dir); NativeTestClient client = broker.client())
        {
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "seek");
            for (int i = 0; i < 10; i++)
            {
                client.produce(topic, 0, 1, NativeTests.batch("r" + i));
            }
            final long first = client.sendSubscribe(topic, 0, 8, 0);
            assertEquals(8, client.subscribeResponse(first).startOffset());
            final List<String> tail = new ArrayList<>();
            client.readRecords(first, 8, 2, tail);
            assertEquals(List.of("r8", "r9"), tail);

            // Seek back to 3: the first stream ends (NONE), the second starts at 3.
            final long second = client.sendSubscribe(topic, 0, 3, 0);
            final SubscriptionEndedDecoder ended = client.subscriptionEnded(first);
            assertEquals(NativeErrors.NONE, ended.errorCode());
            assertEquals(10, ended.nextOffset());
            assertEquals(3, client.subscribeResponse(second).startOffset());
            final List<String> again = new ArrayList<>();
            client.readRecords(second, 3, 7, again);
            assertEquals(List.of("r3", "r4", "r5", "r6", "r7", "r8", "r9"), again);
            assertEquals(1, broker.counters().subscriptionsOpen.get());

            client.unsubscribe(second);
            assertEquals(NativeErrors.NONE, client.subscriptionEnded(second).errorCode());
            NativeTestClient.awaitCondition("no subscription left", () -> broker.counters().subscriptionsOpen.get() == 0);
            client.produce(topic, 0, 1, NativeTests.batch("r10"));
            assertFalse(client.arrives(m -> m.templateId() == RecordsMessageDecoder.TEMPLATE_ID, Duration.ofMillis(200)),
                "nothing streams after Unsubscribe");

            // Latest: only what comes next.
            final long latest = client.sendSubscribe(topic, 0, -1, 0);
            assertEquals(11, client.subscribeResponse(latest).startOffset());
            client.produce(topic, 0, 1, NativeTests.batch("r11"));
            final List<String> next = new ArrayList<>();
            client.readRecords(latest, 11, 1, next);
            assertEquals(List.of("r11"), next);

            // Unsubscribing what does not exist is an error, answered.
            final long correlation = client.nextCorrelationId();
            client.unsubscribe(424242);
            final NativeTestClient.Message error = client.await("unsubscribe error",
                m -> m.templateId() == ErrorResponseDecoder.TEMPLATE_ID);
            assertEquals(NativeErrors.INVALID_REQUEST,
                error.decode(new ErrorResponseDecoder()::wrapAndApplyHeader).errorCode(), "after " + correlation);
        }
    }

    @Test
    void outOfRangeAndDeletedPartitionsEndSubscriptions() throws Exception
    {
        // A small egress term: a subscriber that does not read stops the stream after a few messages.
        try (NativeTestBroker broker = new NativeTestBroker(dir, "native.egress.term.length=65536",
            "message.max.bytes=4096");
            NativeTestClient client = broker.client();
            Admin admin = broker.admin())
        {
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "ranges");
            final String value = "y".repeat(1000);
            for (int i = 0; i < 200; i++)
            {
                client.produce(topic, 0, 1, NativeTests.batch(value + i));
            }

            // Beyond the log end: refused at once.
            final long beyond = client.sendSubscribe(topic, 0, 500, 0);
            assertEquals(NativeErrors.OFFSET_OUT_OF_RANGE, client.subscribeResponse(beyond).errorCode());

            // From the start, without reading: the egress window (half a term) fills and the stream pauses...
            final long lagging = client.sendSubscribe(topic, 0, -2, 0);
            NativeTestClient.awaitCondition("the stream is back-pressured",
                () -> broker.counters().recordBytes.get() > 16 * 1024 &&
                    broker.counters().recordBytes.get() < 200 * 1000);
            // ...then DeleteRecords moves the log start past where it stands: the stream ends OFFSET_OUT_OF_RANGE.
            admin.deleteRecords(Map.of(new TopicPartition("ranges", 0), RecordsToDelete.beforeOffset(200)))
                .all().get();
            final SubscriptionEndedDecoder ended = client.subscriptionEnded(lagging);
            assertEquals(NativeErrors.OFFSET_OUT_OF_RANGE, ended.errorCode());
            assertTrue(ended.nextOffset() < 200);

            // A live subscription on a topic that is deleted ends UNKNOWN_TOPIC_OR_PARTITION.
            final long live = client.sendSubscribe(topic, 0, -1, 0);
            assertEquals(NativeErrors.NONE, client.subscribeResponse(live).errorCode());
            admin.deleteTopics(List.of("ranges")).all().get();
            assertEquals(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION, client.subscriptionEnded(live).errorCode());
            NativeTestClient.awaitCondition("no subscription left", () -> broker.counters().subscriptionsOpen.get() == 0);
            final long gone = client.sendSubscribe(topic, 0, -2, 0);
            assertEquals(NativeErrors.UNKNOWN_TOPIC_ID, client.subscribeResponse(gone).errorCode());
        }
    }
}
