package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A partition's sequencer ring of 2 produce requests and six producers writing to it at once: the ring is full most of
 * the time, and the broker must push back by holding each connection's request until there is room, not answer
 * REQUEST_TIMED_OUT. The producers do not retry, so one error answer fails the test; every record must be there.
 */
@Timeout(120)
class ProducePushBackTest
{
    private static final int PRODUCERS = 6;
    private static final int RECORDS_EACH = 400;

    @Test
    void aFullRingHoldsTheConnectionBackAndEveryBatchIsAppended(@TempDir final Path dir) throws Exception
    {
        try (TestBroker broker = new TestBroker(dir, "sequencer.ring.size=2"))
        {
            Clients.createTopic(broker.bootstrap(), "narrow", 1, Map.of());
            final List<KafkaProducer<String, String>> producers = new ArrayList<>();
            final List<Future<RecordMetadata>> sent = new ArrayList<>();
            try
            {
                for (int p = 0; p < PRODUCERS; p++)
                {
                    producers.add(Clients.producer(broker.bootstrap(), "retries", 0, "enable.idempotence", false,
                        "acks", "1", "linger.ms", 0, "batch.size", 512, "max.in.flight.requests.per.connection", 5));
                }
                for (int i = 0; i < RECORDS_EACH; i++)
                {
                    for (final KafkaProducer<String, String> producer : producers)
                    {
                        sent.add(producer.send(new ProducerRecord<>("narrow", 0, null, "value-" + i)));
                    }
                }
                for (final Future<RecordMetadata> f : sent)
                {
                    f.get(60, TimeUnit.SECONDS); // throws on any error answer: the producers do not retry
                }
            }
            finally
            {
                producers.forEach(KafkaProducer::close);
            }
            // The ring was full, and more than once: the push-back above was exercised, not merely allowed.
            final long refused = broker.broker.partitions().partition("narrow", 0).sequencer().backPressuredCount();
            assertTrue(refused > 0, "the ring never filled: " + refused);
            try (Admin admin = broker.admin())
            {
                final TopicPartition tp = new TopicPartition("narrow", 0);
                final long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
                    .get(30, TimeUnit.SECONDS).offset();
                assertEquals(PRODUCERS * RECORDS_EACH, end);
            }
        }
    }
}
