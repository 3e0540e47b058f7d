package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.sequencer.producer.ProducerStateTable;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * DescribeProducers: per partition asked for, the idempotent producers its leader remembers (producer id, epoch,
 * last sequence, and the max timestamp of the producer's newest batch), with coordinator epoch -1 and transaction
 * start offset -1, as Kafka reports producers outside a transaction: Ringlog has no transactions.
 * <p>
 * The producer state belongs to the partition's shard thread (the sequencer's {@link ProducerStateTable}), which
 * changes it on every idempotent produce. Rather than a lock or a copy kept up to date on that hot path, the snapshot
 * is taken <em>on the shard</em>, as a command ({@code PartitionSequencer.onShardThread}) between two duty-cycle
 * steps, and handed back as immutable values through the command's future: the hot path pays nothing, and the
 * snapshot is exact at one point of the partition's history. Every partition's command is queued first and all are
 * awaited together, at most {@link #TIMEOUT_MS} in all.
 * <p>
 * Errors per partition, as Kafka's: UNKNOWN_TOPIC_OR_PARTITION for a partition this broker does not hold,
 * NOT_LEADER_OR_FOLLOWER on a follower, REQUEST_TIMED_OUT when the shard does not answer in time.
 * Admin thread.
 */
public final class ProducersApi
{
    /** How long one request waits for the shards' snapshots, all partitions together. */
    static final long TIMEOUT_MS = 5_000;

    private final ReplicaManager partitions;

    public ProducersApi(final ReplicaManager partitions)
    {
        this.partitions = partitions;
    }

    public ApiMessage describeProducers(final ColdPathApi.ApiRequest request)
    {
        final DescribeProducersRequestData data = request.body();
        final DescribeProducersResponseData response = new DescribeProducersResponseData();
        final List<Pending> pending = new ArrayList<>();
        for (final DescribeProducersRequestData.TopicRequest topic : data.topics())
        {
            final DescribeProducersResponseData.TopicResponse answer =
                new DescribeProducersResponseData.TopicResponse().setName(topic.name());
            response.topics().add(answer);
            for (final int index : topic.partitionIndexes())
            {
                final PartitionResponse r = new PartitionResponse().setPartitionIndex(index);
                answer.partitions().add(r);
                final Partition partition = partitions.partition(topic.name(), index);
                if (partition == null)
                {
                    fail(r, Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
                }
                else if (!partition.isLeader())
                {
                    fail(r, Errors.NOT_LEADER_OR_FOLLOWER, "this broker follows " + topic.name() + "-" + index);
                }
                else
                {
                    pending.add(new Pending(r, partition.sequencer().onShardThread(p -> snapshot(p.producerState()))));
                }
            }
        }

        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        for (final Pending p : pending)
        {
            complete(p, deadline);
        }
        return response;
    }

    private static void complete(final Pending p, final long deadlineNs)
    {
        try
        {
            final long waitNs = Math.max(0, deadlineNs - System.nanoTime());
            final List<ProducerSnapshot> producers = p.snapshot.get(waitNs, TimeUnit.NANOSECONDS);
            p.response.setErrorCode(Errors.NONE.code());
            for (final ProducerSnapshot s : producers)
            {
                p.response.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                    .setProducerId(s.producerId())
                    .setProducerEpoch(s.epoch())
                    .setLastSequence(s.lastSequence())
                    .setLastTimestamp(s.lastTimestamp())
                    .setCoordinatorEpoch(-1)
                    .setCurrentTxnStartOffset(-1));
            }
        }
        catch (final TimeoutException ex)
        {
            fail(p.response, Errors.REQUEST_TIMED_OUT, "the partition's shard did not answer in " + TIMEOUT_MS + " ms");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            fail(p.response, Errors.REQUEST_TIMED_OUT, "interrupted");
        }
        catch (final ExecutionException ex)
        {
            // A partition closing (deleted, or moved to a follower meanwhile), or a full or closed command queue.
            final Errors error = ex.getCause() instanceof IllegalStateException ?
                Errors.NOT_LEADER_OR_FOLLOWER : KafkaErrors.fromThrowable(ex.getCause());
            fail(p.response, error, ex.getCause().getMessage());
        }
    }

    /** On the shard thread: the table's producers as immutable values. */
    private static List<ProducerSnapshot> snapshot(final ProducerStateTable table)
    {
        final List<ProducerSnapshot> producers = new ArrayList<>(table.size());
        table.forEach(e -> producers.add(new ProducerSnapshot(e.producerId(), e.epoch(), e.lastSeq(), e.lastTimestamp())));
        return producers;
    }

    private static void fail(final PartitionResponse r, final Errors error, final String message)
    {
        r.setErrorCode(error.code()).setErrorMessage(message);
    }

    /** One producer as the shard saw it. */
    record ProducerSnapshot(long producerId, short epoch, int lastSequence, long lastTimestamp)
    {
    }

    private record Pending(PartitionResponse response, CompletableFuture<List<ProducerSnapshot>> snapshot)
    {
    }
}
