package io.ringlog.tools.records;

import io.ringlog.tools.CliException;
import io.ringlog.tools.client.ClientOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads one topic from a chosen position and prints each record as a line, until {@code --max-messages}, an idle
 * time-out, or Ctrl-C. Without a group it assigns partitions itself and commits nothing, so it disturbs no consumer
 * group; with one it joins the group and commits exactly what it printed.
 * <p>
 * Used by one thread (the command's); a shutdown hook only wakes the consumer up and waits for the loop to close it.
 */
final class RecordStream
{
    /** Where reading starts. */
    enum Start
    {
        /** New records only. */
        END,
        /** The earliest record kept (with a group: where no offset is committed). */
        BEGINNING,
        /** This offset in every partition, clamped to what the partition holds. */
        OFFSET,
        /** The first record at or after this time (epoch ms). */
        TIMESTAMP,
        /** This many records before the end of each partition. */
        LAST,
        /** A group's committed offsets, and new records where it has none. */
        COMMITTED
    }

    private static final Duration MAX_POLL = Duration.ofMillis(500);

    private final ClientOptions client;
    private final String topic;
    private final List<Integer> partitions;
    private final String group;
    private final Start start;
    private final long startValue;

    private RecordFormat format = RecordFormat.VALUE;
    private String keySeparator = ":";
    private long maxMessages;
    private Duration idleTimeout;

    RecordStream(
        final ClientOptions client,
        final String topic,
        final List<Integer> partitions,
        final String group,
        final Start start,
        final long startValue)
    {
        this.client = client;
        this.topic = topic;
        this.partitions = partitions;
        this.group = group;
        this.start = start;
        this.startValue = startValue;
    }

    RecordStream format(final RecordFormat format, final String keySeparator)
    {
        this.format = format;
        this.keySeparator = keySeparator;
        return this;
    }

    /**
     * @param maxMessages stop after this many records; 0: no limit.
     * @param idleTimeout stop after this long without a record; null: never.
     */
    RecordStream limits(final long maxMessages, final Duration idleTimeout)
    {
        this.maxMessages = maxMessages;
        this.idleTimeout = idleTimeout;
        return this;
    }

    /** @return the number of records printed. */
    long run(final PrintWriter out)
    {
        final Map<String, Object> settings = new HashMap<>();
        if (group != null)
        {
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start == Start.BEGINNING ? "earliest" : "latest");
        try (KafkaConsumer<byte[], byte[]> consumer = client.consumer(settings))
        {
            final List<TopicPartition> assigned = partitionsToRead(consumer);
            if (group != null && partitions.isEmpty())
            {
                consumer.subscribe(List.of(topic), new PositionOnAssignment(consumer));
            }
            else
            {
                consumer.assign(assigned);
                position(consumer, assigned);
            }
            return loop(consumer, out);
        }
    }

    private List<TopicPartition> partitionsToRead(final KafkaConsumer<byte[], byte[]> consumer)
    {
        final List<PartitionInfo> infos = consumer.partitionsFor(topic); // also proves the broker answers
        if (infos == null || infos.isEmpty())
        {
            throw new CliException("no topic '" + topic + "'");
        }
        final List<TopicPartition> all = new ArrayList<>();
        infos.forEach(i -> all.add(new TopicPartition(topic, i.partition())));
        if (partitions.isEmpty())
        {
            return all;
        }
        final List<TopicPartition> chosen = new ArrayList<>();
        for (final int p : partitions)
        {
            if (p < 0 || p >= all.size())
            {
                throw CliException.usage("topic " + topic + " has no partition " + p + " (it has " + all.size() + ")");
            }
            chosen.add(new TopicPartition(topic, p));
        }
        return chosen;
    }

    private void position(final KafkaConsumer<byte[], byte[]> consumer, final Collection<TopicPartition> tps)
    {
        if (tps.isEmpty())
        {
            return;
        }
        switch (start)
        {
            case BEGINNING -> consumer.seekToBeginning(tps);
            case END -> consumer.seekToEnd(tps);
            case COMMITTED ->
            {
                // A group's committed offsets apply by themselves; auto.offset.reset covers the rest.
            }
            case OFFSET, LAST ->
            {
                final Map<TopicPartition, Long> first = consumer.beginningOffsets(tps);
                final Map<TopicPartition, Long> end = consumer.endOffsets(tps);
                for (final TopicPartition tp : tps)
                {
                    final long wanted = start == Start.OFFSET ? startValue : end.get(tp) - startValue;
                    consumer.seek(tp, Math.max(first.get(tp), Math.min(end.get(tp), wanted)));
                }
            }
            case TIMESTAMP ->
            {
                final Map<TopicPartition, Long> query = new HashMap<>();
                tps.forEach(tp -> query.put(tp, startValue));
                final Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
                final List<TopicPartition> none = new ArrayList<>();
                for (final TopicPartition tp : tps)
                {
                    final OffsetAndTimestamp o = found.get(tp);
                    if (o == null)
                    {
                        none.add(tp);
                    }
                    else
                    {
                        consumer.seek(tp, o.offset());
                    }
                }
                if (!none.isEmpty())
                {
                    consumer.seekToEnd(none); // an empty list would mean every assigned partition
                }
            }
            default -> throw new IllegalStateException(start.name());
        }
    }

    private long loop(final KafkaConsumer<byte[], byte[]> consumer, final PrintWriter out)
    {
        final CountDownLatch closed = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            consumer.wakeup();
            try
            {
                closed.await(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "ringlog-consume-stop");
        Runtime.getRuntime().addShutdownHook(hook);

        long printed = 0;
        final Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        final Duration pollTime = idleTimeout == null || idleTimeout.compareTo(MAX_POLL) > 0 ? MAX_POLL : idleTimeout;
        long lastRecordNs = System.nanoTime();
        try
        {
            while (maxMessages == 0 || printed < maxMessages)
            {
                final ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTime);
                for (final ConsumerRecord<byte[], byte[]> r : records)
                {
                    out.println(format.format(r, keySeparator));
                    toCommit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    if (++printed == maxMessages)
                    {
                        break;
                    }
                }
                if (!records.isEmpty())
                {
                    lastRecordNs = System.nanoTime();
                    commit(consumer, toCommit);
                }
                else if (idleTimeout != null && System.nanoTime() - lastRecordNs >= idleTimeout.toNanos())
                {
                    break;
                }
            }
        }
        catch (final WakeupException ex)
        {
            commit(consumer, toCommit); // Ctrl-C: keep what was printed
        }
        finally
        {
            out.flush();
            closed.countDown();
            removeHook(hook);
        }
        return printed;
    }

    private void commit(
        final KafkaConsumer<byte[], byte[]> consumer, final Map<TopicPartition, OffsetAndMetadata> offsets)
    {
        if (group != null && !offsets.isEmpty())
        {
            consumer.commitSync(offsets);
            offsets.clear();
        }
    }

    private static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ignore)
        {
            // The JVM is already shutting down: the hook is running and ends by itself.
        }
    }

    /** With a group subscription, positions each newly assigned partition once (explicit starts only). */
    private final class PositionOnAssignment implements ConsumerRebalanceListener
    {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Set<TopicPartition> positioned = new HashSet<>();

        PositionOnAssignment(final KafkaConsumer<byte[], byte[]> consumer)
        {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            if (start == Start.OFFSET || start == Start.TIMESTAMP || start == Start.LAST)
            {
                final List<TopicPartition> fresh = new ArrayList<>();
                for (final TopicPartition tp : partitions)
                {
                    if (positioned.add(tp))
                    {
                        fresh.add(tp);
                    }
                }
                position(consumer, fresh);
            }
        }
    }
}
