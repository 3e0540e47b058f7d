package io.ringlog.tools.perf;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.DurationConverter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ringlog perf consume TOPIC}: read as fast as the broker serves, report records/s and MiB/s and, per record,
 * its age at receipt (now minus its timestamp): an end-to-end latency when a producer runs at the same time, with
 * millisecond resolution (record timestamps are milliseconds).
 */
@Command(name = "consume", description = "consumer throughput and record age at receipt")
final class ConsumePerf extends BrokerCommand
{
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-n", "--records"}, paramLabel = "N", defaultValue = "0",
        description = "stop after N records (default: when none arrives for --idle-timeout)")
    long records;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "10s",
        converter = DurationConverter.class,
        description = "stop when no record arrives for this long (default ${DEFAULT-VALUE})")
    Duration idleTimeout;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", description = "read as a member of this group")
    String group;

    @Option(names = "--from-end", description = "read only new records (default: from the beginning)")
    boolean fromEnd;

    @Mixin
    PerfOptions perf;

    @Override
    protected int run() throws Exception
    {
        final Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromEnd ? "latest" : "earliest");
        if (group != null)
        {
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        final LatencyStats ages = new LatencyStats();
        final AtomicLong count = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final Meter meter = new Meter();
        final long startNs;
        long endNs;
        try (KafkaConsumer<byte[], byte[]> consumer = client.consumer(settings))
        {
            final List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null || infos.isEmpty())
            {
                throw new CliException("no topic '" + topic + "'");
            }
            if (group != null)
            {
                consumer.subscribe(List.of(topic));
            }
            else
            {
                final List<TopicPartition> tps = infos.stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(tps);
                if (fromEnd)
                {
                    consumer.seekToEnd(tps);
                }
                else
                {
                    consumer.seekToBeginning(tps);
                }
            }
            final ScheduledExecutorService progress = perf.progress(err(), () -> "perf consume: " + count.get() +
                " records, " + meter.since(count.get(), bytes.get()) + ", age " +
                LatencyStats.brief(ages.interval()));
            startNs = System.nanoTime();
            endNs = startNs;
            try
            {
                long lastRecordNs = startNs;
                while (records == 0 || count.get() < records)
                {
                    final var polled = consumer.poll(Duration.ofMillis(200));
                    final long nowNs = System.nanoTime();
                    final long nowMs = System.currentTimeMillis();
                    for (final ConsumerRecord<byte[], byte[]> r : polled)
                    {
                        ages.record((nowMs - r.timestamp()) * 1_000_000L);
                        bytes.addAndGet(Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize()));
                        if (count.incrementAndGet() == records)
                        {
                            break;
                        }
                    }
                    if (!polled.isEmpty())
                    {
                        lastRecordNs = nowNs;
                        endNs = nowNs;
                    }
                    else if (nowNs - lastRecordNs >= idleTimeout.toNanos())
                    {
                        break;
                    }
                }
            }
            finally
            {
                progress.shutdownNow();
            }
        }
        if (count.get() == 0)
        {
            throw new CliException("no record arrived from " + topic + " within " +
                DurationConverter.format(idleTimeout));
        }
        out().println(String.format("perf consume: %d records, %d bytes in %.2f s: %s", count.get(), bytes.get(),
            (endNs - startNs) / 1e9, PerfCommand.rate(count.get(), bytes.get(), endNs - startNs)));
        perf.report(out(), "record age at receipt (now - record timestamp, ms resolution):", ages.total());
        return 0;
    }
}
