package io.ringlog.broker.metrics;

import io.aeron.Aeron;
import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import org.agrona.concurrent.status.CountersReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The broker's counters as Aeron counters, read the way AeronStat reads them: from another Aeron client on the
 * broker's media driver, by label, never through the broker's objects.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AeronCounterMirrorTest
{
    @TempDir
    Path dir;

    @Test
    void brokerAndPartitionCountersAppearInTheDriverAndFollowTopics() throws Exception
    {
        final Map<String, String> config = new HashMap<>(Map.of(
            "listeners", "PLAINTEXT://127.0.0.1:0",
            "log.dirs", dir.resolve("data").toString(),
            "offsets.topic.num.partitions", "1",
            "aeron.dir", dir.resolve("aeron").toString(),
            "native.ingress.channels", "aeron:ipc",
            "native.egress.term.length", Integer.toString(1024 * 1024)));
        try (RingBroker broker = RingBroker.start(BrokerConfig.from(config));
            Aeron stat = Aeron.connect(new Aeron.Context().aeronDirectoryName(broker.aeronDirectoryName()));
            Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(broker))))
        {
            admin.createTopics(List.of(new NewTopic("mirrored", 1, (short)1))).all().get();
            final Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(broker));
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p))
            {
                for (int i = 0; i < 10; i++)
                {
                    producer.send(new ProducerRecord<>("mirrored", 0, null, "value-" + i)).get();
                }
            }
            final CountersReader counters = stat.countersReader();
            await(counters, AeronCounterMirror.PARTITION_TYPE_ID, "ringlog records appended: mirrored-0", v -> v == 10);
            await(counters, AeronCounterMirror.PARTITION_TYPE_ID, "ringlog bytes appended: mirrored-0",
                v -> v == broker.partitions().partition("mirrored", 0).log().sizeInBytes());
            await(counters, AeronCounterMirror.BROKER_TYPE_ID, "ringlog kafka: requests", v -> v >= 11);
            await(counters, AeronCounterMirror.BROKER_TYPE_ID, "ringlog kafka: bytes in", v -> v > 0);

            admin.deleteTopics(List.of("mirrored")).all().get();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (find(counters, AeronCounterMirror.PARTITION_TYPE_ID, "ringlog records appended: mirrored-0") != -1)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("the deleted partition's counters were not freed");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertTrue(find(counters, AeronCounterMirror.BROKER_TYPE_ID, "ringlog kafka: requests") != -1,
                "broker counters outlive a topic");
        }
    }

    private static String bootstrap(final RingBroker broker)
    {
        return "127.0.0.1:" + broker.port();
    }

    private static void await(final CountersReader counters, final int typeId, final String label,
        final LongPredicate expected)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = Long.MIN_VALUE;
        while (System.nanoTime() < deadline)
        {
            final int id = find(counters, typeId, label);
            if (id != -1)
            {
                last = counters.getCounterValue(id);
                if (expected.test(last))
                {
                    return;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertEquals("a matching value", "'" + label + "' = " + last);
    }

    /** The id of the allocated counter with this type and label, or -1. */
    private static int find(final CountersReader counters, final int typeId, final String label)
    {
        final int[] found = {-1};
        counters.forEach((id, type, key, text) ->
        {
            if (type == typeId && text.equals(label) &&
                counters.getCounterState(id) == CountersReader.RECORD_ALLOCATED)
            {
                found[0] = id;
            }
        });
        return found[0];
    }
}
