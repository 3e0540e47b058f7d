package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kafka-clients pointed at any bootstrap address: a broker process, or a proxy in front of a broker (where
 * {@link TestBroker}'s factories, bound to an in-process broker, do not reach). Settings are {@code key, value}
 * pairs applied over short, test-friendly timeouts.
 */
final class Clients
{
    private Clients()
    {
    }

    static Admin admin(final String bootstrap)
    {
        return Admin.create(properties(bootstrap, "request.timeout.ms", 10_000, "default.api.timeout.ms", 20_000));
    }

    static KafkaProducer<String, String> producer(final String bootstrap, final Object... settings)
    {
        final Properties p = properties(bootstrap, "request.timeout.ms", 10_000, "delivery.timeout.ms", 30_000,
            "linger.ms", 2);
        p.putAll(properties(bootstrap, settings));
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(final String bootstrap)
    {
        return new KafkaConsumer<>(properties(bootstrap, "enable.auto.commit", false, "request.timeout.ms", 10_000,
            "default.api.timeout.ms", 20_000), new StringDeserializer(), new StringDeserializer());
    }

    /** Create a topic and wait until the broker has it. */
    static void createTopic(final String bootstrap, final String topic, final int partitions,
        final Map<String, String> configs) throws Exception
    {
        try (Admin admin = admin(bootstrap))
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1).configs(configs))).all().get();
        }
    }

    /**
     * Send the numbered records {@code from..to-1}: record {@code i} has key {@code k<i>} and value {@code v<i>} and
     * goes to partition {@code i % partitions}, so each partition holds a known sequence.
     *
     * @return the sends, in order.
     */
    static List<Future<RecordMetadata>> sendNumbered(final KafkaProducer<String, String> producer, final String topic,
        final int partitions, final int from, final int to)
    {
        final List<Future<RecordMetadata>> sent = new ArrayList<>(to - from);
        for (int i = from; i < to; i++)
        {
            sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, "k" + i, "v" + i)));
        }
        return sent;
    }

    /** Each numbered send was acknowledged at its place: record {@code i} at offset {@code i / partitions}. */
    static void assertAcknowledgedInPlace(final List<Future<RecordMetadata>> sent, final int partitions,
        final int from) throws Exception
    {
        for (int i = 0; i < sent.size(); i++)
        {
            final RecordMetadata metadata = sent.get(i).get(30, TimeUnit.SECONDS);
            assertEquals((from + i) % partitions, metadata.partition(), "partition of record " + (from + i));
            assertEquals((from + i) / partitions, metadata.offset(), "offset of record " + (from + i));
        }
    }

    /** How many of the numbered records {@code 0..records-1} go to each partition. */
    static int[] numberedCounts(final int records, final int partitions)
    {
        final int[] counts = new int[partitions];
        Arrays.setAll(counts, p -> (records - p + partitions - 1) / partitions);
        return counts;
    }

    /**
     * Read partitions {@code 0..partitions-1} of {@code topic} from the beginning (assign and seek, no group) up to
     * the end offsets they have when this is called.
     *
     * @return the records of each partition, in the order read.
     */
    static Map<Integer, List<ConsumerRecord<String, String>>> readAll(
        final String bootstrap, final String topic, final int partitions, final Duration timeout)
    {
        final List<TopicPartition> assigned = new ArrayList<>();
        final Map<Integer, List<ConsumerRecord<String, String>>> read = new TreeMap<>();
        for (int p = 0; p < partitions; p++)
        {
            assigned.add(new TopicPartition(topic, p));
            read.put(p, new ArrayList<>());
        }
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap))
        {
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, ends))
            {
                assertTrue(System.nanoTime() - deadline < 0, "read " + topic + " up to " + ends + " within " +
                    timeout + "; got " + read.values().stream().mapToInt(List::size).sum() + " records");
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100)))
                {
                    read.get(r.partition()).add(r);
                }
            }
        }
        return read;
    }

    private static boolean reached(final KafkaConsumer<String, String> consumer, final Map<TopicPartition, Long> ends)
    {
        for (final Map.Entry<TopicPartition, Long> end : ends.entrySet())
        {
            if (consumer.position(end.getKey()) < end.getValue())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Each partition holds exactly the numbered records sent to it ({@link #sendNumbered}), each once, in the order
     * sent, at offsets 0, 1, 2...: nothing lost, repeated or reordered.
     *
     * @return how many records each partition holds.
     */
    static int[] assertNumberedInOrder(final Map<Integer, List<ConsumerRecord<String, String>>> read,
        final int partitions)
    {
        final int[] counts = new int[partitions];
        for (int p = 0; p < partitions; p++)
        {
            final List<ConsumerRecord<String, String>> records = read.get(p);
            for (int j = 0; j < records.size(); j++)
            {
                final ConsumerRecord<String, String> r = records.get(j);
                final int i = j * partitions + p;
                assertEquals(j, r.offset(), "offset of the record at index " + j + " of partition " + p);
                assertEquals("v" + i, r.value(), "value at offset " + j + " of partition " + p);
                assertEquals("k" + i, r.key(), "key at offset " + j + " of partition " + p);
            }
            counts[p] = records.size();
        }
        return counts;
    }

    private static Properties properties(final String bootstrap, final Object... settings)
    {
        final Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put(settings[i], settings[i + 1]);
        }
        return p;
    }
}
