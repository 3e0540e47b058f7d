package io.ringlog.broker.kafka.group;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.TopicConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.replica.Partition;
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

/**
 * The coordinator's way into {@code __consumer_offsets}: appends go through each partition's sequencer like any
 * produce (acks=all, answered from the completion), and the load of a partition reads the journal directly. A group
 * lives on partition {@code abs(groupId.hashCode()) % partitions}, Kafka's rule, so its records are appended, and
 * replayed, in one order. It also keeps which partitions the coordinator owns ({@link #own}, {@link #disown}): those
 * this broker leads, {@link #LOADING} until their records have been read back, then {@link #LOADED}; appends go
 * only to an owned partition.
 * <p>
 * Coordinator thread, except {@link #ensureTopic} (once, at start-up, before the coordinator exists) and
 * {@link #partitionFor} and {@link #partitionCount} (any thread: FindCoordinator answers on the selector thread).
 */
final class OffsetsLog
{
    static final String TOPIC = "__consumer_offsets";
    /** How long an append may wait for the high watermark: Kafka's {@code offsets.commit.timeout.ms} default. */
    static final long APPEND_TIMEOUT_MS = 5_000;
    /** How long a start waits for the brokers the topic's replication factor wants before creating it. */
    static final long CREATE_WAIT_MS = 10_000;
    /** The wait for brokers also ends when none has registered for this long. */
    static final long CREATE_SETTLE_MS = 2_000;
    /** Bytes read per slice on replay; a larger batch is still read whole. */
    private static final int REPLAY_SLICE_BYTES = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(OffsetsLog.class);

    /** {@link #state}: another broker leads the partition (or no one does): its groups are answered NOT_COORDINATOR. */
    static final byte NOT_OWNED = 0;
    /** Led here, its records being read back: its groups are answered COORDINATOR_LOAD_IN_PROGRESS. */
    static final byte LOADING = 1;
    /** Led here and read back: its groups are coordinated here. */
    static final byte LOADED = 2;

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

    private final int partitionCount;
    /** Per partition: the replica this coordinator owns, or null. */
    private final Partition[] owned;
    private final byte[] states;
    private final List<PendingAppend> inFlight = new ArrayList<>();
    /** Where a slice is copied to be parsed while a load runs; null otherwise. */
    private ByteBuffer replayCopy;
    private Runnable wakeCoordinator = () -> { };

    /**
     * @param partitionCount partitions of the topic; none is owned until {@link #own}.
     */
    OffsetsLog(final int partitionCount)
    {
        this.partitionCount = partitionCount;
        this.owned = new Partition[partitionCount];
        this.states = new byte[partitionCount];
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
        awaitBrokers(controller, config);
        final MetadataImage.TopicImage created = controller.image().topic(TOPIC);
        if (created != null)
        {
            return created.partitions().size(); // another broker created it meanwhile
        }
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

    /**
     * Before creating the topic, wait a little for as many live brokers as its replication factor wants, up to the
     * quorum's voter count: nodes of a cluster started together register within a second or two of each other, and the
     * first to get here would otherwise create the topic with one replica (the factor is capped at the live brokers),
     * so that each group's coordinator could never move. The wait ends when they are there, when no broker has
     * registered for {@value #CREATE_SETTLE_MS} ms (voters may be controller-only nodes, which never register as
     * brokers), or after {@value #CREATE_WAIT_MS} ms at most. Only when the topic is missing; a single node never waits.
     */
    private static void awaitBrokers(final Controller controller, final BrokerConfig config)
    {
        final String voters = config.get(BrokerConfig.CONTROLLER_QUORUM_VOTERS).trim();
        final int expected = Math.min(config.get(BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR),
            voters.isEmpty() ? 1 : voters.split(",").length);
        final long start = System.nanoTime();
        long settledSince = start;
        int live = controller.image().liveBrokers().size();
        boolean logged = false;
        while (live < expected && controller.image().topic(TOPIC) == null &&
            System.nanoTime() - start < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(CREATE_WAIT_MS) &&
            System.nanoTime() - settledSince < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(CREATE_SETTLE_MS))
        {
            if (!logged)
            {
                LOG.info("{}: waiting for {} live brokers before creating it ({} now; at most {} ms)", TOPIC,
                    expected, live, CREATE_WAIT_MS);
                logged = true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
            final int now = controller.image().liveBrokers().size();
            if (now != live)
            {
                live = now;
                settledSince = System.nanoTime();
            }
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

    /** {@link #NOT_OWNED}, {@link #LOADING} or {@link #LOADED}. */
    byte state(final int partition)
    {
        return partition >= 0 && partition < partitionCount ? states[partition] : NOT_OWNED;
    }

    /** The replica owned for this partition, or null. */
    Partition owned(final int partition)
    {
        return partition >= 0 && partition < partitionCount ? owned[partition] : null;
    }

    /** This broker leads the partition: the coordinator owns it, {@link #LOADING} until {@link #loaded}. */
    void own(final int partition, final Partition replica)
    {
        owned[partition] = replica;
        states[partition] = LOADING;
    }

    /** The partition's records have been read back. */
    void loaded(final int partition)
    {
        states[partition] = LOADED;
    }

    /** Another broker leads it now, or it is closing: no append goes to it from here on. */
    void disown(final int partition)
    {
        owned[partition] = null;
        states[partition] = NOT_OWNED;
    }

    /**
     * Offer a batch to the partition's sequencer with acks=all.
     *
     * @return {@link ProduceStatus#OK} when taken ({@code callback} runs later, on the coordinator thread, from
     * {@link #pollCompletions}); anything else when refused ({@code callback} never runs).
     */
    int append(final int partition, final MemoryRecords records, final PendingAppend.Callback callback)
    {
        final Partition replica = owned(partition);
        if (replica == null)
        {
            return ProduceStatus.NOT_LEADER_OR_FOLLOWER;
        }
        final PartitionSequencer sequencer = replica.sequencer();
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
     * Read one slice of a partition's log (at most {@value #REPLAY_SLICE_BYTES} bytes, or one larger batch), record
     * by record: a partition is loaded a slice at a time so that the coordinator keeps serving the others meanwhile.
     *
     * @param log     the partition's journal.
     * @param offset  where to read from.
     * @param end     the offset to stop before.
     * @param visitor told of each record with a key at or after {@code offset}.
     * @return the offset to read from next: {@code end} or more when done, also when the journal cannot be read
     * further (logged).
     * @throws RuntimeException when kafka-clients cannot parse a batch.
     */
    long replaySlice(final PartitionLog log, final long offset, final long end, final RecordVisitor visitor)
    {
        final LogSlice slice = new LogSlice();
        final int status = log.slice(offset, REPLAY_SLICE_BYTES, end, slice);
        if (status != JournalStatus.OK || slice.isEmpty())
        {
            if (status != JournalStatus.OK)
            {
                LOG.warn("replay of {} stopped at offset {}: journal code {}", log, offset, status);
            }
            return end;
        }
        if (replayCopy == null || replayCopy.capacity() < slice.length())
        {
            replayCopy = ByteBuffer.allocate(Math.max(REPLAY_SLICE_BYTES, slice.length()));
        }
        final ByteBuffer copy = replayCopy;
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
                }
            }
        }
        return Math.max(slice.nextOffset(), offset + 1);
    }

    /** No load is running: let the slice copy go. */
    void releaseReplayBuffer()
    {
        replayCopy = null;
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
