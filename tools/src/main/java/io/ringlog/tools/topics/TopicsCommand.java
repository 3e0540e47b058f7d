package io.ringlog.tools.topics;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.ErrorMessages;
import io.ringlog.tools.ParentCommand;
import io.ringlog.tools.client.Table;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/** {@code ringlog topics create|list|describe|alter|delete}: topic administration through the Kafka Admin API. */
@Command(name = "topics", description = "create, list, describe, alter and delete topics",
    subcommands = {
        TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
        TopicsCommand.Alter.class, TopicsCommand.Delete.class
    })
public final class TopicsCommand extends ParentCommand
{
    @Command(name = "create", description = "create a topic")
    static final class Create extends BrokerCommand
    {
        @Parameters(index = "0", paramLabel = "TOPIC")
        String topic;

        @Option(names = {"-p", "--partitions"}, paramLabel = "N",
            description = "partitions (default: the broker's num.partitions)")
        Integer partitions;

        @Option(names = {"-r", "--replication-factor"}, paramLabel = "N",
            description = "replicas per partition (default: the broker's default.replication.factor)")
        Short replicationFactor;

        @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE", description = "a topic config, repeatable")
        Map<String, String> configs = new LinkedHashMap<>();

        @Option(names = "--if-not-exists", description = "succeed when the topic exists already")
        boolean ifNotExists;

        @Override
        protected int run() throws Exception
        {
            final NewTopic newTopic = new NewTopic(topic, Optional.ofNullable(partitions),
                Optional.ofNullable(replicationFactor)).configs(configs);
            try (Admin admin = client.admin())
            {
                final CreateTopicsResult result = admin.createTopics(List.of(newTopic));
                try
                {
                    result.all().get();
                }
                catch (final ExecutionException ex)
                {
                    if (ifNotExists && ex.getCause() instanceof TopicExistsException)
                    {
                        out().println("topic " + topic + " exists already");
                        return 0;
                    }
                    throw ex;
                }
                out().println("created topic " + topic + ": " + result.numPartitions(topic).get() +
                    " partition(s), replication factor " + result.replicationFactor(topic).get());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "list topic names")
    static final class ListTopics extends BrokerCommand
    {
        @Option(names = "--internal", description = "include internal topics (e.g. __consumer_offsets)")
        boolean internal;

        @Override
        protected int run() throws Exception
        {
            try (Admin admin = client.admin())
            {
                final PrintWriter out = out();
                for (final String name : new TreeSet<>(admin.listTopics(
                    new ListTopicsOptions().listInternal(internal)).names().get()))
                {
                    out.println(name);
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "describe", description = "partitions, leaders, replicas, offsets and configs of topics")
    static final class Describe extends BrokerCommand
    {
        @Parameters(arity = "0..*", paramLabel = "TOPIC", description = "topics to describe (default: all)")
        List<String> topics = new ArrayList<>();

        @Option(names = "--all-configs", description = "show every config with its source, not only overrides")
        boolean allConfigs;

        @Option(names = {"--under-replicated", "--under-replicated-partitions"},
            description = "list only partitions whose ISR is smaller than their replicas (internal topics included " +
                "when no TOPIC is given)")
        boolean underReplicated;

        @Option(names = {"--under-min-isr-partitions", "--under-min-isr"},
            description = "list only partitions whose ISR is below their topic's min.insync.replicas, where acks=all " +
                "produce is refused (internal topics included when no TOPIC is given)")
        boolean underMinIsr;

        @Override
        protected int run() throws Exception
        {
            if (underReplicated && underMinIsr)
            {
                throw CliException.usage("give only one of --under-replicated and --under-min-isr-partitions");
            }
            if (underReplicated || underMinIsr)
            {
                return report();
            }
            try (Admin admin = client.admin())
            {
                final Collection<String> names = topics.isEmpty() ?
                    new TreeSet<>(admin.listTopics().names().get()) : topics;
                final Map<String, TopicDescription> descriptions = describe(admin, names);
                final Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                descriptions.values().forEach(d -> d.partitions().forEach(p ->
                {
                    earliest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest());
                    latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                }));
                final Map<TopicPartition, ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all().get();
                final Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
                final Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();

                final PrintWriter out = out();
                for (final String name : names)
                {
                    final TopicDescription d = descriptions.get(name);
                    out.println("topic " + name + "  id " + d.topicId() + "  partitions " + d.partitions().size() +
                        "  replication factor " + (d.partitions().isEmpty() ? 0 :
                        d.partitions().get(0).replicas().size()) + (d.isInternal() ? "  (internal)" : ""));
                    final Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
                    printConfigs(out, config);
                    final Table table = new Table("  PARTITION", "LEADER", "REPLICAS", "ISR", "LOG-START", "LOG-END");
                    for (final TopicPartitionInfo p : d.partitions())
                    {
                        final TopicPartition tp = new TopicPartition(name, p.partition());
                        table.row("  " + p.partition(), p.leader() == null ? "none" : p.leader().id(),
                            ids(p.replicas()), ids(p.isr()), starts.get(tp).offset(), ends.get(tp).offset());
                    }
                    table.print(out);
                }
                out.flush();
            }
            return 0;
        }

        /**
         * Kafka's {@code --under-replicated-partitions} and {@code --under-min-isr-partitions}: one table of the
         * partitions that match, across topics, with leader, replicas and ISR (and the topic's min.insync.replicas);
         * nothing at all when none match, as Kafka prints. No offsets are asked for: a partition without a leader
         * has none to give.
         */
        private int report() throws Exception
        {
            try (Admin admin = client.admin())
            {
                final Collection<String> names = topics.isEmpty() ?
                    new TreeSet<>(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get()) : topics;
                final Map<String, TopicDescription> descriptions = describe(admin, names);
                final Map<ConfigResource, Config> configs = underMinIsr ? admin.describeConfigs(names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get() : Map.of();
                final Table table = underMinIsr ?
                    new Table("TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "MIN-ISR") :
                    new Table("TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR");
                for (final String name : names)
                {
                    final int minIsr = underMinIsr ?
                        minInsyncReplicas(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name))) : 0;
                    for (final TopicPartitionInfo p : descriptions.get(name).partitions())
                    {
                        final String leader = p.leader() == null || p.leader().id() < 0 ? "none" :
                            Integer.toString(p.leader().id());
                        final String isr = p.isr().isEmpty() ? "-" : ids(p.isr());
                        if (underReplicated && p.isr().size() < p.replicas().size())
                        {
                            table.row(name, p.partition(), leader, ids(p.replicas()), isr);
                        }
                        else if (underMinIsr && p.isr().size() < minIsr)
                        {
                            table.row(name, p.partition(), leader, ids(p.replicas()), isr, minIsr);
                        }
                    }
                }
                final PrintWriter out = out();
                if (table.size() > 0)
                {
                    table.print(out);
                }
                out.flush();
            }
            return 0;
        }

        /** The topic's min.insync.replicas as the broker reports it (its default included); 1 when it says none. */
        private static int minInsyncReplicas(final Config config)
        {
            final ConfigEntry entry = config == null ? null : config.get("min.insync.replicas");
            return entry == null || entry.value() == null ? 1 : Integer.parseInt(entry.value());
        }

        private void printConfigs(final PrintWriter out, final Config config)
        {
            final Map<String, ConfigEntry> shown = new TreeMap<>();
            if (config != null)
            {
                for (final ConfigEntry e : config.entries())
                {
                    if (allConfigs || e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                    {
                        shown.put(e.name(), e);
                    }
                }
            }
            if (shown.isEmpty())
            {
                out.println("  configs: (defaults)");
                return;
            }
            out.println("  configs: " + shown.values().stream()
                .map(e -> e.name() + "=" + e.value() + (allConfigs ? " (" + source(e) + ")" : ""))
                .collect(Collectors.joining(allConfigs ? "\n           " : ", ")));
        }

        private static String source(final ConfigEntry e)
        {
            return switch (e.source())
            {
                case DYNAMIC_TOPIC_CONFIG -> "topic";
                case DEFAULT_CONFIG -> "default";
                default -> "broker";
            };
        }

        private static String ids(final List<Node> nodes)
        {
            return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
        }
    }

    @Command(name = "alter", description = "add partitions, set or remove topic configs")
    static final class Alter extends BrokerCommand
    {
        @Parameters(index = "0", paramLabel = "TOPIC")
        String topic;

        @Option(names = {"-p", "--partitions"}, paramLabel = "N", description = "raise the partition count to N")
        Integer partitions;

        @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE", description = "set a topic config, repeatable")
        Map<String, String> set = new LinkedHashMap<>();

        @Option(names = "--delete-config", paramLabel = "KEY", description = "remove a topic config, repeatable")
        List<String> delete = new ArrayList<>();

        @Override
        protected int run() throws Exception
        {
            if (partitions == null && set.isEmpty() && delete.isEmpty())
            {
                throw CliException.usage("nothing to alter: give --partitions, --config or --delete-config");
            }
            try (Admin admin = client.admin())
            {
                describe(admin, List.of(topic)); // a clear "no topic" before anything changes
                if (partitions != null)
                {
                    admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions))).all().get();
                    out().println("topic " + topic + " now has " + partitions + " partition(s)");
                }
                if (!set.isEmpty() || !delete.isEmpty())
                {
                    final List<AlterConfigOp> ops = new ArrayList<>();
                    set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
                    delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null),
                        AlterConfigOp.OpType.DELETE)));
                    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops))
                        .all().get();
                    set.forEach((k, v) -> out().println("topic " + topic + ": " + k + "=" + v));
                    delete.forEach(k -> out().println("topic " + topic + ": " + k + " back to its default"));
                }
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "delete topics and their data")
    static final class Delete extends BrokerCommand
    {
        @Parameters(arity = "1..*", paramLabel = "TOPIC")
        List<String> topics;

        @Option(names = "--if-exists", description = "succeed when a topic does not exist")
        boolean ifExists;

        @Override
        protected int run() throws Exception
        {
            try (Admin admin = client.admin())
            {
                for (final String topic : topics)
                {
                    try
                    {
                        admin.deleteTopics(List.of(topic)).all().get();
                        out().println("deleted topic " + topic);
                    }
                    catch (final ExecutionException ex)
                    {
                        if (!(ex.getCause() instanceof UnknownTopicOrPartitionException))
                        {
                            throw ex;
                        }
                        if (!ifExists)
                        {
                            throw new CliException("no topic '" + topic + "'");
                        }
                        out().println("no topic " + topic);
                    }
                }
                out().flush();
            }
            return 0;
        }
    }

    /** Descriptions of these topics; a missing one is a clear error naming it. */
    public static Map<String, TopicDescription> describe(final Admin admin, final Collection<String> names)
        throws InterruptedException, ExecutionException
    {
        final Map<String, TopicDescription> found = new LinkedHashMap<>();
        final var futures = admin.describeTopics(names).topicNameValues();
        for (final String name : names)
        {
            try
            {
                found.put(name, futures.get(name).get());
            }
            catch (final ExecutionException ex)
            {
                if (ErrorMessages.unwrap(ex) instanceof UnknownTopicOrPartitionException)
                {
                    throw new CliException("no topic '" + name + "'");
                }
                throw ex;
            }
        }
        return found;
    }
}
