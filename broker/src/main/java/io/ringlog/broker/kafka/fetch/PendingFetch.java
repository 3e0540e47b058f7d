package io.ringlog.broker.kafka.fetch;

import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogSlice;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaResponse;
import io.ringlog.transport.kafka.net.ResponseReleaseHandler;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import org.apache.kafka.common.protocol.Errors;

/**
 * One Fetch request between its arrival and its answer: the partitions it asks for, where each read starts, and a
 * reusable {@link LogSlice} per partition. Created on the selector thread; from then on owned by one thread at a
 * time (the selector, or the {@link FetchWaiters} it was parked with), which is the one that answers it. Its answer
 * carries it as release handler: once the listener is done with the answer, on the selector thread, it counts the
 * errors and the records and bytes sent per partition ({@link KafkaApiMetrics} has that one writer), reading what
 * the answering thread left here before it handed the answer over.
 */
final class PendingFetch implements ResponseReleaseHandler
{
    final KafkaRequest request;
    final KafkaApiMetrics metrics;
    final short version;
    final int correlationId;
    final int maxBytes;
    final int minBytes;
    final long deadlineNs;

    /** Per requested partition, in request order, grouped by topic. */
    final int[] topicStart;
    final String[] topicNames;
    final long[] topicIdMsb;
    final long[] topicIdLsb;
    final Partition[] partitions;
    final int[] partitionIndexes;
    final long[] fetchOffsets;
    final int[] partitionMaxBytes;
    final short[] errors;
    final LogSlice[] slices;
    final int[] lengths;
    final long[] highWatermarks;
    final long[] logStartOffsets;
    long timerId = Long.MIN_VALUE;
    /** A whole-request error (a fetch session this broker does not know); 0 for none. */
    short topLevelError;

    PendingFetch(
        final KafkaRequest request,
        final KafkaApiMetrics metrics,
        final short version,
        final int maxBytes,
        final int minBytes,
        final long deadlineNs,
        final int topicCount,
        final int partitionCount)
    {
        this.request = request;
        this.metrics = metrics;
        this.version = version;
        this.correlationId = request.correlationId();
        this.maxBytes = maxBytes;
        this.minBytes = minBytes;
        this.deadlineNs = deadlineNs;
        this.topicStart = new int[topicCount + 1];
        this.topicNames = new String[topicCount];
        this.topicIdMsb = new long[topicCount];
        this.topicIdLsb = new long[topicCount];
        this.partitions = new Partition[partitionCount];
        this.partitionIndexes = new int[partitionCount];
        this.fetchOffsets = new long[partitionCount];
        this.partitionMaxBytes = new int[partitionCount];
        this.errors = new short[partitionCount];
        this.slices = new LogSlice[partitionCount];
        this.lengths = new int[partitionCount];
        this.highWatermarks = new long[partitionCount];
        this.logStartOffsets = new long[partitionCount];
        for (int i = 0; i < partitionCount; i++)
        {
            slices[i] = new LogSlice();
        }
    }

    /**
     * The listener is done with the answer: count its errors, and if it was sent in full, what it served (whole
     * batches: the records of a slice are its offsets from the first batch's base to the end of the last). Selector
     * thread; allocation-free.
     */
    @Override
    public void onResponseReleased(final KafkaResponse response, final boolean sent)
    {
        metrics.onError(KafkaApis.FETCH, topLevelError);
        for (int i = 0; i < partitions.length; i++)
        {
            metrics.onError(KafkaApis.FETCH, errors[i]);
            if (sent && lengths[i] > 0)
            {
                metrics.onFetched(partitions[i], lengths[i], slices[i].nextOffset() - slices[i].baseOffset());
            }
        }
    }

    /** Whether a partition is answered NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH: its client goes elsewhere. */
    boolean sendsElsewhere()
    {
        for (final short error : errors)
        {
            if (error == Errors.NOT_LEADER_OR_FOLLOWER.code() || error == Errors.FENCED_LEADER_EPOCH.code())
            {
                return true;
            }
        }
        return false;
    }

    int partitionCount()
    {
        return partitions.length;
    }

    int topicCount()
    {
        return topicNames.length;
    }

    /**
     * Read every partition as it is now: a slice per partition below its high watermark, within the request's and
     * each partition's byte limits (the first partition with data may exceed them by one batch, as Kafka allows, so
     * a large batch never blocks a consumer).
     *
     * @return true when the answer should go now: enough bytes, or an error to report.
     */
    boolean readAll()
    {
        int total = 0;
        boolean errorsToReport = false;
        for (int i = 0; i < partitions.length; i++)
        {
            lengths[i] = 0;
            final Partition partition = partitions[i];
            if (partition == null)
            {
                errorsToReport = true; // the error code was set when the request was read
                continue;
            }
            final long hw = partition.highWatermark();
            highWatermarks[i] = hw;
            logStartOffsets[i] = partition.log().logStartOffset();
            errors[i] = Errors.NONE.code();
            final long offset = fetchOffsets[i];
            if (offset >= hw)
            {
                if (offset > partition.log().logEndOffset())
                {
                    errors[i] = Errors.OFFSET_OUT_OF_RANGE.code();
                    errorsToReport = true;
                }
                continue; // at or past the high watermark: nothing to read yet
            }
            final int budget = total == 0 ? partitionMaxBytes[i] : Math.min(partitionMaxBytes[i], maxBytes - total);
            if (budget <= 0)
            {
                continue;
            }
            if (partition.log().slice(offset, budget, hw, slices[i]) == JournalStatus.OK)
            {
                lengths[i] = slices[i].length();
                total += lengths[i];
            }
            else
            {
                errors[i] = Errors.OFFSET_OUT_OF_RANGE.code();
                errorsToReport = true;
            }
        }
        return errorsToReport || total >= minBytes;
    }
}
