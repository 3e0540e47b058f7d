package io.ringlog.tools.perf;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.TopicMetadata;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.reader.SameHostReader;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.DurationConverter;
import io.ringlog.tools.client.NativeOptions;
import io.ringlog.tools.client.NativeSends;
import io.ringlog.tools.client.SendErrors;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
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
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ringlog perf latency TOPIC}: end-to-end latency, producer to consumer, at a fixed rate. One producer sends
 * on a fixed schedule ({@link Pacer}); a consumer in the same process, on its own thread and with no group, reads
 * the records back. Each record carries its scheduled send time and its actual send time ({@code System.nanoTime},
 * one clock). The headline table measures from the scheduled time, which corrects for coordinated omission: when
 * the producer stalls, the records it should have sent meanwhile are charged the stall. The uncorrected figures,
 * from the actual send, follow for comparison. Records sent during the warm-up are not counted.
 * <p>
 * With {@code --native}: the native producer on the sending thread (its client polled while the {@link Pacer} waits,
 * parking between cycles, never spinning), and on the reading thread a second client with a {@link SameHostReader}
 * per partition, which reads the broker's segment files in place up to the high watermark: the broker must be on
 * this host. The two clients are two sessions, each used by its own thread only.
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

    @Mixin
    NativeOptions nativeOptions;

    /** Longest park between duty cycles of the native clients while idle: it bounds the added latency. */
    private static final long NATIVE_MAX_PARK_NS = 50_000;

    @Override
    protected int run() throws Exception
    {
        if (rate <= 0 || recordSize < HEADER || warmup.compareTo(duration) >= 0)
        {
            throw CliException.usage("--rate must be above 0, --record-size at least " + HEADER +
                ", --warmup shorter than --duration");
        }
        if (nativeOptions.enabled() && !List.of("all", "-1", "1", "0").contains(acks))
        {
            throw CliException.usage("--acks must be all, 1 or 0, not '" + acks + "'");
        }
        final LatencyStats corrected = new LatencyStats();
        final LatencyStats uncorrected = new LatencyStats();
        final ReaderBase reader = nativeOptions.enabled() ? new NativeReader(corrected, uncorrected) :
            new Reader(corrected, uncorrected);
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
        if (nativeOptions.enabled())
        {
            final NativeSends sends = new NativeSends(client.timeout(), token -> { }, NATIVE_MAX_PARK_NS);
            try (RinglogClient c = nativeOptions.connect(client, "ringlog-perf-latency-producer", ctx ->
                ctx.acks("all".equals(acks) ? -1 : Integer.parseInt(acks)).lingerMs(0));
                RinglogProducer producer = new RinglogProducer(c, sends))
            {
                final ProducerTopic t = NativeSends.topic(producer, topic);
                for (long i = 0; ; i++)
                {
                    final long due = pacer.awaitDue(i, c::poll, NATIVE_MAX_PARK_NS);
                    if (due >= endNs)
                    {
                        break;
                    }
                    value.putLong(0, MAGIC).putLong(Long.BYTES, due).putLong(2 * Long.BYTES, System.nanoTime());
                    // send() copies the value into its batch before returning, so the one buffer is reused.
                    sends.send(c, producer, t, RinglogProducer.ANY_PARTITION, null, value.array(), null, i);
                    c.poll(); // the sealed batch goes out now, not at the next slot
                    sent.incrementAndGet();
                }
                producer.flush();
                final long deadline = System.nanoTime() + client.timeout().toNanos();
                while (reader.received.get() < sent.get() && reader.running && System.nanoTime() < deadline)
                {
                    if (c.poll() == 0) // the session's keep-alive while the reader catches up
                    {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
            }
            finally
            {
                progress.shutdownNow();
                reader.stop();
                readerThread.join(TimeUnit.SECONDS.toMillis(10));
            }
            sends.throwIfAny(sent.get());
            return report(reader, sent.get(), corrected, uncorrected);
        }
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
        return report(reader, sent.get(), corrected, uncorrected);
    }

    private int report(
        final ReaderBase reader, final long sent, final LatencyStats corrected, final LatencyStats uncorrected)
        throws java.io.IOException
    {
        final long missing = sent - reader.received.get();
        out().println(String.format("perf latency: %d records of %d bytes at %.0f/s for %s (first %s left out), " +
            "acks=%s%s: %d received%s", sent, recordSize, rate, DurationConverter.format(duration),
            DurationConverter.format(warmup), acks, nativeOptions.enabled() ? ", native" : "", reader.received.get(),
            missing > 0 ? ", " + missing + " MISSING after " + DurationConverter.format(client.timeout()) : ""));
        perf.report(out(), "end-to-end latency from each record's scheduled send time " +
            "(corrected for coordinated omission):", corrected.total());
        LatencyStats.printTable(out(), "end-to-end latency from the actual send (uncorrected):", uncorrected.total());
        return missing > 0 ? CliException.FAILED : 0;
    }

    /** The reading side, on its own thread: what the Kafka and the native readers share. */
    private abstract static class ReaderBase implements Runnable
    {
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        volatile long measureFromNs = Long.MAX_VALUE;
        volatile boolean running = true;
        final LatencyStats corrected;
        final LatencyStats uncorrected;

        ReaderBase(final LatencyStats corrected, final LatencyStats uncorrected)
        {
            this.corrected = corrected;
            this.uncorrected = uncorrected;
        }

        /** One of this command's records arrived at {@code now}: count it, and measure it after the warm-up. */
        void onReceived(final long now, final long due, final long sentNs)
        {
            if (due >= measureFromNs)
            {
                corrected.record(now - due);
                uncorrected.record(now - sentNs);
            }
            synchronized (this)
            {
                received.incrementAndGet();
                notifyAll();
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

    /**
     * The native reading side: its own client (a session of its own: a client is used by one thread) and a
     * {@link SameHostReader} per partition from the end, polled in turn with the client's duty cycle; it parks
     * up to {@link #NATIVE_MAX_PARK_NS} when a round found nothing.
     */
    private final class NativeReader extends ReaderBase
    {
        NativeReader(final LatencyStats corrected, final LatencyStats uncorrected)
        {
            super(corrected, uncorrected);
        }

        @Override
        public void run()
        {
            final List<SameHostReader> readers = new ArrayList<>();
            try (RinglogClient c = nativeOptions.connect(client, "ringlog-perf-latency-reader", ctx -> { }))
            {
                final TopicMetadata m = c.fetchMetadata(topic);
                for (int p = 0; p < m.partitionCount(); p++)
                {
                    readers.add(SameHostReader.open(c, topic, p, SameHostReader.LATEST));
                }
                ready.complete(null);
                final RecordHandler handler = this::onRecord;
                final IdleStrategy idle = new BackoffIdleStrategy(10, 5, 1_000, NATIVE_MAX_PARK_NS);
                while (running)
                {
                    int work = c.poll();
                    for (final SameHostReader reader : readers)
                    {
                        final int n = reader.poll(handler, 256);
                        if (n < 0 && n != SameHostReader.STORAGE_ERROR)
                        {
                            throw new CliException(readerError(n) + ": the same-host reader of " + topic +
                                " stopped at offset " + reader.position());
                        }
                        work += Math.max(0, n);
                    }
                    idle.idle(work);
                }
            }
            catch (final RuntimeException ex)
            {
                ready.completeExceptionally(ex);
            }
            finally
            {
                readers.forEach(SameHostReader::close);
                running = false;
                synchronized (this)
                {
                    notifyAll();
                }
            }
        }

        private static String readerError(final int code)
        {
            return switch (code)
            {
                case SameHostReader.UNSUPPORTED_COMPRESSION -> "UNSUPPORTED_COMPRESSION";
                case SameHostReader.CORRUPT_BATCH -> "CORRUPT_BATCH";
                case SameHostReader.COUNTERS_CLOSED -> "COUNTERS_CLOSED (the broker stopped)";
                default -> "code " + code;
            };
        }

        private void onRecord(final RecordView r)
        {
            final long now = System.nanoTime();
            if (r.valueLength() < HEADER || r.buffer().getLong(r.valueOffset(), ByteOrder.BIG_ENDIAN) != MAGIC)
            {
                return; // someone else's record
            }
            onReceived(now, r.buffer().getLong(r.valueOffset() + Long.BYTES, ByteOrder.BIG_ENDIAN),
                r.buffer().getLong(r.valueOffset() + 2 * Long.BYTES, ByteOrder.BIG_ENDIAN));
        }
    }

    /** The consumer, on its own thread: created, positioned and polled there only. */
    private final class Reader extends ReaderBase
    {
        Reader(final LatencyStats corrected, final LatencyStats uncorrected)
        {
            super(corrected, uncorrected);
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
                        onReceived(now, b.getLong(Long.BYTES), b.getLong(2 * Long.BYTES));
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

    }
}
