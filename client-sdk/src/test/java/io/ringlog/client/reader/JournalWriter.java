package io.ringlog.client.reader;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.ringlog.client.KafkaBatches;
import io.ringlog.journal.AppendResult;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.PartitionLog;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.PartitionCounterKey;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What the broker does for a same-host reader, done by a test: a real {@link PartitionLog} written by one thread,
 * and the partition's two counters in a real media driver, published in the broker's order after every append:
 * first the active segment's base offset, then the high watermark, both with release stores.
 */
final class JournalWriter implements AutoCloseable
{
    static final String TOPIC = "orders";
    static final long TOPIC_ID_MSB = 0x0123_4567_89ab_cdefL;
    static final long TOPIC_ID_LSB = 0x0fed_cba9_8765_4321L;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "journal-writer"));
    private final PartitionLog log;
    private final Counter highWatermark;
    private final Counter segmentBase;
    private final AppendResult result = new AppendResult();
    private volatile long nowMs = System.currentTimeMillis();

    JournalWriter(final Path logDir, final LogConfig config, final Aeron aeron) throws Exception
    {
        this.log = thread.submit(() -> PartitionLog.open(logDir, TOPIC, 0, config)).get(30, TimeUnit.SECONDS);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[PartitionCounterKey.KEY_LENGTH]);
        PartitionCounterKey.putKey(key, 0, TOPIC_ID_MSB, TOPIC_ID_LSB, 0);
        this.highWatermark = addCounter(aeron, NativeProtocol.HIGH_WATERMARK_COUNTER_TYPE_ID, key, "hw orders-0");
        this.segmentBase = addCounter(aeron, NativeProtocol.SEGMENT_BASE_COUNTER_TYPE_ID, key, "segment-base orders-0");
        thread.submit(this::publish).get(30, TimeUnit.SECONDS);
    }

    private static Counter addCounter(final Aeron aeron, final int typeId, final UnsafeBuffer key, final String label)
    {
        final UnsafeBuffer labelBuffer = new UnsafeBuffer(label.getBytes());
        return aeron.addCounter(typeId, key, 0, key.capacity(), labelBuffer, 0, labelBuffer.capacity());
    }

    Path dir()
    {
        return log.dir();
    }

    PartitionLog log()
    {
        return log;
    }

    int highWatermarkCounterId()
    {
        return highWatermark.id();
    }

    int segmentBaseCounterId()
    {
        return segmentBase.id();
    }

    Counter highWatermarkCounter()
    {
        return highWatermark;
    }

    /** The clock retention reads: a test moves it forward to age segments out. */
    void nowMs(final long nowMs)
    {
        this.nowMs = nowMs;
    }

    /**
     * Append {@code batches} batches of {@code 1 + i % maxRecords} records each (contents from
     * {@link KafkaBatches}, keyed to their offsets), publishing after each; with {@code retention}, enforce retention
     * after each append as a broker's duty cycle does.
     */
    Future<?> append(final int batches, final int maxRecords, final boolean retention)
    {
        return thread.submit(() ->
        {
            for (int i = 0; i < batches; i++)
            {
                appendBatch(KafkaBatches.batch(log.logEndOffset(), 1 + i % maxRecords));
                if (retention)
                {
                    log.enforceRetention(nowMs);
                }
            }
            return null;
        });
    }

    /** Append one compressed batch of {@code records} records. */
    Future<?> appendCompressed(final int records)
    {
        return thread.submit(() ->
        {
            appendBatch(KafkaBatches.batch(log.logEndOffset(), records, Compression.gzip().build()));
            return null;
        });
    }

    Future<?> enforceRetention()
    {
        return thread.submit(() -> log.enforceRetention(nowMs));
    }

    private void appendBatch(final byte[] batch)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(batch);
        final int code = log.appendAsLeader(buffer, 0, batch.length, 0, result);
        if (code != JournalStatus.OK)
        {
            throw new IllegalStateException("append failed: " + code);
        }
        publish();
    }

    /** The broker's order: the active segment's base, then the high watermark. */
    private void publish()
    {
        final long[] bases = log.segmentBaseOffsets();
        segmentBase.setRelease(bases[bases.length - 1]);
        highWatermark.setRelease(log.logEndOffset());
    }

    long logEndOffset()
    {
        return log.logEndOffset();
    }

    @Override
    public void close() throws Exception
    {
        thread.submit(() ->
        {
            log.close();
            return null;
        }).get(30, TimeUnit.SECONDS);
        thread.shutdown();
        thread.awaitTermination(30, TimeUnit.SECONDS);
        highWatermark.close();
        segmentBase.close();
    }
}
