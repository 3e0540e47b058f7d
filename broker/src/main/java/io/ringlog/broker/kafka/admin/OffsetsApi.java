package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.kafka.KafkaBatchDecompressor;
import io.ringlog.broker.kafka.KafkaErrors;
import io.ringlog.broker.kafka.ColdPathApi;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.PartitionLog;
import io.ringlog.journal.TimestampOffset;
import io.ringlog.journal.epoch.EpochEndOffset;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * ListOffsets (earliest, latest, by timestamp, max timestamp), OffsetForLeaderEpoch and DeleteRecords. Consumers
 * see only records below the high watermark, so look-ups never answer past it. DeleteRecords runs on the
 * partition's writer thread, through its sequencer. Admin thread.
 */
public final class OffsetsApi
{
    /** ListOffsets' special timestamps. */
    static final long LATEST = -1;
    static final long EARLIEST = -2;
    static final long MAX_TIMESTAMP = -3;
    static final long EARLIEST_LOCAL = -4;
    static final long LATEST_TIERED = -5;
    static final long EARLIEST_PENDING_UPLOAD = -6;

    private final ReplicaManager partitions;

    public OffsetsApi(final ReplicaManager partitions)
    {
        this.partitions = partitions;
    }

    public ApiMessage listOffsets(final ColdPathApi.ApiRequest request)
    {
        final ListOffsetsRequestData data = request.body();
        final ListOffsetsResponseData response = new ListOffsetsResponseData().setThrottleTimeMs(0);
        for (final ListOffsetsRequestData.ListOffsetsTopic topic : data.topics())
        {
            final ListOffsetsResponseData.ListOffsetsTopicResponse topicResponse =
                new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
            for (final ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions())
            {
                final ListOffsetsResponseData.ListOffsetsPartitionResponse answer = listOffset(topic.name(), p);
                if (request.version() < 4)
                {
                    answer.setLeaderEpoch(-1); // the field exists from v4 on (kafkajs asks older versions)
                }
                topicResponse.partitions().add(answer);
            }
            response.topics().add(topicResponse);
        }
        return response;
    }

    private ListOffsetsResponseData.ListOffsetsPartitionResponse listOffset(
        final String topic, final ListOffsetsRequestData.ListOffsetsPartition p)
    {
        final ListOffsetsResponseData.ListOffsetsPartitionResponse r =
            new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
        final Partition partition = partitions.partition(topic, p.partitionIndex());
        if (partition == null)
        {
            return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        final Errors epochError = checkEpoch(partition, p.currentLeaderEpoch());
        if (epochError != Errors.NONE)
        {
            return r.setErrorCode(epochError.code());
        }
        final PartitionLog log = partition.log();
        final long hw = partition.highWatermark();
        r.setErrorCode(Errors.NONE.code());
        final long ts = p.timestamp();
        if (ts == LATEST)
        {
            return r.setOffset(hw).setLeaderEpoch(log.latestEpoch());
        }
        if (ts == EARLIEST || ts == EARLIEST_LOCAL)
        {
            final List<long[]> epochs = log.epochEntries(); // the oldest kept epoch holds the log start offset
            return r.setOffset(log.logStartOffset()).setLeaderEpoch(epochs.isEmpty() ? -1 : (int)epochs.get(0)[0]);
        }
        if (ts == LATEST_TIERED || ts == EARLIEST_PENDING_UPLOAD)
        {
            return r; // no tiered storage: no such offset
        }
        final Optional<TimestampOffset> found = ts == MAX_TIMESTAMP ?
            log.maxTimestamp(KafkaBatchDecompressor.INSTANCE) :
            log.offsetForTimestamp(ts, KafkaBatchDecompressor.INSTANCE);
        if (found.isPresent() && found.get().offset() < hw)
        {
            r.setTimestamp(found.get().timestamp()).setOffset(found.get().offset()).setLeaderEpoch(found.get().leaderEpoch());
        }
        return r;
    }

    public ApiMessage offsetForLeaderEpoch(final ColdPathApi.ApiRequest request)
    {
        final OffsetForLeaderEpochRequestData data = request.body();
        final OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(0);
        for (final OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics())
        {
            final OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult result =
                new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (final OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions())
            {
                final OffsetForLeaderEpochResponseData.EpochEndOffset answer =
                    new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(p.partition())
                        .setLeaderEpoch(EpochEndOffset.UNDEFINED).setEndOffset(EpochEndOffset.UNDEFINED);
                final Partition partition = partitions.partition(topic.topic(), p.partition());
                if (partition == null)
                {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                }
                else
                {
                    final Errors epochError = checkEpoch(partition, p.currentLeaderEpoch());
                    answer.setErrorCode(epochError.code());
                    if (epochError == Errors.NONE)
                    {
                        final EpochEndOffset end = partition.log().endOffsetForEpoch(p.leaderEpoch());
                        answer.setLeaderEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
                    }
                }
                result.partitions().add(answer);
            }
            response.topics().add(result);
        }
        return response;
    }

    public ApiMessage deleteRecords(final ColdPathApi.ApiRequest request)
    {
        final DeleteRecordsRequestData data = request.body();
        final DeleteRecordsResponseData response = new DeleteRecordsResponseData().setThrottleTimeMs(0);
        final long timeoutMs = Math.max(1, data.timeoutMs());
        for (final DeleteRecordsRequestData.DeleteRecordsTopic topic : data.topics())
        {
            final DeleteRecordsResponseData.DeleteRecordsTopicResult result =
                new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
            final List<DeleteRecordsResponseData.DeleteRecordsPartitionResult> answers = new ArrayList<>();
            for (final DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions())
            {
                answers.add(deleteRecords(topic.name(), p, timeoutMs));
            }
            answers.forEach(a -> result.partitions().add(a));
            response.topics().add(result);
        }
        return response;
    }

    private DeleteRecordsResponseData.DeleteRecordsPartitionResult deleteRecords(
        final String topic, final DeleteRecordsRequestData.DeleteRecordsPartition p, final long timeoutMs)
    {
        final DeleteRecordsResponseData.DeleteRecordsPartitionResult r =
            new DeleteRecordsResponseData.DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                .setLowWatermark(-1);
        final Partition partition = partitions.partition(topic, p.partitionIndex());
        if (partition == null)
        {
            return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (!partition.isLeader())
        {
            return r.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        }
        final long hw = partition.highWatermark();
        final long offset = p.offset() == -1 ? hw : p.offset();
        if (offset < 0 || offset > hw)
        {
            return r.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
        }
        try
        {
            final CompletableFuture<Integer> done = partition.sequencer().deleteRecordsBefore(offset);
            final int code = done.get(timeoutMs, TimeUnit.MILLISECONDS);
            return r.setErrorCode(KafkaErrors.fromStatus(code).code()).setLowWatermark(partition.log().logStartOffset());
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            return r.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return r.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            return r.setErrorCode(KafkaErrors.fromThrowable(ex.getCause()).code());
        }
    }

    /**
     * Kafka's order: the client's leader epoch first (older: FENCED_LEADER_EPOCH, newer: UNKNOWN_LEADER_EPOCH), then
     * leadership (a follower's replica answers NOT_LEADER_OR_FOLLOWER: offsets are the leader's to give).
     */
    private static Errors checkEpoch(final Partition partition, final int currentLeaderEpoch)
    {
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch != partition.leaderEpoch())
        {
            return currentLeaderEpoch < partition.leaderEpoch() ?
                Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH;
        }
        return partition.isLeader() ? Errors.NONE : Errors.NOT_LEADER_OR_FOLLOWER;
    }
}
