package io.ringlog.perf.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * End-to-end latency with Kafka's own {@code EndToEndLatency} method, at nanosecond resolution: for each record,
 * {@code send(record).get()} then {@code poll()} until it comes back, one record in flight, the same producer and
 * consumer settings as the tool (linger.ms=0, fetch.max.wait.ms=0, a group id with manual assignment and no
 * commits, seek to the end). The tool truncates every latency to whole milliseconds before its percentiles (its p50
 * is 0 or 1 on a fast broker), and counts its first, cold record; this probe keeps nanoseconds, drops
 * {@code --warmup-records} first and also reports the time to the acknowledgement alone.
 *
 * <p>Run by {@link SideBySide} in its own JVM with Kafka 4.3.1's classpath (so with the same kafka-clients as the
 * tools), never on the harness's own. It is a closed loop, one request at a time, so a stall delays one sample
 * instead of the many an open-loop load would have queued behind it: these are service times, not latencies
 * corrected for coordinated omission.
 *
 * <p>Prints {@code latency-probe: client=V records=N warmup=W avg.us=... p50.us=... p90.us=... p99.us=...
 * p99.9.us=... max.us=... ack.p50.us=... ack.p99.us=...}; exit code 1 on a lost or wrong record.
 */
public final class LatencyProbe
{
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(60);

    private LatencyProbe()
    {
    }

    /**
     * @param args {@code --bootstrap-server H:P --topic T --num-records N [--warmup-records W] [--producer-acks 1|all]
     *             [--record-size B]}.
     */
    public static void main(final String[] args)
    {
        final ProbeArgs options = ProbeArgs.parse("latency-probe", args, "--bootstrap-server", "--topic",
            "--num-records", "--warmup-records", "--producer-acks", "--record-size");
        final String bootstrap = options.required("--bootstrap-server");
        final String topic = options.required("--topic");
        final int records = Math.toIntExact(options.longValue("--num-records", 10_000));
        final int warmup = Math.toIntExact(options.longValue("--warmup-records", 1_000));
        final String acks = options.value("--producer-acks", "1");
        if (!"1".equals(acks) && !"all".equals(acks))
        {
            throw new IllegalArgumentException("--producer-acks must be 1 or all, as for EndToEndLatency");
        }
        final int recordSize = Math.toIntExact(options.longValue("--record-size", 100));
        if (recordSize < Long.BYTES)
        {
            throw new IllegalArgumentException("--record-size must be at least " + Long.BYTES);
        }

        final long[] total = new long[records];
        final long[] ack = new long[records];
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap));
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap, acks)))
        {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);

            final byte[] value = new byte[recordSize];
            Arrays.fill(value, (byte)'A');
            for (int i = -warmup; i < records; i++)
            {
                ByteBuffer.wrap(value).putLong(0, i);
                final long begin = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, value)).get();
                final long acked = System.nanoTime();
                final ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL_TIMEOUT);
                final long end = System.nanoTime();
                check(polled, i, recordSize);
                if (i >= 0)
                {
                    total[i] = end - begin;
                    ack[i] = acked - begin;
                }
            }
        }
        catch (final Exception ex)
        {
            System.out.println("latency-probe failed: " + ex);
            System.exit(1);
        }

        final long sum = Arrays.stream(total).sum();
        Arrays.sort(total);
        Arrays.sort(ack);
        System.out.printf("latency-probe: client=%s records=%d warmup=%d acks=%s avg.us=%.1f p50.us=%.1f p90.us=%.1f "
                + "p99.us=%.1f p99.9.us=%.1f max.us=%.1f ack.p50.us=%.1f ack.p99.us=%.1f%n",
            ProbeArgs.clientVersion(), records, warmup, acks, sum / 1e3 / records, micros(total, 0.5),
            micros(total, 0.9), micros(total, 0.99), micros(total, 0.999), total[records - 1] / 1e3,
            micros(ack, 0.5), micros(ack, 0.99));
    }

    /** The tool's own rule, {@code sorted[(int) (n * q)]}, kept so the two agree on what a percentile is. */
    private static double micros(final long[] sorted, final double quantile)
    {
        return sorted[Math.min(sorted.length - 1, (int)(sorted.length * quantile))] / 1e3;
    }

    private static void check(final ConsumerRecords<byte[], byte[]> polled, final int sequence, final int size)
    {
        if (polled.count() != 1)
        {
            throw new IllegalStateException("record " + sequence + ": expected one record, polled " + polled.count());
        }
        final ConsumerRecord<byte[], byte[]> record = polled.iterator().next();
        final byte[] value = record.value();
        if (null == value || value.length != size || ByteBuffer.wrap(value).getLong(0) != sequence)
        {
            throw new IllegalStateException("record " + sequence + ": polled a different record at offset "
                + record.offset());
        }
    }

    private static Properties consumerProps(final String bootstrap)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "latency-probe-" + System.currentTimeMillis());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "0");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    private static Properties producerProps(final String bootstrap, final String acks)
    {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Long.MAX_VALUE));
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }
}
