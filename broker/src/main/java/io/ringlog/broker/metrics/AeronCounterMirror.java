package io.ringlog.broker.metrics;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.ringlog.broker.core.aeron.PartitionCounters;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.sequencer.AppendCounters;
import io.ringlog.sequencer.PartitionSequencer;
import io.ringlog.transport.kafka.net.KafkaListenerCounters;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The broker's own counters copied into Aeron counters in the media driver's shared memory, so Aeron's
 * {@code AeronStat} (and anything reading the driver's CnC file) shows them beside the gateway's and the driver's:
 * the Kafka listener's (type {@link #BROKER_TYPE_ID}, label {@code ringlog kafka: <what>}) and per partition the
 * records and bytes appended and the produces refused by a full ring (type {@link #PARTITION_TYPE_ID}, key as the
 * high-watermark counter's: topic id msb, lsb, partition, label {@code ringlog <what>: <topic>-<partition>}).
 * <p>
 * Copied, not written at the source: the sources are single-writer values on the selector and shard threads, and
 * copying them once every {@link #COPY_INTERVAL_MS} ms keeps the hot path free of a second store and the sequencer
 * free of Aeron. AeronStat samples once a second itself, so the copy loses nothing a reader of it would see.
 * <p>
 * <b>Threads.</b> One thread of its own ({@code ringlog-aeron-counters}), sleeping between copies; it alone
 * allocates, writes and frees these counters (partitions that appeared get counters, those that went have theirs
 * freed, reconciled at each copy), so no thread ever writes a counter after it was freed. Stopped by {@link #close()}
 * before the Aeron client closes.
 */
public final class AeronCounterMirror implements Agent, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AeronCounterMirror.class);
    /** Type id of the broker-wide counters. */
    public static final int BROKER_TYPE_ID = 7701_20;
    /** Type id of the per-partition counters. */
    public static final int PARTITION_TYPE_ID = 7701_21;
    /** How often the values are copied. */
    static final long COPY_INTERVAL_MS = 1000;

    private final Aeron aeron;
    private final ReplicaManager partitions;
    private final List<Counter> brokerCounters = new ArrayList<>();
    private final List<LongSupplier> brokerSources = new ArrayList<>();
    private final Map<Partition, Counter[]> partitionCounters = new HashMap<>();
    private AgentRunner runner;
    private long nextCopyMs;

    private AeronCounterMirror(final Aeron aeron, final KafkaListenerCounters listener,
        final ReplicaManager partitions)
    {
        this.aeron = aeron;
        this.partitions = partitions;
        broker("connections open", listener::activeConnections);
        broker("connections accepted", listener::acceptedConnections);
        broker("requests", listener::requests);
        broker("responses sent", listener::responses);
        broker("bytes in", listener::bytesIn);
        broker("bytes out", listener::bytesOut);
        broker("bad frames", listener::badFrames);
        broker("unsupported versions", listener::unsupportedVersions);
        broker("reads paused for request memory", listener::memoryWaits);
        broker("handler errors", listener::handlerErrors);
    }

    /**
     * Allocate the broker-wide counters and start copying on a thread of its own.
     *
     * @return the running mirror; {@link #close()} stops it and frees every counter.
     */
    public static AeronCounterMirror start(final Aeron aeron, final KafkaListenerCounters listener,
        final ReplicaManager partitions, final ErrorHandler errors)
    {
        final AeronCounterMirror mirror = new AeronCounterMirror(aeron, listener, partitions);
        mirror.runner = new AgentRunner(new SleepingMillisIdleStrategy(100), errors, null, mirror);
        AgentRunner.startOnThread(mirror.runner);
        return mirror;
    }

    @Override
    public int doWork()
    {
        final long nowMs = System.currentTimeMillis();
        if (nowMs < nextCopyMs)
        {
            return 0;
        }
        nextCopyMs = nowMs + COPY_INTERVAL_MS;
        copy();
        return 1;
    }

    /** Copy every value once; reconcile the partition set first. Mirror thread. */
    private void copy()
    {
        for (int i = 0; i < brokerCounters.size(); i++)
        {
            brokerCounters.get(i).setRelease(brokerSources.get(i).getAsLong());
        }
        final Set<Partition> current = new HashSet<>();
        partitions.all().forEach(current::add);
        partitionCounters.entrySet().removeIf(e ->
        {
            if (!current.contains(e.getKey()))
            {
                CloseHelper.quietCloseAll(e.getValue());
                return true;
            }
            return false;
        });
        for (final Partition partition : current)
        {
            final Counter[] counters = partitionCounters.computeIfAbsent(partition, this::allocate);
            if (counters.length == 0)
            {
                continue; // the driver had no room for them: logged once when refused
            }
            final PartitionSequencer sequencer = partition.sequencer();
            final AppendCounters appended = sequencer.appendCounters();
            counters[0].setRelease(appended.records());
            counters[1].setRelease(appended.bytes());
            counters[2].setRelease(sequencer.backPressuredCount());
        }
    }

    @Override
    public String roleName()
    {
        return "ringlog-aeron-counters";
    }

    @Override
    public void onClose()
    {
        partitionCounters.values().forEach(CloseHelper::quietCloseAll);
        partitionCounters.clear();
        CloseHelper.quietCloseAll(brokerCounters);
        brokerCounters.clear();
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(runner); // runs onClose on the mirror thread: it alone frees the counters
    }

    private void broker(final String what, final LongSupplier source)
    {
        final byte[] label = ("ringlog kafka: " + what).getBytes(StandardCharsets.US_ASCII);
        brokerCounters.add(aeron.addCounter(BROKER_TYPE_ID, null, 0, 0, new UnsafeBuffer(label), 0, label.length));
        brokerSources.add(source);
    }

    private Counter[] allocate(final Partition partition)
    {
        final UnsafeBuffer key = PartitionCounters.key(partition);
        final Counter[] counters = new Counter[3];
        try
        {
            counters[0] = partitionCounter(key, "records appended", partition);
            counters[1] = partitionCounter(key, "bytes appended", partition);
            counters[2] = partitionCounter(key, "produces back-pressured", partition);
            return counters;
        }
        catch (final RuntimeException ex)
        {
            // The driver's counter space is full (see PartitionCounters): the partition goes without, once.
            CloseHelper.quietCloseAll(counters);
            LOG.warn("no Aeron counters for {}: {}", partition, ex.toString());
            return new Counter[0];
        }
    }

    private Counter partitionCounter(final UnsafeBuffer key, final String what, final Partition partition)
    {
        final byte[] label = ("ringlog " + what + ": " + partition).getBytes(StandardCharsets.US_ASCII);
        return aeron.addCounter(PARTITION_TYPE_ID, key, 0, key.capacity(), new UnsafeBuffer(label), 0, label.length);
    }
}
