package io.ringlog.broker.nativeclient;

import io.ringlog.client.ClientContext;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.consumer.RinglogConsumer;
import io.ringlog.client.consumer.UnsupportedCompressionException;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RecordHeaders;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendResult;
import io.ringlog.client.record.RecordView;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native client against a real broker, with kafka-clients on the other side: what the native producer sends a
 * KafkaConsumer reads, record for record (keys hashed to Kafka's partitions, headers, nulls); what a KafkaProducer
 * sends the native consumer reads; over IPC on the broker's driver and over UDP from the client's own driver.
 */
@Timeout(180)
class NativeClientKafkaInteropTest
{
    private static final int RECORDS = 3_000;

    @TempDir
    Path root;

    private RinglogClient connect(final ClientTestBroker broker, final String transport, final ClientDriver driver,
        final String... settings)
    {
        final ClientContext ctx = "udp".equals(transport) ? broker.udpClient(driver.directory()) :
            broker.ipcClient();
        for (int i = 0; i < settings.length; i += 2)
        {
            ctx.set(settings[i], settings[i + 1]);
        }
        return RinglogClient.connect(ctx);
    }

    private static byte[] utf8(final String s)
    {
        return null == s ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String key(final int i)
    {
        return i % 10 == 0 ? null : "key-" + (i % 97);
    }

    private static String value(final int i)
    {
        return i % 13 == 0 ? null : "value-" + i + "-" + "x".repeat(i % 200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipc", "udp"})
    void whatTheNativeProducerSendsAKafkaConsumerReads(final String transport) throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, true);
            ClientDriver driver = new ClientDriver())
        {
            broker.createTopic("native-out", 3, Map.of());
            final Map<Integer, Long> offsetsByIndex = new HashMap<>();
            final Map<Integer, Integer> partitionByIndex = new HashMap<>();
            final List<Short> errors = new ArrayList<>();
            try (RinglogClient client = connect(broker, transport, driver, "linger.ms", "2"))
            {
                final RinglogProducer producer = new RinglogProducer(client, (topic, partition, offset, error, token) ->
                {
                    if (error != NativeErrors.NONE)
                    {
                        errors.add(error);
                    }
                    if (token == RinglogProducer.SYNC_TOKEN)
                    {
                        return;
                    }
                    offsetsByIndex.put((int)token, offset);
                    partitionByIndex.put((int)token, partition);
                });
                assertTrue(producer.producerId() >= 0, "idempotent by default");
                final ProducerTopic topic = producer.topic("native-out");
                final RecordHeaders headers = new RecordHeaders();
                for (int i = 0; i < RECORDS; i++)
                {
                    headers.clear().add("index", utf8(Integer.toString(i))).add("empty", null);
                    final int index = i;
                    final int[] result = {SendResult.BACK_PRESSURED};
                    Polling.until(client, "send " + i, 20_000, () ->
                    {
                        result[0] = producer.send(topic, RinglogProducer.ANY_PARTITION, utf8(key(index)),
                            utf8(value(index)), headers, 1_700_000_000_000L + index, index);
                        return result[0] != SendResult.BACK_PRESSURED && result[0] != SendResult.NOT_CONNECTED;
                    });
                    assertEquals(SendResult.OK, result[0]);
                }
                producer.flush();
                assertEquals(0, producer.pendingBatches());
                final long syncOffset = producer.sendSync(topic, 1, utf8("sync"), utf8("sync-value"), null,
                    RinglogProducer.NOW);
                assertTrue(syncOffset >= 0);
                producer.close();
            }
            assertTrue(errors.isEmpty(), "errors: " + errors);
            assertEquals(RECORDS, offsetsByIndex.size());

            try (KafkaConsumer<byte[], byte[]> consumer = broker.kafkaConsumer())
            {
                final List<TopicPartition> partitions = List.of(new TopicPartition("native-out", 0),
                    new TopicPartition("native-out", 1), new TopicPartition("native-out", 2));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                Polling.until("all records read by Kafka", 60_000, () ->
                {
                    consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                    return records.size() >= RECORDS + 1;
                });
                final Set<Integer> indexes = new HashSet<>();
                for (final ConsumerRecord<byte[], byte[]> r : records)
                {
                    if (r.key() != null && "sync".equals(new String(r.key(), StandardCharsets.UTF_8)))
                    {
                        continue;
                    }
                    final Header indexHeader = r.headers().lastHeader("index");
                    final int i = Integer.parseInt(new String(indexHeader.value(), StandardCharsets.UTF_8));
                    assertTrue(indexes.add(i), "record " + i + " read twice");
                    assertArrayEquals(utf8(key(i)), r.key());
                    assertArrayEquals(utf8(value(i)), r.value());
                    assertNull(r.headers().lastHeader("empty").value());
                    assertEquals(1_700_000_000_000L + i, r.timestamp());
                    assertEquals(partitionByIndex.get(i) + "@" + offsetsByIndex.get(i), r.partition() + "@" + r.offset(), "record " + i);
                    assertEquals(partitionByIndex.get(i), r.partition());
                    if (key(i) != null)
                    {
                        assertEquals(Utils.toPositive(Utils.murmur2(utf8(key(i)))) % 3, r.partition(),
                            "Kafka's partition for key " + key(i));
                    }
                }
                assertEquals(RECORDS, indexes.size());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipc", "udp"})
    void whatAKafkaProducerSendsTheNativeConsumerReads(final String transport) throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, true);
            ClientDriver driver = new ClientDriver())
        {
            broker.createTopic("kafka-out", 2, Map.of());
            try (KafkaProducer<byte[], byte[]> producer = broker.kafkaProducer(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"))
            {
                for (int i = 0; i < RECORDS; i++)
                {
                    producer.send(new ProducerRecord<>("kafka-out", i % 2, 1_600_000_000_000L + i, utf8(key(i)),
                        utf8(value(i)), List.of(new RecordHeader("index", utf8(Integer.toString(i))))));
                }
                producer.flush();
            }
            try (RinglogClient client = connect(broker, transport, driver, "auto.offset.reset", "earliest",
                "max.partition.fetch.bytes", Integer.toString(64 * 1024)))
            {
                final RinglogConsumer consumer = new RinglogConsumer(client);
                consumer.assign("kafka-out", 0, 1);
                final Set<Integer> seen = new HashSet<>();
                final long[] lastOffset = {-1, -1};
                Polling.until("all records read natively", 60_000, () ->
                {
                    consumer.poll(r ->
                    {
                        final int i = headerIndex(r);
                        assertTrue(seen.add(i), "record " + i + " delivered twice");
                        assertEquals(i % 2, r.partition());
                        assertEquals("kafka-out", r.topic());
                        assertEquals(key(i), r.keyAsString());
                        assertEquals(value(i), r.valueAsString());
                        assertEquals(1_600_000_000_000L + i, r.timestamp());
                        assertTrue(r.offset() > lastOffset[r.partition()], "offsets increase");
                        lastOffset[r.partition()] = r.offset();
                    }, 100);
                    return seen.size() == RECORDS;
                });
                assertEquals(RECORDS / 2, consumer.position("kafka-out", 0));
                assertEquals(RECORDS / 2, consumer.position("kafka-out", 1));
                consumer.close();
            }
        }
    }

    @Test
    void aCompressedBatchStopsTheNativeConsumerNamingTheCodec() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false))
        {
            broker.createTopic("zipped", 1, Map.of());
            try (KafkaProducer<byte[], byte[]> producer = broker.kafkaProducer(ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "gzip", ProducerConfig.LINGER_MS_CONFIG, 0))
            {
                producer.send(new ProducerRecord<>("zipped", 0, null, utf8("a"))).get();
                producer.send(new ProducerRecord<>("zipped", 0, null, utf8("b"))).get();
            }
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().autoOffsetReset("earliest")))
            {
                final RinglogConsumer consumer = new RinglogConsumer(client);
                consumer.assign("zipped", 0);
                final UnsupportedCompressionException[] thrown = {null};
                Polling.until(client, "the compressed batch", 30_000, () ->
                {
                    try
                    {
                        consumer.poll(r -> { }, 10);
                        return false;
                    }
                    catch (final UnsupportedCompressionException ex)
                    {
                        thrown[0] = ex;
                        return true;
                    }
                });
                assertEquals("gzip", thrown[0].codec());
                assertEquals(0, thrown[0].baseOffset());
                assertTrue(thrown[0].getMessage().contains("gzip"), thrown[0].getMessage());
                assertThrows(UnsupportedCompressionException.class, () -> consumer.poll(r -> { }, 10));

                consumer.seek("zipped", 0, thrown[0].lastOffset() + 1); // past it: the next batch is gzip too
                final UnsupportedCompressionException[] second = {null};
                Polling.until(client, "the second compressed batch", 30_000, () ->
                {
                    try
                    {
                        consumer.poll(r -> { }, 10);
                        return false;
                    }
                    catch (final UnsupportedCompressionException ex)
                    {
                        second[0] = ex;
                        return true;
                    }
                });
                assertEquals(1, second[0].baseOffset());
            }
        }
    }

    @Test
    void commitsAreKeptByTheGroupCoordinatorKafkaUses() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false))
        {
            broker.createTopic("committed", 1, Map.of());
            try (KafkaProducer<byte[], byte[]> producer = broker.kafkaProducer())
            {
                for (int i = 0; i < 50; i++)
                {
                    producer.send(new ProducerRecord<>("committed", 0, null, utf8("v" + i)));
                }
            }
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().groupId("native-group")
                .enableAutoCommit(false).autoOffsetReset("earliest")))
            {
                final RinglogConsumer consumer = new RinglogConsumer(client);
                assertEquals(-1, consumer.committed("committed", 0));
                consumer.assign("committed", 0);
                final int[] read = {0};
                Polling.until(client, "30 records", 30_000, () ->
                {
                    read[0] += consumer.poll(r -> { }, 30 - read[0]);
                    return read[0] == 30;
                });
                assertEquals(30, consumer.position("committed", 0));
                consumer.commitSync();
                assertEquals(30, consumer.committed("committed", 0));
            }
            try (KafkaConsumer<byte[], byte[]> kafka = broker.kafkaConsumer(
                org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "native-group"))
            {
                final TopicPartition tp = new TopicPartition("committed", 0);
                assertEquals(30, kafka.committed(Set.of(tp)).get(tp).offset(), "Kafka sees the native commit");
            }
            // A new native consumer in the group starts where the group committed.
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().groupId("native-group")
                .enableAutoCommit(false)))
            {
                final RinglogConsumer consumer = new RinglogConsumer(client);
                consumer.assign("committed", 0);
                final List<Long> offsets = new ArrayList<>();
                Polling.until(client, "the rest", 30_000, () ->
                {
                    consumer.poll(r -> offsets.add(r.offset()), 100);
                    return offsets.size() == 20;
                });
                assertEquals(30L, offsets.get(0));
            }
        }
    }

    @Test
    void recordsArrivingWhileTheClientDoesOtherWorkAreStagedAndDeliveredInOrder() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false))
        {
            broker.createTopic("staged", 1, Map.of());
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().autoOffsetReset("earliest")))
            {
                final RinglogProducer producer = new RinglogProducer(client, null);
                final ProducerTopic topic = producer.topic("staged");
                final RinglogConsumer consumer = new RinglogConsumer(client);
                consumer.assign("staged", 0);
                Polling.until(client, "the subscription", 10_000, () ->
                {
                    consumer.poll(r -> { }, 10);
                    return consumer.isStreaming("staged", 0);
                });
                // Each sendSync polls the client: the records it streams back arrive with nobody consuming.
                for (int i = 0; i < 300; i++)
                {
                    assertEquals(i, producer.sendSync(topic, 0, null, utf8("v" + i), null, RinglogProducer.NOW));
                }
                assertTrue(consumer.stagedMessageCount() > 0, "records were staged while the consumer was not polled");
                final List<String> values = new ArrayList<>();
                Polling.until(client, "every record", 20_000, () ->
                {
                    consumer.poll(r -> values.add(r.valueAsString()), 7);
                    return values.size() >= 300;
                });
                for (int i = 0; i < 300; i++)
                {
                    assertEquals("v" + i, values.get(i));
                }
                assertEquals(300, values.size());
            }
        }
    }

    @Test
    void aSynchronousCallFromInsideAHandlerIsRefusedAndTheRecordComesAgain() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false))
        {
            broker.createTopic("reentrant", 1, Map.of());
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().autoOffsetReset("earliest")))
            {
                final RinglogProducer producer = new RinglogProducer(client, null);
                final ProducerTopic topic = producer.topic("reentrant");
                producer.sendSync(topic, 0, null, utf8("first"), null, RinglogProducer.NOW);
                final RinglogConsumer consumer = new RinglogConsumer(client);
                consumer.assign("reentrant", 0);
                final IllegalStateException[] refused = {null};
                Polling.until(client, "the refusal", 30_000, () ->
                {
                    try
                    {
                        consumer.poll(r -> producer.sendSync(topic, 0, null, utf8("echo"), null, RinglogProducer.NOW), 10);
                        return false;
                    }
                    catch (final IllegalStateException ex)
                    {
                        refused[0] = ex;
                        return true;
                    }
                });
                assertTrue(refused[0].getMessage().contains("from inside a handler"), refused[0].getMessage());
                final List<String> values = new ArrayList<>();
                Polling.until(client, "the record again", 30_000, () ->
                {
                    consumer.poll(r -> values.add(r.valueAsString()), 10);
                    return !values.isEmpty();
                });
                assertEquals(List.of("first"), values);
                assertEquals(1, consumer.position("reentrant", 0));
            }
        }
    }

    static int headerIndex(final RecordView r)
    {
        final RecordView.HeaderCursor headers = r.headers();
        while (headers.next())
        {
            if (headers.keyEquals("index"))
            {
                return Integer.parseInt(new String(headers.valueBytes(), StandardCharsets.UTF_8));
            }
        }
        throw new AssertionError("no index header at offset " + r.offset());
    }
}
