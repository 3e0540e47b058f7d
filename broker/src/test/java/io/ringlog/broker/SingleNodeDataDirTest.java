package io.ringlog.broker;

import io.ringlog.broker.core.metadata.TopicStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A data directory of the single-node broker from before the controller quorum (topics in
 * {@code __ringlog_metadata/topics/*.topic}, producer ids in {@code producer-id-block}, no quorum directory) keeps
 * working: its topics come back with their ids and records, and producer ids continue above the old block.
 */
@Timeout(120)
class SingleNodeDataDirTest
{
    @Test
    void aSingleNodeDirectoryIsHandedToTheQuorumOnce(@TempDir final Path dir) throws Exception
    {
        final Path data = dir.resolve("data");
        final UUID id;
        final UUID offsetsId;
        final int offsetsPartitions;
        // Records written by a broker, whose quorum directory is then removed and whose topic is written back in the
        // single-node broker's files: the layout an older Ringlog left.
        try (TestBroker broker = new TestBroker(data))
        {
            Clients.createTopic(broker.bootstrap(), "legacy", 2, Map.of("retention.ms", "3600000"));
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap()))
            {
                for (int i = 0; i < 10; i++)
                {
                    producer.send(new ProducerRecord<>("legacy", i % 2, null, "v" + i)).get(30, TimeUnit.SECONDS);
                }
            }
            id = broker.broker.controller().image().topic("legacy").id();
            offsetsId = broker.broker.controller().image().topic("__consumer_offsets").id();
            offsetsPartitions = broker.broker.controller().image().topic("__consumer_offsets").partitions().size();
        }
        final Path metadata = data.resolve(TopicStore.DIR_NAME);
        deleteTree(metadata.resolve("quorum"));
        final TopicStore store = new TopicStore(data);
        store.write(new TopicStore.StoredTopic("legacy", id, 2, 1, Map.of("retention.ms", "3600000")));
        store.write(new TopicStore.StoredTopic("__consumer_offsets", offsetsId, offsetsPartitions, 1,
            Map.of("cleanup.policy", "compact", "retention.ms", "-1", "retention.bytes", "-1")));
        Files.writeString(metadata.resolve("producer-id-block"), "5000", StandardCharsets.UTF_8);

        try (TestBroker broker = new TestBroker(data))
        {
            try (Admin admin = broker.admin())
            {
                final var legacy = admin.describeTopics(List.of("legacy")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("legacy");
                assertEquals(new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()), legacy.topicId(),
                    "the topic keeps its id");
                assertEquals(2, legacy.partitions().size());
            }
            final List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = broker.consumer())
            {
                consumer.assign(List.of(new TopicPartition("legacy", 0), new TopicPartition("legacy", 1)));
                consumer.seekToBeginning(consumer.assignment());
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (values.size() < 10 && System.nanoTime() < deadline)
                {
                    for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
                    {
                        values.add(r.value());
                    }
                }
            }
            assertEquals(10, values.size(), "every record of the old directory: " + values);
            assertTrue(Files.exists(metadata.resolve("topics").resolve("MIGRATED-TO-QUORUM")));
            try (RawKafkaClient client = new RawKafkaClient(broker.broker.port()))
            {
                assertTrue(client.initProducerId().producerId() >= 5000, "producer ids continue above the old block");
            }
            // Deleted through the quorum, it stays deleted: the old files are not read again.
            try (Admin admin = broker.admin())
            {
                admin.deleteTopics(List.of("legacy")).all().get(30, TimeUnit.SECONDS);
            }
        }
        try (TestBroker broker = new TestBroker(data); Admin admin = broker.admin())
        {
            assertTrue(!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("legacy"));
        }
    }

    private static void deleteTree(final Path root) throws Exception
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
    }
}
