package io.ringlog.perf.kafka;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end latency at a fixed rate, corrected for coordinated omission: a producer thread sends record {@code i} at
 * its intended time {@code start + i / rate} (stamped into the value with the record's number), whatever happened to
 * the ones before, and the main thread's consumer (partitions assigned, no group, positioned at the end before the
 * first send; it fetches from each partition's leader, Kafka's default) records {@code receive - intended} in an
 * HdrHistogram. A stalled broker therefore shows in every record scheduled during the stall, not in one. Records
 * scheduled in the warm-up are received and checked but not recorded.
 *
 * <p>Run by {@link ReplicationBench} in its own JVM with Kafka 4.3.1's classpath (kafka-clients 4.3.1, whose jars
 * include HdrHistogram). Producer: the given acks (idempotent at acks=all, as kafka-clients 4.3.1's default),
 * {@code linger.ms=0} as {@code EndToEndLatency}; consumer: kafka-clients' defaults otherwise (a fetch waits at the
 * broker up to 500 ms for data, and is answered as soon as a record is committed). One clock, {@code System.nanoTime},
 * for both ends.
 *
 * <p>Prints {@code rate-latency-probe: rate=R size=B sent=N errors=E received=M duplicates=D measured=K
 * achieved.per.s=X p50.us=... p99.us=... p99.9.us=... max.us=...}; exit code 1 if a sent record did not arrive, a
 * send failed, or a record came back different.
 */
public final class RateLatencyProbe
{
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);
    private static final long DRAIN_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);

    private RateLatencyProbe()
    {
    }

    /**
     * @param args {@code --bootstrap-server H:P,... --topic T --rate MSGS_PER_S --record-size B --seconds S
     *             [--warmup-seconds W] [--producer-acks 1|all]}.
     */
    public static void main(final String[] args) throws Exception
    {
        final ProbeArgs options = ProbeArgs.parse("rate-latency-probe", args, "--bootstrap-server", "--topic",
            "--rate", "--record-size", "--seconds", "--warmup-seconds", "--producer-acks");
        final String bootstrap = options.required("--bootstrap-server");
        final String topic = options.required("--topic");
        final long rate = options.longValue("--rate", 1_000);
        final int size = Math.toIntExact(options.longValue("--record-size", 100));
        final long seconds = options.longValue("--seconds", 10);
        final long warmupSeconds = options.longValue("--warmup-seconds", 2);
        final String acks = options.value("--producer-acks", "all");
        if (size < 2 * Long.BYTES)
        {
            throw new IllegalArgumentException("--record-size must be at least " + 2 * Long.BYTES);
        }
        final int total = Math.toIntExact(rate * (warmupSeconds + seconds));
        final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
        final BitSet seen = new BitSet(total);
        final AtomicLong errors = new AtomicLong();
        long received = 0;
        long duplicates = 0;
        long wrong = 0;
        final long start;
        final long measureFrom;
        final long[] sendEnd = new long[1];
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap));
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap, acks)))
        {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            producer.partitionsFor(topic); // metadata before the clock starts

            start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
            final double intervalNs = 1e9 / rate;
            final Thread sender = new Thread(() ->
            {
                for (int i = 0; i < total; i++)
                {
                    final long intended = start + (long)(i * intervalNs);
                    long now;
                    while ((now = System.nanoTime()) < intended)
                    {
                        if (intended - now > 100_000)
                        {
                            LockSupport.parkNanos(intended - now - 50_000);
                        }
                        else
                        {
                            Thread.onSpinWait();
                        }
                    }
                    final byte[] value = new byte[size];
                    ByteBuffer.wrap(value).putLong(0, intended).putLong(Long.BYTES, i);
                    producer.send(new ProducerRecord<>(topic, value), (metadata, ex) ->
                    {
                        if (null != ex)
                        {
                            errors.incrementAndGet();
                        }
                    });
                }
                sendEnd[0] = System.nanoTime();
                producer.flush();
            }, "rate-latency-sender");
            sender.start();

            long drainDeadline = Long.MAX_VALUE;
            while (received < total - errors.get() && System.nanoTime() < drainDeadline)
            {
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100)))
                {
                    final long now = System.nanoTime();
                    final byte[] value = record.value();
                    if (null == value || value.length != size)
                    {
                        wrong++;
                        continue;
                    }
                    final ByteBuffer buffer = ByteBuffer.wrap(value);
                    final long intended = buffer.getLong(0);
                    final long sequence = buffer.getLong(Long.BYTES);
                    if (sequence < 0 || sequence >= total)
                    {
                        wrong++;
                        continue;
                    }
                    if (seen.get((int)sequence))
                    {
                        duplicates++;
                        continue;
                    }
                    seen.set((int)sequence);
                    received++;
                    if (intended >= measureFrom)
                    {
                        histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (now - intended) / 1_000)));
                    }
                }
                if (!sender.isAlive() && drainDeadline == Long.MAX_VALUE)
                {
                    drainDeadline = System.nanoTime() + DRAIN_LIMIT_NS;
                }
            }
            sender.join();
        }
        final double achieved = (total - 1) * 1e9 / Math.max(1, sendEnd[0] - start);
        System.out.printf("rate-latency-probe: rate=%d size=%d sent=%d errors=%d received=%d duplicates=%d "
                + "wrong=%d measured=%d achieved.per.s=%.0f p50.us=%d p99.us=%d p99.9.us=%d max.us=%d%n",
            rate, size, total, errors.get(), received, duplicates, wrong, histogram.getTotalCount(), achieved,
            histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
            histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
        System.exit(received == total && 0 == errors.get() && 0 == wrong ? 0 : 1);
    }

    private static Properties consumerProps(final String bootstrap)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    private static Properties producerProps(final String bootstrap, final String acks)
    {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString("all".equals(acks)));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }
}
