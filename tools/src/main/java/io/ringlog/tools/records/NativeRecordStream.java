package io.ringlog.tools.records;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.TopicMetadata;
import io.ringlog.client.consumer.RinglogConsumer;
import io.ringlog.client.reader.SameHostReader;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.ClientOptions;
import io.ringlog.tools.client.DurationConverter;
import io.ringlog.tools.client.NativeOptions;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code consume --native} and {@code tail --native}: the same positions, formats and limits as {@link RecordStream},
 * read with the native client. {@code consume} reads through a {@link RinglogConsumer} (records streamed to it over
 * Aeron; with a group it joins through {@code subscribe} and commits what it printed); {@code tail} reads through a
 * {@link SameHostReader} per partition: the broker's segment files mapped read-only, up to the high watermark the
 * broker publishes in its media driver, so it needs the broker on this host and asks nothing of it per record, and
 * no group or subscription on the broker sees it.
 * <p>
 * One thread (the command's) uses the client; the loop idles with a back-off (parking up to 1 ms), never spinning.
 * A shutdown hook (Ctrl-C) only asks the loop to stop and waits for it to close the client.
 */
final class NativeRecordStream
{
    private static final int POLL_LIMIT = 500;
    private static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final NativeOptions nativeOptions;
    private final ClientOptions client;
    private final String topic;
    private final List<Integer> partitions;
    private final String group;
    private final RecordStream.Start start;
    private final long startValue;

    private RecordFormat format = RecordFormat.VALUE;
    private String keySeparator = ":";
    private long maxMessages;
    private Duration idleTimeout;
    private volatile boolean stopping;
    private long printed;

    NativeRecordStream(
        final NativeOptions nativeOptions,
        final ClientOptions client,
        final String topic,
        final List<Integer> partitions,
        final String group,
        final RecordStream.Start start,
        final long startValue)
    {
        this.nativeOptions = nativeOptions;
        this.client = client;
        this.topic = topic;
        this.partitions = partitions;
        this.group = group;
        this.start = start;
        this.startValue = startValue;
    }

    NativeRecordStream format(final RecordFormat format, final String keySeparator)
    {
        this.format = format;
        this.keySeparator = keySeparator;
        return this;
    }

    NativeRecordStream limits(final long maxMessages, final Duration idleTimeout)
    {
        this.maxMessages = maxMessages;
        this.idleTimeout = idleTimeout;
        return this;
    }

    /** {@code consume --native}. @return the number of records printed. */
    long consume(final PrintWriter out)
    {
        if (start == RecordStream.Start.TIMESTAMP || start == RecordStream.Start.LAST)
        {
            throw CliException.usage("the native protocol has no look-up by time: --from-timestamp needs the " +
                "Kafka protocol (leave out --native)");
        }
        if (group != null && start == RecordStream.Start.OFFSET && partitions.isEmpty())
        {
            throw CliException.usage("--offset with --group and no --partition is not available with --native " +
                "(partitions come from the group later): add --partition, or leave out --native");
        }
        try (RinglogClient c = nativeOptions.connect(client, "ringlog-consumer", ctx ->
        {
            if (group != null)
            {
                ctx.groupId(group);
            }
            ctx.autoOffsetReset(start == RecordStream.Start.BEGINNING || start == RecordStream.Start.OFFSET ?
                "earliest" : "latest")
                .enableAutoCommit(false);
        });
            RinglogConsumer consumer = new RinglogConsumer(c))
        {
            final int[] chosen = partitionsToRead(metadata(c));
            if (group != null && partitions.isEmpty())
            {
                consumer.subscribe(topic);
            }
            else
            {
                consumer.assign(topic, chosen);
                position(c, consumer, chosen);
            }
            final RecordHandler printer = record -> print(out, record);
            return loop(out, limit ->
            {
                final int n = consumer.poll(printer, limit);
                if (n > 0 && group != null)
                {
                    consumer.commitSync(); // exactly what was printed: the poll delivered no more than that
                }
                return n;
            });
        }
    }

    /** {@code tail --native}: {@code startValue} records before the end of each partition, then new ones. */
    long tail(final PrintWriter out)
    {
        final List<SameHostReader> readers = new ArrayList<>();
        try (RinglogClient c = nativeOptions.connect(client, "ringlog-tail", ctx -> { }))
        {
            for (final int p : partitionsToRead(metadata(c)))
            {
                final SameHostReader reader = SameHostReader.open(c, topic, p, SameHostReader.LATEST);
                readers.add(reader);
                if (startValue > 0)
                {
                    reader.seek(Math.max(0, reader.position() - startValue)); // below the first kept: it jumps
                }
            }
            final RecordHandler printer = record -> print(out, record);
            final long[] storageErrorSinceNs = new long[readers.size()];
            return loop(out, limit ->
            {
                int work = c.poll(); // keep-alive, and the Aeron conductor the readers' counters live in
                int delivered = 0;
                for (int i = 0; i < readers.size() && delivered < limit; i++)
                {
                    final SameHostReader reader = readers.get(i);
                    final int n = reader.poll(printer, limit - delivered);
                    if (n >= 0)
                    {
                        storageErrorSinceNs[i] = 0;
                        delivered += n;
                    }
                    else
                    {
                        failOrWait(reader, n, storageErrorSinceNs, i);
                    }
                }
                return work > 0 && delivered == 0 ? -1 : delivered;
            });
        }
        finally
        {
            readers.forEach(SameHostReader::close);
        }
    }

    private void failOrWait(final SameHostReader reader, final int code, final long[] since, final int i)
    {
        final String where = topic + "-" + readerPartition(i) + " at offset " + reader.position();
        switch (code)
        {
            case SameHostReader.UNSUPPORTED_COMPRESSION -> throw new CliException(where + ": the batch is " +
                "compressed with " + reader.compressionCodec() + "; the same-host reader reads only uncompressed " +
                "batches (tail without --native reads it)");
            case SameHostReader.CORRUPT_BATCH -> throw new CliException("CORRUPT_BATCH: " + where +
                ": the batch does not decode");
            case SameHostReader.COUNTERS_CLOSED -> throw new CliException("COUNTERS_CLOSED: " + where +
                ": the broker or its media driver stopped");
            default ->
            {
                // STORAGE_ERROR: a segment could not be opened yet (a roll in progress); give up after --timeout.
                final long now = System.nanoTime();
                if (since[i] == 0)
                {
                    since[i] = now;
                }
                else if (now - since[i] > client.timeout().toNanos())
                {
                    throw new CliException("STORAGE_ERROR: " + where + ": " + reader.lastError() + " for " +
                        DurationConverter.format(client.timeout()));
                }
            }
        }
    }

    private int readerPartition(final int index)
    {
        return partitions.isEmpty() ? index : partitions.get(index);
    }

    /** A poll of the source: records delivered, or -1 for "no records but other work done" (no idling then). */
    @FunctionalInterface
    private interface Poll
    {
        int poll(int limit);
    }

    private long loop(final PrintWriter out, final Poll poll)
    {
        final CountDownLatch closed = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            stopping = true;
            try
            {
                closed.await(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "ringlog-native-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        final IdleStrategy idle = new BackoffIdleStrategy(10, 5, 1_000, MAX_PARK_NS);
        long lastRecordNs = System.nanoTime();
        try
        {
            while (!stopping && (maxMessages == 0 || printed < maxMessages))
            {
                final int limit = maxMessages == 0 ? POLL_LIMIT : (int)Math.min(POLL_LIMIT, maxMessages - printed);
                final int n = poll.poll(limit);
                if (n > 0)
                {
                    lastRecordNs = System.nanoTime();
                    out.flush();
                    idle.reset();
                }
                else if (idleTimeout != null && System.nanoTime() - lastRecordNs >= idleTimeout.toNanos())
                {
                    break;
                }
                else
                {
                    idle.idle(Math.max(0, -n));
                }
            }
        }
        finally
        {
            out.flush();
            closed.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignore)
            {
                // already shutting down: the hook is running and ends by itself
            }
        }
        return printed;
    }

    private void print(final PrintWriter out, final RecordView record)
    {
        out.println(format.format(toConsumerRecord(record), keySeparator));
        printed++;
    }

    private TopicMetadata metadata(final RinglogClient c)
    {
        try
        {
            return c.fetchMetadata(topic);
        }
        catch (final RinglogException ex)
        {
            if (ex.errorCode() == NativeErrors.UNKNOWN_TOPIC_OR_PARTITION)
            {
                throw new CliException("no topic '" + topic + "'", CliException.FAILED, ex);
            }
            throw ex;
        }
    }

    private int[] partitionsToRead(final TopicMetadata m)
    {
        final int count = m.partitionCount();
        if (partitions.isEmpty())
        {
            final int[] all = new int[count];
            for (int p = 0; p < count; p++)
            {
                all[p] = p;
            }
            return all;
        }
        final int[] chosen = new int[partitions.size()];
        for (int i = 0; i < chosen.length; i++)
        {
            final int p = partitions.get(i);
            if (p < 0 || p >= count)
            {
                throw CliException.usage("topic " + topic + " has no partition " + p + " (it has " + count + ")");
            }
            chosen[i] = p;
        }
        return chosen;
    }

    /** Where each assigned partition starts, as {@link RecordStream} positions them. */
    private void position(final RinglogClient c, final RinglogConsumer consumer, final int[] chosen)
    {
        switch (start)
        {
            case BEGINNING -> seekAll(consumer, chosen, RinglogConsumer.EARLIEST);
            case END -> seekAll(consumer, chosen, RinglogConsumer.LATEST);
            case COMMITTED ->
            {
                for (final int p : chosen)
                {
                    final long committed = consumer.committed(topic, p);
                    consumer.seek(topic, p, committed >= 0 ? committed : RinglogConsumer.LATEST);
                }
            }
            case OFFSET ->
            {
                // Clamp to [log start, end] as the Kafka path does: learn each end by streaming from it first; an
                // offset below the log start is out of range and auto.offset.reset=earliest takes the start.
                seekAll(consumer, chosen, RinglogConsumer.LATEST);
                final long deadlineMs = System.currentTimeMillis() + client.timeout().toMillis();
                final RecordHandler none = record ->
                {
                    throw new IllegalStateException("no record is read before positioning");
                };
                final IdleStrategy idle = new BackoffIdleStrategy(10, 5, 1_000, MAX_PARK_NS);
                for (final int p : chosen)
                {
                    while (!consumer.isStreaming(topic, p))
                    {
                        if (System.currentTimeMillis() > deadlineMs)
                        {
                            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, "subscribe to " + topic +
                                "-" + p + ": no answer within " + DurationConverter.format(client.timeout()));
                        }
                        idle.idle(consumer.poll(none, 0));
                    }
                }
                for (final int p : chosen)
                {
                    final long end = consumer.highWatermark(topic, p);
                    consumer.seek(topic, p, end >= 0 ? Math.min(end, startValue) : startValue);
                }
            }
            default -> throw new IllegalStateException(start.name());
        }
    }

    private void seekAll(final RinglogConsumer consumer, final int[] chosen, final long to)
    {
        for (final int p : chosen)
        {
            consumer.seek(topic, p, to);
        }
    }

    /** The Kafka shape of a native record, so every {@link RecordFormat} prints both paths alike. Copies. */
    static ConsumerRecord<byte[], byte[]> toConsumerRecord(final RecordView r)
    {
        final byte[] key = r.keyBytes();
        final byte[] value = r.valueBytes();
        final RecordHeaders headers = new RecordHeaders();
        final RecordView.HeaderCursor cursor = r.headers();
        while (cursor.next())
        {
            headers.add(cursor.keyAsString(), cursor.valueBytes());
        }
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(),
            r.timestampType() == RecordView.LOG_APPEND_TIME ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
            key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, headers,
            r.leaderEpoch() >= 0 ? Optional.of(r.leaderEpoch()) : Optional.empty());
    }
}
