package io.ringlog.broker.nativeclient;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.consumer.RinglogConsumer;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendResult;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connected idempotent producer keeps sending while the broker restarts under it (its embedded media driver
 * too): the client notices, connects a new Aeron to the new driver, opens a new session, re-sends every
 * unacknowledged batch with the same producer id, epoch and sequences, and nothing is lost or duplicated. A native
 * consumer on another client reading meanwhile re-subscribes from its position and sees every record once, in order.
 */
@Timeout(240)
class BrokerRestartTest
{
    @TempDir
    Path root;

    @Test
    void anIdempotentProducerLosesAndDuplicatesNothingAcrossARestart() throws Exception
    {
        final int total = 30_000;
        final int restartAt = 10_000;
        try (ClientTestBroker broker = new ClientTestBroker(root, false))
        {
            broker.createTopic("restart", 2, Map.of());
            final Map<Long, Long> offsetByIndex = new HashMap<>();
            final Map<Long, Integer> partitionByIndex = new HashMap<>();
            final List<String> failures = new ArrayList<>();
            final List<List<Long>> consumed = List.of(new ArrayList<>(), new ArrayList<>());
            final long consumerFirstSession;
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().lingerMs(2)
                .driverTimeoutMs(5_000).requestTimeoutMs(5_000).deliveryTimeoutMs(120_000));
                RinglogClient consumerClient = RinglogClient.connect(broker.ipcClient().autoOffsetReset("earliest")
                    .driverTimeoutMs(5_000).requestTimeoutMs(5_000)))
            {
                final RinglogConsumer consumer = new RinglogConsumer(consumerClient);
                consumer.assign("restart", 0, 1);
                consumerFirstSession = consumerClient.sessionId();
                final RecordHandler collect = r -> consumed.get(r.partition()).add(
                    Long.parseLong(r.valueAsString().substring(7)));
                final RinglogProducer producer = new RinglogProducer(client, (topic, partition, offset, error, token) ->
                {
                    if (error != NativeErrors.NONE)
                    {
                        failures.add(token + ": " + NativeErrors.name(error));
                    }
                    offsetByIndex.put(token, offset);
                    partitionByIndex.put(token, partition);
                });
                final long producerId = producer.producerId();
                final ProducerTopic topic = producer.topic("restart");
                final long firstSession = client.sessionId();
                for (long i = 0; i < total; i++)
                {
                    if (i == restartAt)
                    {
                        assertTrue(producer.pendingBatches() > 0, "batches in flight when the broker stops");
                        broker.restart();
                    }
                    if (i % 100 == 0)
                    {
                        consumer.poll(collect, 1_000);
                    }
                    final byte[] value = ("record-" + i).getBytes(StandardCharsets.UTF_8);
                    final long index = i;
                    Polling.until(client, "send " + i, 60_000, () ->
                    {
                        final int result = producer.send(topic, (int)(index % 2), null, value, index);
                        return result == SendResult.OK;
                    });
                }
                producer.flush();
                assertTrue(failures.isEmpty(), "failures: " + failures.subList(0, Math.min(10, failures.size())));
                assertEquals(total, offsetByIndex.size());
                assertNotEquals(firstSession, client.sessionId(), "a new session after the restart");
                assertEquals(producerId, producer.producerId(), "the same producer id throughout");

                Polling.until(consumerClient, "the consumer to read everything", 60_000, () ->
                {
                    consumer.poll(collect, 1_000);
                    return consumed.get(0).size() + consumed.get(1).size() >= total;
                });
                assertNotEquals(consumerFirstSession, consumerClient.sessionId(), "the consumer reconnected too");
                for (int p = 0; p < 2; p++)
                {
                    final List<Long> indexes = consumed.get(p);
                    assertEquals(total / 2, indexes.size(), "partition " + p + " read once each");
                    for (int k = 0; k < indexes.size(); k++)
                    {
                        assertEquals(2L * k + p, indexes.get(k), "partition " + p + " in order");
                    }
                }
            }

            try (KafkaConsumer<byte[], byte[]> consumer = broker.kafkaConsumer())
            {
                final List<TopicPartition> partitions =
                    List.of(new TopicPartition("restart", 0), new TopicPartition("restart", 1));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                final Map<Long, ConsumerRecord<byte[], byte[]>> byIndex = new HashMap<>();
                final int[] read = {0};
                Polling.until("every record read back", 60_000, () ->
                {
                    for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100)))
                    {
                        final long index = Long.parseLong(new String(r.value(), StandardCharsets.UTF_8).substring(7));
                        assertTrue(null == byIndex.put(index, r), "record " + index + " is in the log twice");
                        read[0]++;
                    }
                    return read[0] >= total;
                });
                consumer.poll(Duration.ofMillis(500)).forEach(r ->
                    assertTrue(false, "more records than sent: " + new String(r.value(), StandardCharsets.UTF_8)));
                assertEquals(total, byIndex.size());
                for (long i = 0; i < total; i++)
                {
                    final ConsumerRecord<byte[], byte[]> r = byIndex.get(i);
                    assertEquals(offsetByIndex.get(i), r.offset(), "acknowledged offset of record " + i);
                    assertEquals(partitionByIndex.get(i), r.partition());
                }
            }
        }
    }
}
