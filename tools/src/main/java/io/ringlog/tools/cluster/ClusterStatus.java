package io.ringlog.tools.cluster;

import io.ringlog.tools.ErrorMessages;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

/**
 * What a cluster looks like from one broker's metadata, gathered through the Kafka Admin API so that it reads Apache
 * Kafka as well as Ringlog: the brokers (fenced ones too where the broker reports them: DescribeCluster v2, KIP-1073),
 * the active controller, the metadata quorum (DescribeQuorum, where served), and every partition's leadership.
 *
 * @param clusterId          the cluster's id.
 * @param controllerId       the active controller's node id, or -1 when none is known.
 * @param brokers            every broker the metadata names, by id; fenced ones flagged.
 * @param fencedReported     whether the broker told us about fenced brokers (older brokers cannot).
 * @param quorum             the metadata quorum, or null when the broker does not serve DescribeQuorum.
 * @param partitions         how many partitions there are, internal topics included.
 * @param leaderless         partitions without a leader ("topic-partition"), sorted.
 * @param underReplicated    partitions whose ISR is smaller than their replica set, sorted.
 */
record ClusterStatus(
    String clusterId,
    int controllerId,
    Map<Integer, Node> brokers,
    boolean fencedReported,
    QuorumInfo quorum,
    int partitions,
    List<String> leaderless,
    List<String> underReplicated)
{
    /** Ask the broker(s) behind {@code admin}. */
    static ClusterStatus gather(final Admin admin) throws InterruptedException, ExecutionException
    {
        boolean fencedReported = true;
        DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true));
        Collection<Node> nodes;
        try
        {
            nodes = cluster.nodes().get();
        }
        catch (final ExecutionException ex)
        {
            if (!(ErrorMessages.unwrap(ex) instanceof UnsupportedVersionException))
            {
                throw ex;
            }
            fencedReported = false;
            cluster = admin.describeCluster();
            nodes = cluster.nodes().get();
        }
        final Node controller = cluster.controller().get();
        final Map<Integer, Node> brokers = new TreeMap<>();
        nodes.forEach(n -> brokers.put(n.id(), n));

        final Set<String> names = new TreeSet<>(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get());
        final Map<String, TopicDescription> topics = new TreeMap<>(admin.describeTopics(names).allTopicNames().get());
        int partitions = 0;
        final List<String> leaderless = new ArrayList<>();
        final List<String> underReplicated = new ArrayList<>();
        for (final TopicDescription topic : topics.values())
        {
            final List<TopicPartitionInfo> sorted = new ArrayList<>(topic.partitions());
            sorted.sort(Comparator.comparingInt(TopicPartitionInfo::partition));
            for (final TopicPartitionInfo p : sorted)
            {
                partitions++;
                final String name = topic.name() + "-" + p.partition();
                if (p.leader() == null || p.leader().isEmpty() || p.leader().id() < 0)
                {
                    leaderless.add(name);
                }
                if (p.isr().size() < p.replicas().size())
                {
                    underReplicated.add(name);
                }
            }
        }
        return new ClusterStatus(cluster.clusterId().get(), controller == null || controller.isEmpty() ? -1 :
            controller.id(), brokers, fencedReported, quorum(admin), partitions, leaderless, underReplicated);
    }

    /** The metadata quorum, or null from a broker that does not serve DescribeQuorum. */
    private static QuorumInfo quorum(final Admin admin) throws InterruptedException, ExecutionException
    {
        try
        {
            return admin.describeMetadataQuorum().quorumInfo().get();
        }
        catch (final ExecutionException ex)
        {
            if (ErrorMessages.unwrap(ex) instanceof UnsupportedVersionException)
            {
                return null;
            }
            throw ex;
        }
    }

    List<Node> fencedBrokers()
    {
        return brokers.values().stream().filter(Node::isFenced).toList();
    }

    /** What keeps the cluster from being healthy, one line each; empty when it is healthy. */
    List<String> problems()
    {
        final List<String> problems = new ArrayList<>();
        if (controllerId < 0)
        {
            problems.add("no active controller");
        }
        final List<Node> fenced = fencedBrokers();
        if (!fenced.isEmpty())
        {
            problems.add(fenced.size() + " fenced broker(s): " + ids(fenced));
        }
        if (!leaderless.isEmpty())
        {
            problems.add(leaderless.size() + " partition(s) without a leader: " + abbreviate(leaderless));
        }
        return problems;
    }

    /** One line: healthy, or the problems joined. */
    String summary()
    {
        final List<String> problems = problems();
        final int live = brokers.size() - fencedBrokers().size();
        if (problems.isEmpty())
        {
            return "healthy: " + live + " broker(s), controller " + controllerId + ", " + partitions +
                " partition(s) all with a leader" + (underReplicated.isEmpty() ? "" :
                " (" + underReplicated.size() + " under-replicated)");
        }
        return "unhealthy: " + String.join("; ", problems);
    }

    static String ids(final Collection<Node> nodes)
    {
        final StringBuilder s = new StringBuilder();
        for (final Node n : nodes)
        {
            s.append(s.length() == 0 ? "" : ",").append(n.id());
        }
        return s.toString();
    }

    /** The first few names and how many more: a line stays readable with thousands of partitions. */
    static String abbreviate(final List<String> names)
    {
        final int shown = Math.min(names.size(), 5);
        final String head = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? head + " and " + (names.size() - shown) + " more" : head;
    }
}
