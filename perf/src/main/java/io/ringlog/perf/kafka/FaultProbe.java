package io.ringlog.perf.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer at a fixed rate into one partition while the harness takes that partition's leader away, then a read of
 * the whole partition back. Run by {@link ReplicationBench} in its own JVM with Kafka 4.3.1's classpath; it talks to
 * the harness over its standard streams:
 * <ol>
 *   <li>it sends record {@code i} (its number in the value) at {@code start + i / rate}, noting the wall-clock time
 *       (epoch microseconds) of each send and each acknowledgement, and prints {@code fault-probe: ready} once the
 *       first second's worth of records is acknowledged;</li>
 *   <li>the harness takes the leader away (kill -9 or SIGTERM) and writes {@code fault EPOCH_MICROS} on its standard
 *       input: the wall-clock time just before the signal;</li>
 *   <li>it keeps sending until a record sent after that time is acknowledged, then for {@code --after-ms} more, then
 *       stops, waits for every outstanding send's outcome, and reads the partition from its start up to its end
 *       offset (the high watermark: what a consumer may see).</li>
 * </ol>
 * <b>Recovery</b> is the first acknowledgement of a record sent after the fault minus the fault's time: the first
 * successful write afterwards, at the producer's acks. Records sent before the fault and acknowledged after it are
 * left out, since the dying leader may have answered them before the signal (to within one send interval, the time of
 * the first write the new leader takes). <b>Lost</b> is the records acknowledged to the producer and not read back.
 * The producer keeps kafka-clients' defaults (retries, {@code delivery.timeout.ms} 120 s, metadata refresh back-off)
 * but {@code linger.ms=0}; acks=all is idempotent (max 5 in flight), acks=1 is not (Kafka allows idempotence only
 * with acks=all).
 *
 * <p>Prints {@code fault-probe: acks=A sent=N acked=K failed=F lost=L duplicates=D read=R recovered.ms=X} (X = -1 if
 * no write succeeded after the fault within 120 s); exit code 1 on a probe failure (not on loss: the harness reports
 * it). Two threads: the sender and the main thread (stdin, then the read-back).
 */
public final class FaultProbe
{
    private static final long RECOVERY_LIMIT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final long READ_LIMIT_NS = TimeUnit.SECONDS.toNanos(120);

    private FaultProbe()
    {
    }

    /**
     * @param args {@code --bootstrap-server H:P,... --topic T --partition P --rate MSGS_PER_S --producer-acks 1|all
     *             [--record-size B] [--after-ms MS] [--max-seconds S]}.
     */
    public static void main(final String[] args) throws Exception
    {
        final ProbeArgs options = ProbeArgs.parse("fault-probe", args, "--bootstrap-server", "--topic",
            "--partition", "--rate", "--producer-acks", "--record-size", "--after-ms", "--max-seconds");
        final String bootstrap = options.required("--bootstrap-server");
        final String topic = options.required("--topic");
        final int partition = Math.toIntExact(options.longValue("--partition", 0));
        final long rate = options.longValue("--rate", 1_000);
        final String acks = options.value("--producer-acks", "all");
        final int size = Math.toIntExact(options.longValue("--record-size", 100));
        final long afterMs = options.longValue("--after-ms", 2_000);
        final long maxSeconds = options.longValue("--max-seconds", 300);
        if (!"1".equals(acks) && !"all".equals(acks))
        {
            throw new IllegalArgumentException("--producer-acks must be 1 or all");
        }
        // Room for the longest run: every record it could send, at the rate, within --max-seconds.
        final int capacity = Math.toIntExact(rate * maxSeconds);
        final AtomicLongArray sentAt = new AtomicLongArray(capacity);
        final AtomicLongArray ackedAt = new AtomicLongArray(capacity); // 0: not (yet) acknowledged
        final AtomicInteger outcomes = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger sentCount = new AtomicInteger();
        final AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
        long fault = Long.MAX_VALUE;
        final int readyAfter = Math.toIntExact(Math.max(10, rate));

        final KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap, acks));
        producer.partitionsFor(topic);
        final long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        final double intervalNs = 1e9 / rate;
        final Thread sender = new Thread(() ->
        {
            for (int i = 0; i < capacity; i++)
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
                if (now >= stopAt.get())
                {
                    break;
                }
                final byte[] value = new byte[size];
                ByteBuffer.wrap(value).putLong(0, i);
                final int sequence = i;
                sentAt.set(i, epochMicros());
                sentCount.incrementAndGet();
                producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, ex) ->
                {
                    if (null == ex)
                    {
                        ackedAt.set(sequence, epochMicros());
                    }
                    else
                    {
                        failed.incrementAndGet();
                    }
                    outcomes.incrementAndGet();
                });
            }
            producer.flush();
        }, "fault-probe-sender");
        sender.start();

        long recoveredMicros = -1;
        try
        {
            await(() -> countAcked(ackedAt, sentCount.get()) >= readyAfter, TimeUnit.SECONDS.toNanos(60),
                "the first " + readyAfter + " acknowledgements");
            System.out.println("fault-probe: ready");
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            final String line = in.readLine();
            if (null == line || !line.startsWith("fault "))
            {
                throw new IllegalStateException("expected 'fault EPOCH_MICROS' on stdin, read " + line);
            }
            fault = Long.parseLong(line.substring("fault ".length()).trim());
            final long limit = System.nanoTime() + RECOVERY_LIMIT_NS;
            while (System.nanoTime() < limit && (recoveredMicros = firstAckAfter(sentAt, ackedAt, sentCount.get(),
                fault)) < 0)
            {
                TimeUnit.MILLISECONDS.sleep(1);
            }
            TimeUnit.MILLISECONDS.sleep(afterMs);
        }
        finally
        {
            stopAt.set(System.nanoTime());
            sender.join();
            producer.close(Duration.ofSeconds(150));
        }
        recoveredMicros = firstAckAfter(sentAt, ackedAt, sentCount.get(), fault);

        final int sent = sentCount.get();
        final boolean[] seen = new boolean[sent];
        long duplicates = 0;
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap)))
        {
            final TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long end = consumer.endOffsets(List.of(tp)).get(tp);
            final long deadline = System.nanoTime() + READ_LIMIT_NS;
            while (consumer.position(tp) < end)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("could not read up to offset " + end + " in time");
                }
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)))
                {
                    read++;
                    final long sequence = ByteBuffer.wrap(record.value()).getLong(0);
                    if (sequence >= 0 && sequence < sent)
                    {
                        duplicates += seen[(int)sequence] ? 1 : 0;
                        seen[(int)sequence] = true;
                    }
                }
            }
        }
        long acked = 0;
        long lost = 0;
        for (int i = 0; i < sent; i++)
        {
            if (ackedAt.get(i) != 0)
            {
                acked++;
                lost += seen[i] ? 0 : 1;
            }
        }
        System.out.printf("fault-probe: acks=%s sent=%d acked=%d failed=%d lost=%d duplicates=%d read=%d "
                + "recovered.ms=%.1f%n", acks, sent, acked, failed.get(), lost, duplicates, read,
            recoveredMicros < 0 ? -1.0 : recoveredMicros / 1e3);
        System.exit(0);
    }

    /** @return the earliest acknowledgement of a record sent at or after {@code fault}, minus it; -1 if none. */
    private static long firstAckAfter(
        final AtomicLongArray sentAt, final AtomicLongArray ackedAt, final int sent, final long fault)
    {
        long first = Long.MAX_VALUE;
        for (int i = sent - 1; i >= 0 && sentAt.get(i) >= fault; i--)
        {
            final long acked = ackedAt.get(i);
            if (acked != 0)
            {
                first = Math.min(first, acked);
            }
        }
        return first == Long.MAX_VALUE ? -1 : first - fault;
    }

    private static long countAcked(final AtomicLongArray ackedAt, final int sent)
    {
        long n = 0;
        for (int i = 0; i < sent; i++)
        {
            n += ackedAt.get(i) != 0 ? 1 : 0;
        }
        return n;
    }

    private static void await(final BooleanSupplier condition, final long limitNs,
        final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + limitNs;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("not in time: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** @return the wall clock in microseconds since the epoch: comparable with the harness's, in another process. */
    static long epochMicros()
    {
        final Instant now = Instant.now();
        return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1_000;
    }

    private static Properties consumerProps(final String bootstrap)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
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
