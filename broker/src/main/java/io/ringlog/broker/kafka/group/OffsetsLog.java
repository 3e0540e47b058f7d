package io.ringlog.broker.kafka.group;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogConfig;
import io.ringlog.journal.LogSlice;
import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.PartitionSequencer;
import io.ringlog.sequencer.ProduceStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The coordinator's way into {@code __consumer_offsets}: appends go through each partition's sequencer like any
 * produce (acks=all, answered from the completion), and the start-up replay reads the journal directly. A group
 * lives on partition {@code abs(groupId.hashCode()) % partitions}, Kafka's rule, so its records are appended, and
 * replayed, in one order.
 * <p>
 * Coordinator thread, except {@link #ensureTopic} (once, at start-up, before the coordinator exists) and
 * {@link #partitionFor} and {@link #partitionCount} (any thread: FindCoordinator answers on the selector thread).
 */
final class OffsetsLog
{
    static final String TOPIC = "__consumer_offsets";
    /** How long an append may wait for the high watermark: Kafka's {@code offsets.commit.timeout.ms} default. */
    static final long APPEND_TIMEOUT_MS = 5_000;
    /** Bytes read per slice on replay; a larger batch is still read whole. */
    private static final int REPLAY_SLICE_BYTES = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(OffsetsLog.class);

    /** A record met on replay. */
    @FunctionalInterface
    interface RecordVisitor
    {
        /**
         * @param key   the record's key (never null for records the coordinator wrote).
         * @param value the value, or null for a tombstone.
         */
        void onRecord(ByteBuffer key, ByteBuffer value);
    }

    private final IntFunction<PartitionSequencer> partitions;
    private final int partitionCount;
    private final List<PendingAppend> inFlight = new ArrayList<>();
    private Runnable wakeCoordinator = () -> { };

    /**
     * @param partitions     the sequencer of each partition this broker leads, or null for one it does not.
     * @param partitionCount partitions of the topic.
     */
    OffsetsLog(final IntFunction<PartitionSequencer> partitions, final int partitionCount)
    {
        this.partitions = partitions;
        this.partitionCount = partitionCount;
    }

    /**
     * Create {@code __consumer_offsets} through the controller when it is missing.
     *
     * @return its partition count.
     */
    static int ensureTopic(final Controller controller, final BrokerConfig config)
    {
        final MetadataImage.TopicImage existing = controller.image().topic(TOPIC);
        if (existing != null)
        {
            return existing.partitions().size();
        }
        // Compaction is not built yet and the journal would apply time retention to a compacted topic as to any
        // other, deleting the offsets of a group that has not committed for a week: keep everything until it is.
        final Map<String, String> configs = Map.of(
            TopicConfig.CLEANUP_POLICY, "compact",
            LogConfig.SEGMENT_BYTES, "104857600",
            LogConfig.RETENTION_MS, "-1",
            LogConfig.RETENTION_BYTES, "-1");
        final int replicas = Math.max(1, Math.min(config.get(BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR),
            controller.image().liveBrokers().size()));
        try
        {
            return controller.createTopic(TOPIC, config.get(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS), replicas, configs,
                false).partitions().size();
        }
        catch (final MetadataException ex)
        {
            if (ex.reason() == MetadataException.Reason.TOPIC_ALREADY_EXISTS)
            {
                return controller.image().topic(TOPIC).partitions().size();
            }
            throw ex;
        }
    }

    int partitionCount()
    {
        return partitionCount;
    }

    /** The partition that holds a group's records, Kafka's rule. */
    int partitionFor(final String groupId)
    {
        return Utils.abs(groupId.hashCode()) % partitionCount;
    }

    /** Whether this broker leads the partition, so coordinates its groups. */
    boolean isLocal(final int partition)
    {
        return partitions.apply(partition) != null;
    }

    /**
     * Offer a batch to the partition's sequencer with acks=all.
     *
     * @return {@link ProduceStatus#OK} when taken ({@code callback} runs later, on the coordinator thread, from
     * {@link #pollCompletions}); anything else when refused ({@code callback} never runs).
     */
    int append(final int partition, final MemoryRecords records, final PendingAppend.Callback callback)
    {
        final PartitionSequencer sequencer = partitions.apply(partition);
        if (sequencer == null)
        {
            return ProduceStatus.NOT_LEADER_OR_FOLLOWER;
        }
        final ByteBuffer buffer = records.buffer();
        final UnsafeBuffer bytes = new UnsafeBuffer(buffer, buffer.position(), buffer.remaining());
        final PendingAppend append = new PendingAppend(bytes, callback, wakeCoordinator);
        final int status = sequencer.offer(bytes, 0, bytes.capacity(), -1, APPEND_TIMEOUT_MS, 0L, 0, append);
        if (status == ProduceStatus.OK)
        {
            inFlight.add(append);
        }
        return status;
    }

    /** How a shard's answer wakes the coordinator's thread. Set before the thread starts. */
    void wakeWith(final Runnable wake)
    {
        wakeCoordinator = wake;
    }

    /** True when a shard has answered an append the coordinator has not picked up. Coordinator thread. */
    boolean hasAnsweredAppends()
    {
        for (int i = 0; i < inFlight.size(); i++)
        {
            if (inFlight.get(i).status() != PendingAppend.IN_FLIGHT)
            {
                return true;
            }
        }
        return false;
    }

    /** Appends offered and not yet answered. */
    int inFlightCount()
    {
        return inFlight.size();
    }

    /** Run the callbacks of the appends answered since the last call, in the order they were offered. */
    int pollCompletions()
    {
        if (inFlight.isEmpty())
        {
            return 0;
        }
        int done = 0;
        int kept = 0;
        final int size = inFlight.size();
        final List<PendingAppend> finished = new ArrayList<>();
        for (int i = 0; i < size; i++)
        {
            final PendingAppend append = inFlight.get(i);
            if (append.status() == PendingAppend.IN_FLIGHT)
            {
                inFlight.set(kept++, append);
            }
            else
            {
                finished.add(append);
                done++;
            }
        }
        inFlight.subList(kept, size).clear();
        for (final PendingAppend append : finished)
        {
            append.callback.onAppended(append.status());
        }
        return done;
    }

    /**
     * Read a partition from its log start offset to its high watermark, record by record.
     *
     * @return records read.
     */
    long replay(final int partition, final RecordVisitor visitor)
    {
        final PartitionSequencer sequencer = partitions.apply(partition);
        if (sequencer == null)
        {
            return 0;
        }
        final PartitionLog log = sequencer.log();
        final long end = sequencer.highWatermark();
        final LogSlice slice = new LogSlice();
        ByteBuffer copy = ByteBuffer.allocate(REPLAY_SLICE_BYTES);
        long offset = log.logStartOffset();
        long records = 0;
        while (offset < end)
        {
            final int status = log.slice(offset, REPLAY_SLICE_BYTES, end, slice);
            if (status != JournalStatus.OK || slice.isEmpty())
            {
                if (status != JournalStatus.OK)
                {
                    LOG.warn("replay of {}-{} stopped at offset {}: journal code {}", TOPIC, partition, offset, status);
                }
                break;
            }
            if (copy.capacity() < slice.length())
            {
                copy = ByteBuffer.allocate(slice.length());
            }
            copy.clear();
            slice.buffer().getBytes(0, copy, slice.length());
            copy.flip();
            for (final RecordBatch batch : MemoryRecords.readableRecords(copy).batches())
            {
                if (batch.isControlBatch())
                {
                    continue;
                }
                for (final Record record : batch)
                {
                    if (record.offset() >= offset && record.hasKey())
                    {
                        visitor.onRecord(record.key(), record.hasValue() ? record.value() : null);
                        records++;
                    }
                }
            }
            offset = slice.nextOffset();
        }
        return records;
    }

    /** The coordinator's error for a refused or failed append of group records (Kafka's mapping). */
    static Errors storeError(final int status)
    {
        return switch (status)
        {
            case ProduceStatus.BACK_PRESSURED, ProduceStatus.REQUEST_TIMED_OUT, ProduceStatus.NOT_ENOUGH_REPLICAS,
                ProduceStatus.NOT_ENOUGH_REPLICAS_AFTER_APPEND -> Errors.COORDINATOR_NOT_AVAILABLE;
            case ProduceStatus.NOT_LEADER_OR_FOLLOWER, JournalStatus.CLOSED, JournalStatus.STORAGE_FULL,
                JournalStatus.STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case JournalStatus.MESSAGE_TOO_LARGE, JournalStatus.RECORD_LIST_TOO_LARGE ->
                Errors.INVALID_COMMIT_OFFSET_SIZE;
            default -> status >= 0 ? Errors.NONE :
                Errors.UNKNOWN_SERVER_ERROR;
        };
    }
}
