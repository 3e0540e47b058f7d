package io.ringlog.perf.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Consumer throughput without a consumer group: Kafka's {@code ConsumerPerformance} settings (2 MiB receive buffer,
 * 1 MiB {@code max.partition.fetch.bytes}, {@code check.crcs=false}, from the earliest offset, byte-array
 * deserializers, {@code poll(100 ms)} in a loop), but the partitions are assigned rather than subscribed, so it runs
 * against a broker without group coordination, as Ringlog is until its consumer-groups issue lands.
 * ConsumerPerformance itself needs FindCoordinator and JoinGroup.
 *
 * <p>Timed from just before the first poll to the poll that returned the last wanted record: it includes the
 * metadata and ListOffsets round trips (a few ms), as ConsumerPerformance's {@code fetch.*} columns do not. MB is
 * 2^20 bytes of keys and values, as ConsumerPerformance counts it.
 *
 * <p>Run by {@link SideBySide} in its own JVM with Kafka 4.3.1's classpath. Prints {@code consumer-probe: client=V
 * records=N bytes=B elapsed.ms=T MB.sec=X nMsg.sec=Y}; exit code 1 if it read fewer than {@code --num-records}
 * before {@code --timeout-ms} passed without a record.
 */
public final class ConsumerProbe
{
    private static final Duration POLL = Duration.ofMillis(100);

    private ConsumerProbe()
    {
    }

    /**
     * @param args {@code --bootstrap-server H:P --topic T --num-records N [--timeout-ms MS]}.
     */
    public static void main(final String[] args)
    {
        final ProbeArgs options = ProbeArgs.parse("consumer-probe", args, "--bootstrap-server", "--topic",
            "--num-records", "--timeout-ms");
        final String topic = options.required("--topic");
        final long wanted = options.longValue("--num-records", 1_000_000);
        final long timeoutMs = options.longValue("--timeout-ms", 10_000);

        long records = 0;
        long bytes = 0;
        final long start;
        long end;
        final String bootstrap = options.required("--bootstrap-server");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props(bootstrap)))
        {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            start = System.nanoTime();
            end = start;
            long lastRecord = System.currentTimeMillis();
            while (records < wanted && System.currentTimeMillis() - lastRecord < timeoutMs)
            {
                final ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL);
                if (!polled.isEmpty())
                {
                    for (final ConsumerRecord<byte[], byte[]> record : polled)
                    {
                        records++;
                        bytes += (null == record.key() ? 0 : record.key().length)
                            + (null == record.value() ? 0 : record.value().length);
                    }
                    end = System.nanoTime();
                    lastRecord = System.currentTimeMillis();
                }
            }
        }
        final double seconds = Math.max(1, end - start) / 1e9;
        System.out.printf("consumer-probe: client=%s records=%d bytes=%d elapsed.ms=%.1f MB.sec=%.4f nMsg.sec=%.1f%n",
            ProbeArgs.clientVersion(), records, bytes, seconds * 1e3, bytes / (1024.0 * 1024.0) / seconds,
            records / seconds);
        if (records < wanted)
        {
            System.out.println("consumer-probe failed: read " + records + " of " + wanted + " records before "
                + timeoutMs + " ms passed without one");
            System.exit(1);
        }
    }

    private static Properties props(final String bootstrap)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "perf-consumer-client");
        props.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "2097152");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1048576");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.CHECK_CRCS_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }
}
