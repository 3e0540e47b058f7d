package io.ringlog.broker.kafka.produce;

import io.ringlog.broker.core.errors.ErrorCodes;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.kafka.KafkaIds;
import io.ringlog.broker.kafka.LeaderDiscovery;
import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaResponse;
import io.ringlog.transport.kafka.net.ResponseReleaseHandler;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One Produce request between its arrival and its answer, pooled by {@link ProduceApi} and known to the shards by
 * its {@link #id} (the offers' correlation). Each partition offered to its sequencer comes back as one record of the
 * {@link ProduceCompletions} ring, which the selector applies here ({@link #onComplete}); partitions refused before
 * an offer are recorded at once. The answer is encoded, on the selector thread, once the request has been fully
 * dispatched (it may have been held back for room part-way, {@link #nextSlot}) and every offered partition has
 * completed. With acks=0 the answer is "no response", but it still waits for the appends, because the batches are
 * read from the request's own buffer, which the listener reuses once the request is completed.
 * <p>
 * From v10 a partition answered NOT_LEADER_OR_FOLLOWER carries the current leader and epoch, and the answer the
 * leaders' endpoints (KIP-951), read from the metadata image as the answer is built (the error path only).
 * <p>
 * Metrics: an answer with a partition error carries this object as its release handler, so the errors are counted
 * on the selector thread once the listener is done with it ({@link KafkaApiMetrics} has one writer), and only then
 * does this object go back to the pool. An error-free answer, and acks=0's missing one, count nothing here (so acks=0
 * errors are not counted: no answer carries them).
 * <p>
 * Selector thread only: no atomics. Arrays grow to the largest request seen and are reused.
 */
final class PendingProduce implements ResponseReleaseHandler
{
    /** The first Produce version whose answers carry KIP-951's current leader and node endpoints. */
    static final short FIRST_CURRENT_LEADER_VERSION = 10;

    final int id;
    private final ProduceApi owner;
    private final KafkaApiMetrics metrics;
    KafkaRequest request;
    short version;
    short acks;
    int topicCount;
    int partitionCount;
    /** The first partition (in request order) not yet offered or refused; partitionCount once dispatched. */
    int nextSlot;
    /** Topics whose name and id are filled in (a request held back resumes without reading them again). */
    int topicsNamed;
    int[] topicStart = new int[2];
    String[] topicNames = new String[1];
    Uuid[] topicIds = new Uuid[1];
    int[] partitionIndexes = new int[1];
    short[] errors = new short[1];
    long[] baseOffsets = new long[1];
    long[] logAppendTimes = new long[1];
    long[] logStartOffsets = new long[1];
    private int outstanding;
    private boolean dispatched;

    PendingProduce(final int id, final ProduceApi owner, final KafkaApiMetrics metrics)
    {
        this.id = id;
        this.owner = owner;
        this.metrics = metrics;
    }

    void reset(final KafkaRequest request, final short acks, final int topicCount, final int partitionCount)
    {
        this.request = request;
        this.version = request.apiVersion();
        this.acks = acks;
        this.topicCount = topicCount;
        this.partitionCount = partitionCount;
        this.nextSlot = 0;
        this.topicsNamed = 0;
        this.outstanding = 0;
        this.dispatched = false;
        if (topicNames.length < topicCount)
        {
            topicStart = new int[topicCount + 1];
            topicNames = new String[topicCount];
            topicIds = new Uuid[topicCount];
        }
        if (errors.length < partitionCount)
        {
            partitionIndexes = new int[partitionCount];
            errors = new short[partitionCount];
            baseOffsets = new long[partitionCount];
            logAppendTimes = new long[partitionCount];
            logStartOffsets = new long[partitionCount];
        }
        Arrays.fill(errors, 0, partitionCount, ErrorCodes.NONE);
        Arrays.fill(baseOffsets, 0, partitionCount, -1L);
        Arrays.fill(logAppendTimes, 0, partitionCount, -1L);
        Arrays.fill(logStartOffsets, 0, partitionCount, -1L);
    }

    /** A partition was offered to its sequencer: one more completion to wait for. */
    void expectCompletion()
    {
        outstanding++;
    }

    /** A partition refused before any offer. */
    void refuse(final int slot, final short error)
    {
        errors[slot] = error;
    }

    /** Every partition has been offered or refused: answer now if nothing is outstanding. */
    void dispatched()
    {
        dispatched = true;
        answerIfDone();
    }

    /** A partition's completion: from the ring, or from a refused offer. */
    void onComplete(final int slot, final int status, final long baseOffset, final long logAppendTime,
        final long logStartOffset)
    {
        errors[slot] = ErrorCodes.ofStatus(status);
        baseOffsets[slot] = baseOffset;
        logAppendTimes[slot] = logAppendTime;
        logStartOffsets[slot] = logStartOffset;
        outstanding--;
        answerIfDone();
    }

    private void answerIfDone()
    {
        if (!dispatched || outstanding != 0)
        {
            return;
        }
        final KafkaRequest r = request;
        request = null;
        if (acks == 0)
        {
            r.noResponse();
            owner.release(this);
            return;
        }
        final ProduceResponseData data = new ProduceResponseData().setThrottleTimeMs(0);
        boolean anyError = false;
        MetadataImage image = null; // read once, and only for a refusal that names the leader
        for (int t = 0; t < topicCount; t++)
        {
            final List<PartitionProduceResponse> partitions = new ArrayList<>(topicStart[t + 1] - topicStart[t]);
            for (int i = topicStart[t]; i < topicStart[t + 1]; i++)
            {
                anyError |= errors[i] != ErrorCodes.NONE;
                final PartitionProduceResponse partition = new PartitionProduceResponse()
                    .setIndex(partitionIndexes[i])
                    .setErrorCode(errors[i])
                    .setBaseOffset(errors[i] == ErrorCodes.NONE ? baseOffsets[i] : -1)
                    .setLogAppendTimeMs(logAppendTimes[i])
                    .setLogStartOffset(logStartOffsets[i]);
                if (errors[i] == ErrorCodes.NOT_LEADER_OR_FOLLOWER && version >= FIRST_CURRENT_LEADER_VERSION)
                {
                    image = image == null ? owner.leaders.image() : image;
                    nameLeader(image, data, partition, t, partitionIndexes[i]);
                }
                partitions.add(partition);
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
            KafkaResponse.ofFrame(KafkaMessages.serializeResponse(data, version, r.correlationId()));
        // On the selector thread the listener takes a completion inline: never BACK_PRESSURED here.
        final int result = r.respond(anyError ? response.releaseHandler(this) : response);
        if (!anyError || result != KafkaRequest.ACCEPTED)
        {
            owner.release(this);
        }
    }

    /**
     * KIP-951: the partition's current leader and epoch, and the leader's endpoint once in the answer. Nothing when the
     * image does not know the partition; leader -1 (and no endpoint) when it has none.
     */
    private void nameLeader(final MetadataImage image, final ProduceResponseData data,
        final PartitionProduceResponse partition, final int topic, final int index)
    {
        final MetadataImage.PartitionImage p = LeaderDiscovery.partition(image, topicNames[topic],
            topicIds[topic] == null ? null : KafkaIds.toUuid(topicIds[topic]), index);
        if (p == null)
        {
            return;
        }
        partition.setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(p.leader()).setLeaderEpoch(p.leaderEpoch()));
        final MetadataImage.BrokerRegistration leader = LeaderDiscovery.leader(image, p.leader());
        if (leader != null && data.nodeEndpoints().find(leader.nodeId()) == null)
        {
            data.nodeEndpoints().add(new NodeEndpoint().setNodeId(leader.nodeId()).setHost(leader.host())
                .setPort(leader.port()).setRack(leader.rack()));
        }
    }

    /** The listener is done with the answer, sent or dropped: count its partition errors. Selector thread. */
    @Override
    public void onResponseReleased(final KafkaResponse response, final boolean sent)
    {
        for (int i = 0; i < partitionCount; i++)
        {
            metrics.onError(KafkaApis.PRODUCE, errors[i]);
        }
        owner.release(this);
    }
}
