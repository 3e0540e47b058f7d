package io.ringlog.broker.core.aeron;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.PartitionListener;
import io.ringlog.transport.nativeproto.PartitionCounterKey;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Two Aeron counters for every partition this broker holds, in the media driver's shared memory where same-host
 * processes read them: the high watermark and the base offset of the active segment. Their type ids, key and labels
 * are transport's {@link PartitionCounterKey}, the one definition the client's same-host reader uses too.
 * <p>
 * Allocated when the replica manager opens a partition, before it joins its shard, and handed to its sequencer as the
 * high-watermark mirror (the shard writes them from then on); freed when the partition has left its shard (topic
 * deleted, or broker stopping). A counter id may be reused by the driver a second after it is freed, so a reader
 * checks the type id and key of a counter before trusting it, and again when the partition's metadata changes.
 * <p>
 * Threads: the replica manager's thread (start-up, admin) for open and close; {@link #detachAll} on the Aeron client's
 * thread when the client closes under the broker (a lost driver).
 */
public final class PartitionCounters implements PartitionListener
{
    private static final Logger LOG = LoggerFactory.getLogger(PartitionCounters.class);
    private static final long DETACH_TIMEOUT_MS = 5_000;

    private final Aeron aeron;
    private final Map<Partition, Counter[]> counters = new ConcurrentHashMap<>();

    public PartitionCounters(final Aeron aeron)
    {
        this.aeron = aeron;
    }

    @Override
    public void onOpening(final Partition partition)
    {
        final UnsafeBuffer key = key(partition);
        Counter hw = null;
        final Counter base;
        try
        {
            hw = add(PartitionCounterKey.HIGH_WATERMARK_TYPE_ID, key,
                PartitionCounterKey.highWatermarkLabel(partition.topic(), partition.index()));
            base = add(PartitionCounterKey.SEGMENT_BASE_TYPE_ID, key,
                PartitionCounterKey.segmentBaseLabel(partition.topic(), partition.index()));
        }
        catch (final RuntimeException ex)
        {
            // The driver's counters are full (1 MiB of values by default: 8192 counters, shared with the driver's own,
            // so about 4000 partitions' worth) or it is gone. The partition still opens: Metadata answers -1 for its counters and same-host readers fall
            // back to the network path for it.
            CloseHelper.quietClose(hw);
            LOG.warn("no high-watermark counters for {}: {}", partition, ex.toString());
            return;
        }
        counters.put(partition, new Counter[] {hw, base});
        partition.sequencer().mirrorHighWatermark(hw, base).join(); // not on a shard yet: takes effect now
    }

    @Override
    public void onClosed(final Partition partition)
    {
        final Counter[] pair = counters.remove(partition);
        if (pair != null && !aeron.isClosed())
        {
            CloseHelper.quietCloseAll(pair);
        }
    }

    /**
     * Stop every sequencer from writing its counters, and wait until each shard has taken that in (a partition being
     * closed needs nothing: it no longer moves its high watermark). Called before the client unmaps the driver's
     * files, so that no shard writes into memory that is gone.
     */
    public void detachAll()
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DETACH_TIMEOUT_MS);
        for (final Partition partition : counters.keySet())
        {
            try
            {
                partition.sequencer().mirrorHighWatermark(null, null)
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (final Exception ex)
            {
                LOG.debug("high watermark mirror of {} not detached: {}", partition, ex.toString());
            }
        }
    }

    /** A partition's counter key ({@link PartitionCounterKey}), in a new buffer. */
    public static UnsafeBuffer key(final Partition partition)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[PartitionCounterKey.KEY_LENGTH]);
        PartitionCounterKey.putKey(key, 0, partition.topicId().getMostSignificantBits(),
            partition.topicId().getLeastSignificantBits(), partition.index());
        return key;
    }

    /** Counters held, two per partition; for tests and metrics. Any thread. */
    public int size()
    {
        return counters.size() * 2;
    }

    private Counter add(final int typeId, final UnsafeBuffer key, final String label)
    {
        final byte[] text = label.getBytes(StandardCharsets.US_ASCII);
        return aeron.addCounter(typeId, key, 0, PartitionCounterKey.KEY_LENGTH, new UnsafeBuffer(text), 0,
            text.length);
    }
}
