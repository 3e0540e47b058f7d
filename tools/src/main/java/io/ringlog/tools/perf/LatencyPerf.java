package io.ringlog.tools.perf;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.DurationConverter;
import io.ringlog.tools.client.SendErrors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ringlog perf latency TOPIC}: end-to-end latency, producer to consumer, at a fixed rate. One producer sends
 * on a fixed schedule ({@link Pacer}); a consumer in the same process, on its own thread and with no group, reads
 * the records back. Each record carries its scheduled send time and its actual send time ({@code System.nanoTime},
 * one clock). The headline table measures from the scheduled time, which corrects for coordinated omission: when
 * the producer stalls, the records it should have sent meanwhile are charged the stall. The uncorrected figures,
 * from the actual send, follow for comparison. Records sent during the warm-up are not counted.
 */
@Command(name = "latency", description = "end-to-end latency at a fixed rate, corrected for coordinated omission")
final class LatencyPerf extends BrokerCommand
{
    private static final long MAGIC = 0x52_4C_2D_4C_41_54_31_00L; // "RL-LAT1\0": a record this command sent
    private static final int HEADER = 3 * Long.BYTES;
    private static final Duration POLL = Duration.ofMillis(100);

    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = "--rate", paramLabel = "RECORDS/S", defaultValue = "1000",
        description = "records per second, fixed (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
        description = "how long to send, warm-up included (default ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
        description = "first part of the run left out of the figures (default ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(names = {"-s", "--record-size"}, paramLabel = "BYTES", defaultValue = "100",
        description = "value size, at least " + HEADER + " (default ${DEFAULT-VALUE})")
    int recordSize;

    @Option(names = "--acks", paramLabel = "ACKS", defaultValue = "all", description = "all, 1 or 0")
    String acks;

    @Mixin
    PerfOptions perf;

    @Override
    protected int run() throws Exception
    {
        if (rate <= 0 || recordSize < HEADER || warmup.compareTo(duration) >= 0)
        {
            throw CliException.usage("--rate must be above 0, --record-size at least " + HEADER +
                ", --warmup shorter than --duration");
        }
        final LatencyStats corrected = new LatencyStats();
        final LatencyStats uncorrected = new LatencyStats();
        final Reader reader = new Reader(corrected, uncorrected);
        final Thread readerThread = new Thread(reader, "ringlog-perf-latency-consumer");
        readerThread.setDaemon(true);
        readerThread.start();
        reader.ready.get(); // the consumer sits at the end of every partition: nothing sent is missed

        final AtomicLong sent = new AtomicLong();
        final SendErrors errors = new SendErrors();
        final Meter meter = new Meter();
        final ScheduledExecutorService progress = perf.progress(err(), () -> "perf latency: " + sent.get() +
            " sent, " + reader.received.get() + " received, " + meter.since(sent.get(), sent.get() * recordSize) +
            ", " + LatencyStats.brief(corrected.interval()));
        final Pacer pacer = new Pacer(rate);
        reader.measureFromNs = pacer.startNs() + warmup.toNanos();
        final long endNs = pacer.startNs() + duration.toNanos();
        final ByteBuffer value = ByteBuffer.allocate(recordSize);
        try (KafkaProducer<byte[], byte[]> producer = client.producer(Map.of(
            ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.LINGER_MS_CONFIG, 0)))
        {
            for (long i = 0; ; i++)
            {
                final long due = pacer.awaitDue(i);
                if (due >= endNs)
                {
                    break;
                }
                value.putLong(0, MAGIC).putLong(Long.BYTES, due).putLong(2 * Long.BYTES, System.nanoTime());
                // send() copies the value into its batch before returning, so the one buffer is reused.
                producer.send(new ProducerRecord<>(topic, value.array()), (metadata, ex) -> errors.onCompletion(ex));
                sent.incrementAndGet();
            }
            producer.flush();
            reader.awaitReceived(sent.get(), client.timeout());
        }
        finally
        {
            progress.shutdownNow();
            reader.stop();
            readerThread.join(TimeUnit.SECONDS.toMillis(10));
        }
        errors.throwIfAny(client, sent.get());
        final long missing = sent.get() - reader.received.get();
        out().println(String.format("perf latency: %d records of %d bytes at %.0f/s for %s (first %s left out), " +
            "acks=%s: %d received%s", sent.get(), recordSize, rate, DurationConverter.format(duration),
            DurationConverter.format(warmup), acks, reader.received.get(),
            missing > 0 ? ", " + missing + " MISSING after " + DurationConverter.format(client.timeout()) : ""));
        perf.report(out(), "end-to-end latency from each record's scheduled send time " +
            "(corrected for coordinated omission):", corrected.total());
        LatencyStats.printTable(out(), "end-to-end latency from the actual send (uncorrected):", uncorrected.total());
        return missing > 0 ? CliException.FAILED : 0;
    }

    /** The consumer, on its own thread: created, positioned and polled there only. */
    private final class Reader implements Runnable
    {
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        volatile long measureFromNs = Long.MAX_VALUE;
        private final LatencyStats corrected;
        private final LatencyStats uncorrected;
        private volatile boolean running = true;

        Reader(final LatencyStats corrected, final LatencyStats uncorrected)
        {
            this.corrected = corrected;
            this.uncorrected = uncorrected;
        }

        @Override
        public void run()
        {
            try (KafkaConsumer<byte[], byte[]> consumer = client.consumer(Map.of()))
            {
                final List<PartitionInfo> infos = consumer.partitionsFor(topic);
                if (infos == null || infos.isEmpty())
                {
                    throw new CliException("no topic '" + topic + "'");
                }
                final List<TopicPartition> tps = infos.stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(tps);
                consumer.seekToEnd(tps);
                tps.forEach(consumer::position); // resolve the end offsets now, before anything is sent
                ready.complete(null);
                while (running)
                {
                    for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL))
                    {
                        final long now = System.nanoTime();
                        final byte[] v = r.value();
                        if (v == null || v.length < HEADER || ByteBuffer.wrap(v).getLong(0) != MAGIC)
                        {
                            continue; // someone else's record
                        }
                        final ByteBuffer b = ByteBuffer.wrap(v);
                        final long due = b.getLong(Long.BYTES);
                        if (due >= measureFromNs)
                        {
                            corrected.record(now - due);
                            uncorrected.record(now - b.getLong(2 * Long.BYTES));
                        }
                        synchronized (this)
                        {
                            received.incrementAndGet();
                            notifyAll();
                        }
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                ready.completeExceptionally(ex);
            }
            finally
            {
                running = false;
                synchronized (this)
                {
                    notifyAll();
                }
            }
        }

        /** Wait, without spinning, until {@code count} records were received or {@code timeout} passed. */
        synchronized void awaitReceived(final long count, final Duration timeout) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            for (long left = timeout.toNanos(); received.get() < count && left > 0 && running;
                left = deadline - System.nanoTime())
            {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        void stop()
        {
            running = false;
        }
    }
}
