package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.kafka.ColdPathApi;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.controller.ControllerError;
import io.ringlog.replication.controller.Reply;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * ElectLeaders (API 43; kafka-clients' {@code Admin.electLeaders}, {@code kafka-leader-election.sh}): each partition
 * named (all partitions when none is) is proposed to the controller quorum as a preferred election (the first
 * replica leads again, if it is live and in sync) or an unclean one (an offline partition takes any live replica).
 * The controller's refusals come back with Kafka's codes: ELECTION_NOT_NEEDED, ELIGIBLE_LEADERS_NOT_AVAILABLE,
 * UNKNOWN_TOPIC_OR_PARTITION. Admin thread; it waits for the quorum's answers (bounded by the request timeout).
 */
public final class ElectLeadersApi
{
    private static final byte UNCLEAN = 1;

    private final Supplier<QuorumClient> quorum;
    private final Supplier<MetadataImage> image;
    private final long timeoutMs;

    public ElectLeadersApi(final Supplier<QuorumClient> quorum, final Supplier<MetadataImage> image,
        final long timeoutMs)
    {
        this.quorum = quorum;
        this.image = image;
        this.timeoutMs = timeoutMs;
    }

    public ApiMessage electLeaders(final ColdPathApi.ApiRequest request)
    {
        final ElectLeadersRequestData data = request.body();
        final boolean unclean = data.electionType() == UNCLEAN;
        final Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        if (data.topicPartitions() == null)
        {
            image.get().topics().forEach((name, topic) ->
            {
                final List<Integer> all = new ArrayList<>();
                topic.partitions().forEach(p -> all.add(p.partition()));
                wanted.put(name, all);
            });
        }
        else
        {
            data.topicPartitions().forEach(t -> wanted.computeIfAbsent(t.topic(), k -> new ArrayList<>())
                .addAll(t.partitions()));
        }
        final Map<String, List<CompletableFuture<Reply>>> proposals = new LinkedHashMap<>();
        wanted.forEach((topic, partitions) ->
        {
            final List<CompletableFuture<Reply>> replies = new ArrayList<>();
            for (final int p : partitions)
            {
                replies.add(quorum.get().electLeader(topic, p, unclean));
            }
            proposals.put(topic, replies);
        });
        final ElectLeadersResponseData response = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
        proposals.forEach((topic, replies) ->
        {
            final ReplicaElectionResult result = new ReplicaElectionResult().setTopic(topic);
            final List<Integer> partitions = wanted.get(topic);
            for (int i = 0; i < partitions.size(); i++)
            {
                result.partitionResult().add(partitionResult(partitions.get(i), replies.get(i)));
            }
            response.replicaElectionResults().add(result);
        });
        return response;
    }

    private PartitionResult partitionResult(final int partition, final CompletableFuture<Reply> reply)
    {
        final PartitionResult result = new PartitionResult().setPartitionId(partition);
        try
        {
            final Reply r = reply.get(timeoutMs, TimeUnit.MILLISECONDS);
            if (r.isOk())
            {
                return result.setErrorCode(Errors.NONE.code());
            }
            return result.setErrorCode(r.error().code()).setErrorMessage(r.message());
        }
        catch (final Exception ex)
        {
            return result.setErrorCode(ControllerError.REQUEST_TIMED_OUT.code())
                .setErrorMessage("the controller quorum did not answer in " + timeoutMs + " ms");
        }
    }
}
