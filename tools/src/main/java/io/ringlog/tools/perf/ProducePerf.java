package io.ringlog.tools.perf;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.NativeOptions;
import io.ringlog.tools.client.NativeSends;
import io.ringlog.tools.client.ProducerOptions;
import io.ringlog.tools.client.SendErrors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ringlog perf produce TOPIC}: send N records of a given size as fast as allowed (or at {@code --throughput}),
 * and report throughput and the send-to-acknowledgement latency of each record. With {@code --throughput} the
 * latency counts from each record's scheduled send time, so stalls in the sender are not hidden. With
 * {@code --native} the records go through the native producer; its client is polled by the sending thread between
 * sends (and while waiting for the next slot), and each record's token is its due time.
 */
@Command(name = "produce", description = "producer throughput and send-to-ack latency")
final class ProducePerf extends BrokerCommand
{
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-n", "--records"}, paramLabel = "N", defaultValue = "100000",
        description = "records to send (default ${DEFAULT-VALUE})")
    long records;

    @Option(names = {"-s", "--record-size"}, paramLabel = "BYTES", defaultValue = "100",
        description = "value size (default ${DEFAULT-VALUE})")
    int recordSize;

    @Option(names = "--throughput", paramLabel = "RECORDS/S", defaultValue = "0",
        description = "records per second to aim at (default: as fast as possible)")
    double throughput;

    @Mixin
    ProducerOptions producing;

    @Mixin
    PerfOptions perf;

    @Mixin
    NativeOptions nativeOptions;

    /** The longest park between duty cycles while the native sender waits: acknowledgements wait at most this. */
    private static final long NATIVE_MAX_PARK_NS = 50_000;

    @Override
    protected int run() throws Exception
    {
        if (records < 1 || recordSize < 0)
        {
            throw CliException.usage("--records must be at least 1 and --record-size at least 0");
        }
        final byte[] value = new byte[recordSize];
        new Random(42).nextBytes(value);
        final LatencyStats stats = new LatencyStats();
        final AtomicLong acked = new AtomicLong();
        final SendErrors errors = new SendErrors();
        final Pacer pacer = new Pacer(throughput);
        final Meter meter = new Meter();
        final ScheduledExecutorService progress = perf.progress(err(), () ->
        {
            final long done = acked.get();
            return "perf produce: " + done + " records acked, " + meter.since(done, done * recordSize) + ", " +
                LatencyStats.brief(stats.interval());
        });
        final long endNs;
        if (nativeOptions.enabled())
        {
            final NativeSends sends = new NativeSends(client.timeout(), due ->
            {
                stats.record(System.nanoTime() - due);
                acked.incrementAndGet();
            }, NATIVE_MAX_PARK_NS);
            try (RinglogClient c = nativeOptions.connect(client, "ringlog-perf-producer", producing::applyTo);
                RinglogProducer producer = new RinglogProducer(c, sends))
            {
                final ProducerTopic t = NativeSends.topic(producer, topic);
                for (long i = 0; i < records; i++)
                {
                    final long due = pacer.awaitDue(i, c::poll, NATIVE_MAX_PARK_NS);
                    sends.send(c, producer, t, RinglogProducer.ANY_PARTITION, null, value, null, due);
                    if ((i & 63) == 0)
                    {
                        c.poll(); // acknowledgements, when sending flat out
                    }
                }
                producer.flush();
                endNs = System.nanoTime();
            }
            finally
            {
                progress.shutdownNow();
            }
            sends.throwIfAny(records);
            return report(endNs, pacer, stats);
        }
        try (KafkaProducer<byte[], byte[]> producer = client.producer(producing.settings()))
        {
            for (long i = 0; i < records; i++)
            {
                final long due = pacer.awaitDue(i);
                producer.send(new ProducerRecord<>(topic, value), (metadata, ex) ->
                {
                    if (ex == null)
                    {
                        stats.record(System.nanoTime() - due);
                        acked.incrementAndGet();
                    }
                    errors.onCompletion(ex);
                });
            }
            producer.flush();
            endNs = System.nanoTime();
        }
        finally
        {
            progress.shutdownNow();
        }
        errors.throwIfAny(client, records);
        return report(endNs, pacer, stats);
    }

    private int report(final long endNs, final Pacer pacer, final LatencyStats stats) throws java.io.IOException
    {
        out().println(String.format("perf produce: %d records of %d bytes in %.2f s: %s (acks=%s%s)", records,
            recordSize, (endNs - pacer.startNs()) / 1e9,
            PerfCommand.rate(records, records * recordSize, endNs - pacer.startNs()), producing.acks(),
            nativeOptions.enabled() ? ", native" : ""));
        perf.report(out(), "send-to-ack latency" + (throughput > 0 ? ", from each record's scheduled send time:" : ":"),
            stats.total());
        return 0;
    }
}
