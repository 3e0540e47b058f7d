package io.ringlog.broker.kafka.produce;

import io.ringlog.broker.core.errors.ErrorCodes;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.broker.kafka.LeaderDiscovery;
import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.sequencer.ProduceStatus;
import io.ringlog.transport.kafka.codec.ProduceRequestDecoder;
import io.ringlog.transport.kafka.net.KafkaRequest;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.apache.kafka.common.Uuid;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.UUID;

/**
 * Produce: read the request with the allocation-free {@link ProduceRequestDecoder} and offer each partition's
 * record batches, in place in the request's buffer, to that partition's sequencer ring. The shard validates,
 * de-duplicates and appends them to the journal with one copy and writes one record per partition to the
 * {@link ProduceCompletions} ring; this class drains it ({@link #doWork}) and the answer is encoded here, on the
 * selector thread, by the request's {@link PendingProduce}.
 * <p>
 * <b>Push-back.</b> When a partition's sequencer ring is full, or every completion record is reserved, the request
 * is held back where it stopped (its connection reads nothing more meanwhile: the listener reads a connection's next
 * request only once this one is completed) and retried from there every duty cycle, at least every millisecond. A full ring so delays the producer instead of failing its batch with REQUEST_TIMED_OUT.
 * A held-back offer counts in the sequencer's back-pressure counter each time it is refused.
 * <p>
 * <b>Leaders elsewhere.</b> A partition led by another broker is refused NOT_LEADER_OR_FOLLOWER, whether this broker
 * holds a follower's replica of it or none (a known topic's partition placed on other brokers); from v10 the answer
 * names the current leader, its epoch and its endpoint (KIP-951, {@link LeaderDiscovery}), read from the metadata
 * image when the answer is built.
 * <p>
 * Selector thread, all of it. Allocation: none per record; per request, the answer's generated objects (cold
 * enough at one per request, and off the shard now), and for byId requests a {@code UUID} per topic.
 */
public final class ProduceApi
{
    /** Completion records applied per duty cycle, so a burst cannot hold off socket reads. */
    static final int DRAIN_LIMIT = 1024;

    private final ReplicaManager partitions;
    /** Who leads what, for refusals: read only on the error path. */
    final LeaderDiscovery leaders;
    private final KafkaApiMetrics metrics;
    private final ProduceRequestDecoder decoder = new ProduceRequestDecoder();
    private final ProduceCompletions completions;
    private final MessageHandler onCompletion = this::onCompletion;
    private final ArrayDeque<PendingProduce> heldBack = new ArrayDeque<>();
    private PendingProduce[] byId = new PendingProduce[16];
    private int[] free = new int[16];
    private int freeCount;
    private int created;

    /**
     * @param partitions   the replicas this broker holds.
     * @param leaders      who leads the partitions this broker does not.
     * @param metrics      where answers' errors are counted (on the selector thread, when the answer is released).
     * @param wakeSelector wakes the listener's selector when a shard leaves a completion; any thread.
     */
    public ProduceApi(final ReplicaManager partitions, final LeaderDiscovery leaders, final KafkaApiMetrics metrics,
        final Runnable wakeSelector)
    {
        this.partitions = partitions;
        this.leaders = leaders;
        this.metrics = metrics;
        this.completions = new ProduceCompletions(ProduceCompletions.CAPACITY, wakeSelector);
    }

    /** Handle a Produce request. Selector thread. */
    public void onRequest(final KafkaRequest request)
    {
        final short version = request.apiVersion();
        if (decoder.wrap(request.buffer(), request.bodyOffset(), request.bodyLength(), version) != ProduceRequestDecoder.OK)
        {
            request.closeConnection(); // a body that does not parse: as Kafka does, drop the connection
            return;
        }
        int partitionCount = 0;
        while (decoder.nextTopic())
        {
            partitionCount += decoder.partitionCount();
        }
        final PendingProduce pending = take();
        pending.reset(request, decoder.acks(), decoder.topicCount(), partitionCount);
        if (!dispatch(pending))
        {
            heldBack.addLast(pending);
        }
    }

    /**
     * Apply the shards' completions, then retry requests held back for room. Selector thread, every duty cycle.
     *
     * @return completions applied plus requests dispatched.
     */
    public int doWork()
    {
        int work = completions.drain(onCompletion, DRAIN_LIMIT);
        // Each held-back request once, in the order they stopped; one still without room goes to the back. No
        // global queue: a full ring of one partition must not hold up produces to the others.
        for (int n = heldBack.size(); n > 0; n--)
        {
            final PendingProduce pending = heldBack.pollFirst();
            if (dispatch(pending))
            {
                work++;
            }
            else
            {
                heldBack.addLast(pending);
            }
        }
        return work;
    }

    /** Whether completions wait in the ring. Selector thread. */
    public boolean hasPendingWork()
    {
        return completions.hasRecords();
    }

    /** Whether a request is held back for room (its connection is not read meanwhile). Selector thread. */
    public boolean hasRequestsHeldBack()
    {
        return !heldBack.isEmpty();
    }

    /**
     * Offer, or refuse, the request's partitions from {@link PendingProduce#nextSlot} on.
     *
     * @return false when it stopped for room (a full sequencer ring, or no completion record left): call again.
     */
    private boolean dispatch(final PendingProduce pending)
    {
        final KafkaRequest request = pending.request;
        decoder.wrap(request.buffer(), request.bodyOffset(), request.bodyLength(), pending.version);
        final short acks = pending.acks;
        final boolean validAcks = acks == 0 || acks == 1 || acks == -1;
        final boolean transactional = decoder.transactionalIdLength() >= 0;
        int t = 0;
        int i = 0;
        while (decoder.nextTopic())
        {
            final boolean byId = decoder.hasTopicId();
            if (t >= pending.topicsNamed)
            {
                pending.topicStart[t] = i;
                pending.topicIds[t] = byId ?
                    new Uuid(decoder.topicIdMostSignificantBits(), decoder.topicIdLeastSignificantBits()) : null;
                pending.topicNames[t] = byId ? null : decoder.topicName();
                pending.topicsNamed = t + 1;
            }
            final UUID id = byId ?
                new UUID(decoder.topicIdMostSignificantBits(), decoder.topicIdLeastSignificantBits()) : null;
            while (decoder.nextPartition())
            {
                if (i < pending.nextSlot)
                {
                    i++;
                    continue; // offered or refused before the request was held back
                }
                final int index = decoder.partitionIndex();
                pending.partitionIndexes[i] = index;
                final Partition partition = byId ? partitions.partition(id, index) :
                    partitions.partition(pending.topicNames[t], index);
                if (!validAcks)
                {
                    pending.refuse(i, ErrorCodes.INVALID_REQUIRED_ACKS);
                }
                else if (transactional)
                {
                    pending.refuse(i, ErrorCodes.UNSUPPORTED_VERSION); // transactions arrive with their own issue
                }
                else if (partition == null)
                {
                    // No replica here: another broker's partition of a known topic, or an unknown one.
                    pending.refuse(i, leaders.knows(pending.topicNames[t], id, index) ?
                        ErrorCodes.NOT_LEADER_OR_FOLLOWER : byId && partitions.topicPartitionCount(id) < 0 ?
                        ErrorCodes.UNKNOWN_TOPIC_ID : ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION);
                }
                else if (!partition.isLeader()) // a follower's replica: another broker takes its produce
                {
                    pending.refuse(i, ErrorCodes.NOT_LEADER_OR_FOLLOWER);
                }
                else if (decoder.recordsLength() <= 0)
                {
                    pending.refuse(i, ErrorCodes.CORRUPT_MESSAGE);
                }
                else if (!offer(pending, partition, i, acks))
                {
                    pending.nextSlot = i;
                    return false;
                }
                i++;
                pending.nextSlot = i;
            }
            t++;
        }
        pending.topicStart[t] = i;
        pending.dispatched();
        return true;
    }

    /** @return false when there is no room for it now: nothing was offered. */
    private boolean offer(final PendingProduce pending, final Partition partition, final int slot, final short acks)
    {
        if (!completions.tryReserve())
        {
            return false;
        }
        final int status = partition.sequencer().offer(
            decoder.buffer(), decoder.recordsOffset(), decoder.recordsLength(), acks, decoder.timeoutMs(),
            pending.id, slot, completions);
        if (status == ProduceStatus.OK)
        {
            pending.expectCompletion();
            return true;
        }
        completions.unreserve();
        if (status == ProduceStatus.BACK_PRESSURED)
        {
            return false;
        }
        // Not accepted, so the sequencer will not call back: record the error now.
        pending.refuse(slot, ErrorCodes.ofStatus(status));
        pending.logStartOffsets[slot] = partition.log().logStartOffset();
        return true;
    }

    private void onCompletion(final int type, final MutableDirectBuffer buffer, final int index,
        final int length)
    {
        completions.unreserve();
        final PendingProduce pending = byId[buffer.getInt(index + ProduceCompletions.REQUEST_OFFSET)];
        pending.onComplete(
            buffer.getInt(index + ProduceCompletions.SLOT_OFFSET),
            buffer.getInt(index + ProduceCompletions.STATUS_OFFSET),
            buffer.getLong(index + ProduceCompletions.BASE_OFFSET_OFFSET),
            buffer.getLong(index + ProduceCompletions.LOG_APPEND_TIME_OFFSET),
            buffer.getLong(index + ProduceCompletions.LOG_START_OFFSET_OFFSET));
    }

    private PendingProduce take()
    {
        if (freeCount > 0)
        {
            return byId[free[--freeCount]];
        }
        // At most one request in flight per connection: the pool grows to the connections that produce at once.
        if (created == byId.length)
        {
            byId = Arrays.copyOf(byId, created * 2);
            free = Arrays.copyOf(free, created * 2);
        }
        final PendingProduce pending = new PendingProduce(created, this, metrics);
        byId[created++] = pending;
        return pending;
    }

    /** The request is answered (and its answer released): reuse its object. Selector thread. */
    void release(final PendingProduce pending)
    {
        free[freeCount++] = pending.id;
    }
}
