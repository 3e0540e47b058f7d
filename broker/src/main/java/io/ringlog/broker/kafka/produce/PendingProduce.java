package io.ringlog.broker.kafka.produce;

import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.sequencer.ProduceCompletion;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaResponse;
import io.ringlog.transport.kafka.net.ResponseReleaseHandler;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One Produce request between its arrival and its answer. Each partition's batches are offered to that
 * partition's sequencer; each sequencer calls {@link #onComplete} once, on its shard's thread. A count of partitions
 * still outstanding starts at one extra, released by the selector thread once every partition has been offered, so
 * the answer cannot go out before the request is fully dispatched; whichever thread brings the count to zero writes
 * the answer. With acks=0 the answer is "no response", but it still waits for the appends, because the batches are
 * read from the request's own buffer, which the listener reuses once the request is completed.
 * <p>
 * Metrics: an answer with a partition error carries this object as its release handler, so the errors are counted
 * on the selector thread once the listener is done with it ({@link KafkaApiMetrics} has one writer). An error-free
 * answer, and acks=0's missing one, count nothing here (so acks=0 errors are not counted: no answer carries them).
 */
final class PendingProduce implements ProduceCompletion, ResponseReleaseHandler
{
    private static final VarHandle OUTSTANDING;

    static
    {
        try
        {
            OUTSTANDING = MethodHandles.lookup().findVarHandle(PendingProduce.class, "outstanding", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final KafkaRequest request;
    private final KafkaApiMetrics metrics;
    private final short version;
    private final short acks;
    final int[] topicStart;
    final String[] topicNames;
    final Uuid[] topicIds;
    final int[] partitionIndexes;
    final short[] errors;
    final long[] baseOffsets;
    final long[] logStartOffsets;
    @SuppressWarnings("unused") // through OUTSTANDING
    private volatile int outstanding = 1;

    PendingProduce(final KafkaRequest request, final KafkaApiMetrics metrics, final short acks, final int topicCount,
        final int partitionCount)
    {
        this.request = request;
        this.metrics = metrics;
        this.version = request.apiVersion();
        this.acks = acks;
        this.topicStart = new int[topicCount + 1];
        this.topicNames = new String[topicCount];
        this.topicIds = new Uuid[topicCount];
        this.partitionIndexes = new int[partitionCount];
        this.errors = new short[partitionCount];
        this.baseOffsets = new long[partitionCount];
        this.logStartOffsets = new long[partitionCount];
        java.util.Arrays.fill(baseOffsets, -1);
        java.util.Arrays.fill(logStartOffsets, -1);
    }

    /** A partition was offered to its sequencer: one more completion to wait for. Selector thread. */
    void expectCompletion()
    {
        OUTSTANDING.getAndAdd(this, 1);
    }

    /** Every partition has been offered. Selector thread. */
    void dispatched()
    {
        countDown();
    }

    /** Shard thread. */
    @Override
    public void onComplete(
        final long correlation,
        final int slot,
        final int status,
        final long baseOffset,
        final long logAppendTime,
        final long logStartOffset)
    {
        errors[slot] = ProduceErrors.of(status).code();
        baseOffsets[slot] = baseOffset;
        logStartOffsets[slot] = logStartOffset;
        countDown();
    }

    private void countDown()
    {
        if ((int)OUTSTANDING.getAndAdd(this, -1) == 1)
        {
            answer();
        }
    }

    private void answer()
    {
        if (acks == 0)
        {
            complete(null);
            return;
        }
        final ProduceResponseData data = new ProduceResponseData().setThrottleTimeMs(0);
        boolean anyError = false;
        for (int t = 0; t < topicNames.length; t++)
        {
            final List<PartitionProduceResponse> partitions = new ArrayList<>(topicStart[t + 1] - topicStart[t]);
            for (int i = topicStart[t]; i < topicStart[t + 1]; i++)
            {
                anyError |= errors[i] != Errors.NONE.code();
                partitions.add(new PartitionProduceResponse()
                    .setIndex(partitionIndexes[i])
                    .setErrorCode(errors[i])
                    .setBaseOffset(errors[i] == Errors.NONE.code() ? baseOffsets[i] : -1)
                    .setLogAppendTimeMs(-1)
                    .setLogStartOffset(logStartOffsets[i]));
            }
            final TopicProduceResponse topic = new TopicProduceResponse().setPartitionResponses(partitions);
            if (version >= 13)
            {
                topic.setTopicId(topicIds[t]);
            }
            else
            {
                topic.setName(topicNames[t]);
            }
            data.responses().add(topic);
        }
        final KafkaResponse response =
            KafkaResponse.ofFrame(KafkaMessages.serializeResponse(data, version, request.correlationId()));
        complete(anyError ? response.releaseHandler(this) : response);
    }

    /** The listener is done with the answer, sent or dropped: count its partition errors. Selector thread. */
    @Override
    public void onResponseReleased(final KafkaResponse response, final boolean sent)
    {
        for (final short error : errors)
        {
            metrics.onError(KafkaApis.PRODUCE, error);
        }
    }

    private void complete(final KafkaResponse response)
    {
        // From a shard thread the listener's completion queue may be full for a moment; it is drained every
        // selector duty cycle, so waiting here is short and bounded by the selector's progress.
        while (true)
        {
            final int result = response == null ? request.noResponse() : request.respond(response);
            if (result != KafkaRequest.BACK_PRESSURED)
            {
                return;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
