package io.ringlog.broker.kafka.fetch;

import io.ringlog.broker.kafka.LeaderDiscovery;
import io.ringlog.broker.kafka.metrics.KafkaApiMetrics;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Fetch, for consumers (and later followers): read each partition's journal below its high watermark and answer
 * with the journal's own bytes, sent with sendfile; when there is less than {@code min.bytes}, wait (long poll) in
 * the {@link FetchWaiters} of the shard that owns the first partition.
 * <p>
 * Fetch sessions (KIP-227) are answered as full fetches: the response carries session id 0, so clients keep
 * sending full requests, which Kafka allows. A request naming a session answers FETCH_SESSION_ID_NOT_FOUND.
 * <p>
 * A partition led by another broker, whether this broker holds a follower's replica of it or none (a known topic's
 * partition placed elsewhere), is answered NOT_LEADER_OR_FOLLOWER; from v12 that answer, and FENCED_LEADER_EPOCH's,
 * names the current leader and epoch, and from v16 its endpoint (KIP-951). Such an answer goes at once (it carries an
 * error) and is written with the generated classes, the records of the other partitions copied in: a rare path, taken
 * by a consumer whose metadata is behind.
 * <p>
 * Selector thread. The request is parsed with kafka-clients' generated class (one allocation per request, none per
 * record); the records never pass through the heap.
 */
public final class FetchApi
{
    private final ReplicaManager partitions;
    private final LeaderDiscovery leaders;
    private final FetchWaiters[] waiters;
    private final KafkaApiMetrics metrics;
    private final FetchResponder responder = new FetchResponder();

    /**
     * @param partitions the partitions this broker leads.
     * @param leaders    who leads the partitions this broker does not.
     * @param waiters    one per sequencer shard, indexed by shard.
     * @param metrics    where errors and bytes served are counted (on the selector thread, when an answer is released).
     */
    public FetchApi(final ReplicaManager partitions, final LeaderDiscovery leaders, final FetchWaiters[] waiters,
        final KafkaApiMetrics metrics)
    {
        this.partitions = partitions;
        this.leaders = leaders;
        this.waiters = waiters;
        this.metrics = metrics;
    }

    /** Handle a Fetch request. Selector thread. */
    public void onRequest(final KafkaRequest request)
    {
        final FetchRequestData data = (FetchRequestData)KafkaMessages.parseRequest(
            ApiKeys.FETCH.id, request.apiVersion(), request.bodyByteBuffer());
        final PendingFetch fetch = read(request, data);
        if (fetch.topLevelError != 0 || fetch.readAll() || fetch.deadlineNs <= System.nanoTime() ||
            !park(fetch))
        {
            respondNow(fetch);
        }
    }

    private PendingFetch read(final KafkaRequest request, final FetchRequestData data)
    {
        final short version = request.apiVersion();
        final boolean byId = version >= 13;
        int partitionCount = 0;
        for (final FetchRequestData.FetchTopic topic : data.topics())
        {
            partitionCount += topic.partitions().size();
        }
        final boolean unknownSession = data.sessionId() != 0;
        final int topicCount = unknownSession ? 0 : data.topics().size();
        final long deadline = request.receivedNanos() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, data.maxWaitMs()));
        final PendingFetch fetch = new PendingFetch(request, metrics, version,
            version >= 3 ? data.maxBytes() : Integer.MAX_VALUE, Math.max(0, data.minBytes()), deadline,
            topicCount, unknownSession ? 0 : partitionCount);
        if (unknownSession)
        {
            fetch.topLevelError = Errors.FETCH_SESSION_ID_NOT_FOUND.code();
            return fetch;
        }

        int t = 0;
        int i = 0;
        for (final FetchRequestData.FetchTopic topic : data.topics())
        {
            fetch.topicStart[t] = i;
            final UUID id = byId ? new UUID(topic.topicId().getMostSignificantBits(),
                topic.topicId().getLeastSignificantBits()) : null;
            fetch.topicNames[t] = topic.topic();
            fetch.topicIdMsb[t] = byId ? topic.topicId().getMostSignificantBits() : 0;
            fetch.topicIdLsb[t] = byId ? topic.topicId().getLeastSignificantBits() : 0;
            for (final FetchRequestData.FetchPartition p : topic.partitions())
            {
                final Partition partition = byId ? partitions.partition(id, p.partition()) :
                    partitions.partition(topic.topic(), p.partition());
                fetch.partitionIndexes[i] = p.partition();
                fetch.fetchOffsets[i] = p.fetchOffset();
                fetch.partitionMaxBytes[i] = p.partitionMaxBytes();
                if (partition == null)
                {
                    // No replica here: another broker's partition of a known topic, or an unknown one.
                    fetch.errors[i] = leaders.knows(byId ? null : topic.topic(), id, p.partition()) ?
                        Errors.NOT_LEADER_OR_FOLLOWER.code() : byId && !Uuid.ZERO_UUID.equals(topic.topicId()) &&
                        partitions.topicPartitionCount(id) < 0 ?
                        Errors.UNKNOWN_TOPIC_ID.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code();
                }
                else if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != partition.leaderEpoch())
                {
                    fetch.errors[i] = p.currentLeaderEpoch() < partition.leaderEpoch() ?
                        Errors.FENCED_LEADER_EPOCH.code() : Errors.UNKNOWN_LEADER_EPOCH.code();
                }
                else if (!partition.isLeader()) // consumers read from the leader only (no KIP-392 yet)
                {
                    fetch.errors[i] = Errors.NOT_LEADER_OR_FOLLOWER.code();
                }
                else
                {
                    fetch.partitions[i] = partition;
                }
                i++;
            }
            t++;
        }
        fetch.topicStart[t] = i;
        return fetch;
    }

    private boolean park(final PendingFetch fetch)
    {
        for (final Partition partition : fetch.partitions)
        {
            if (partition != null)
            {
                return waiters[partition.shardIndex()].offer(fetch);
            }
        }
        return false;
    }

    private void respondNow(final PendingFetch fetch)
    {
        // On the selector thread a completion is queued inline and never back-pressured.
        if (fetch.version >= FetchResponder.FIRST_CURRENT_LEADER_VERSION && fetch.sendsElsewhere())
        {
            responder.respondNamingLeaders(fetch, leaders.image());
        }
        else
        {
            responder.respond(fetch);
        }
    }
}
