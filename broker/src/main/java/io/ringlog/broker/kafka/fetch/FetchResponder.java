package io.ringlog.broker.kafka.fetch;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.kafka.LeaderDiscovery;
import io.ringlog.transport.kafka.codec.FetchResponseEncoder;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaResponse;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Writes a Fetch answer: the header and every field around the records through the {@link FetchResponseEncoder},
 * and each partition's records as a file region of its journal segment, sent with {@code transferTo} (sendfile)
 * by the listener. Nothing of the records passes through the heap.
 * <p>
 * Not thread-safe: one per thread that answers fetches (the selector, each fetch-waiters thread).
 */
final class FetchResponder
{
    /** The first Fetch version whose partitions can name their current leader (KIP-951; v12's tagged field). */
    static final short FIRST_CURRENT_LEADER_VERSION = 12;
    /** The first Fetch version whose answer lists the leaders' endpoints (KIP-951). */
    static final short FIRST_NODE_ENDPOINTS_VERSION = 16;

    private static final int BYTES_PER_TOPIC = 48;
    private static final int BYTES_PER_PARTITION = 80;

    private final FetchResponseEncoder encoder = new FetchResponseEncoder();

    /**
     * Answer with what {@link PendingFetch#readAll()} found.
     *
     * @return {@link KafkaRequest#ACCEPTED}, or {@link KafkaRequest#BACK_PRESSURED} when the listener's completion
     * queue is full (call again later), or {@link KafkaRequest#LISTENER_CLOSED}.
     */
    int respond(final PendingFetch fetch)
    {
        final int capacity = 64 + fetch.topicCount() * BYTES_PER_TOPIC + fetch.partitionCount() * BYTES_PER_PARTITION +
            nameBytes(fetch);
        final KafkaResponse response = new KafkaResponse(capacity).releaseHandler(fetch); // metrics, on release
        encoder.wrap(response.buffer(), 0, fetch.version, fetch.correlationId, 0, fetch.topLevelError, 0, fetch.topicCount());
        final int[] at = new int[fetch.partitionCount()];
        for (int t = 0; t < fetch.topicCount(); t++)
        {
            if (fetch.version >= FetchResponseEncoder.FIRST_TOPIC_ID_VERSION)
            {
                encoder.topic(fetch.topicIdMsb[t], fetch.topicIdLsb[t]);
            }
            else
            {
                encoder.topic(fetch.topicNames[t]);
            }
            final int from = fetch.topicStart[t];
            final int to = fetch.topicStart[t + 1];
            encoder.partitionCount(to - from);
            for (int i = from; i < to; i++)
            {
                final long hw = fetch.partitions[i] == null ? -1 : fetch.highWatermarks[i];
                final long logStart = fetch.partitions[i] == null ? -1 : fetch.logStartOffsets[i];
                at[i] = encoder.partition(
                    fetch.partitionIndexes[i], fetch.errors[i], hw, hw, logStart, -1, fetch.lengths[i]);
            }
        }
        final int headerBytes = encoder.finish();
        response.length(headerBytes);
        for (int i = 0; i < fetch.partitionCount(); i++)
        {
            if (fetch.lengths[i] > 0)
            {
                response.addFileRegion(at[i], fetch.slices[i].channel(), fetch.slices[i].filePosition(), fetch.lengths[i]);
            }
        }
        return fetch.request.respond(response);
    }

    /**
     * Answer with the generated classes, naming the current leader and epoch of each partition answered
     * NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH (v12+), and the leaders' endpoints (v16+): tagged fields the
     * flyweight does not write. The other partitions' records are copied from the journal into the answer, which the
     * zero-copy path avoids; this answer is rare (a client whose metadata is behind), so the copy is accepted here.
     *
     * @return as {@link #respond}.
     */
    int respondNamingLeaders(final PendingFetch fetch, final MetadataImage image)
    {
        final FetchResponseData data = new FetchResponseData().setThrottleTimeMs(0).setErrorCode(fetch.topLevelError)
            .setSessionId(0);
        for (int t = 0; t < fetch.topicCount(); t++)
        {
            final FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse();
            final boolean byId = fetch.version >= FetchResponseEncoder.FIRST_TOPIC_ID_VERSION;
            if (byId)
            {
                topic.setTopicId(new Uuid(fetch.topicIdMsb[t], fetch.topicIdLsb[t]));
            }
            else
            {
                topic.setTopic(fetch.topicNames[t]);
            }
            for (int i = fetch.topicStart[t]; i < fetch.topicStart[t + 1]; i++)
            {
                final long hw = fetch.partitions[i] == null ? -1 : fetch.highWatermarks[i];
                final FetchResponseData.PartitionData partition = new FetchResponseData.PartitionData()
                    .setPartitionIndex(fetch.partitionIndexes[i]).setErrorCode(fetch.errors[i])
                    .setHighWatermark(hw).setLastStableOffset(hw)
                    .setLogStartOffset(fetch.partitions[i] == null ? -1 : fetch.logStartOffsets[i])
                    .setAbortedTransactions(null).setPreferredReadReplica(-1)
                    .setRecords(records(fetch, i));
                if (fetch.errors[i] == Errors.NOT_LEADER_OR_FOLLOWER.code() ||
                    fetch.errors[i] == Errors.FENCED_LEADER_EPOCH.code())
                {
                    nameLeader(fetch, data, partition, image,
                        byId ? null : fetch.topicNames[t], byId ? new UUID(fetch.topicIdMsb[t], fetch.topicIdLsb[t]) :
                        null);
                }
                topic.partitions().add(partition);
            }
            data.responses().add(topic);
        }
        final KafkaResponse response = KafkaResponse.ofFrame(
            KafkaMessages.serializeResponse(data, fetch.version, fetch.correlationId)).releaseHandler(fetch);
        return fetch.request.respond(response);
    }

    private static MemoryRecords records(final PendingFetch fetch, final int i)
    {
        if (fetch.lengths[i] <= 0)
        {
            return MemoryRecords.EMPTY;
        }
        final ByteBuffer copy = ByteBuffer.allocate(fetch.lengths[i]);
        fetch.slices[i].buffer().getBytes(0, copy, fetch.lengths[i]);
        copy.flip();
        return MemoryRecords.readableRecords(copy);
    }

    private static void nameLeader(final PendingFetch fetch, final FetchResponseData data,
        final FetchResponseData.PartitionData partition, final MetadataImage image, final String topic,
        final UUID topicId)
    {
        final MetadataImage.PartitionImage p = LeaderDiscovery.partition(image, topic, topicId,
            partition.partitionIndex());
        if (p == null)
        {
            return;
        }
        partition.currentLeader().setLeaderId(p.leader()).setLeaderEpoch(p.leaderEpoch());
        final MetadataImage.BrokerRegistration leader = LeaderDiscovery.leader(image, p.leader());
        if (fetch.version >= FIRST_NODE_ENDPOINTS_VERSION && leader != null &&
            data.nodeEndpoints().find(leader.nodeId()) == null)
        {
            data.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(leader.nodeId())
                .setHost(leader.host()).setPort(leader.port()).setRack(leader.rack()));
        }
    }

    private static int nameBytes(final PendingFetch fetch)
    {
        int bytes = 0;
        for (final String name : fetch.topicNames)
        {
            bytes += name == null ? 0 : name.length() * 3;
        }
        return bytes;
    }
}
