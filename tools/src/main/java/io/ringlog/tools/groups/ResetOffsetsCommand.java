package io.ringlog.tools.groups;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.Table;
import io.ringlog.tools.client.Timestamps;
import io.ringlog.tools.topics.TopicsCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ringlog groups reset-offsets GROUP}: move a group's committed offsets. A dry run by default (it prints the
 * plan: current and new offset per partition); {@code --execute} commits the new offsets, and only while the group
 * has no members, since a live member would overwrite them with its next commit.
 */
@Command(name = "reset-offsets", description = "plan (default) or --execute a reset of a group's committed offsets")
final class ResetOffsetsCommand extends BrokerCommand
{
    @Parameters(index = "0", paramLabel = "GROUP")
    String group;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Scope scope;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--execute", description = "apply the plan (default: only print it)")
    boolean execute;

    /** Which partitions. */
    static final class Scope
    {
        @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC[:P,P...]",
            description = "a topic, or some of its partitions, repeatable")
        List<String> topics;

        @Option(names = "--all-topics", description = "every partition the group has an offset for")
        boolean allTopics;
    }

    /** Where to. */
    static final class Target
    {
        @Option(names = "--to-earliest", description = "the earliest offset kept")
        boolean earliest;

        @Option(names = "--to-latest", description = "the log end: skip everything not yet read")
        boolean latest;

        @Option(names = "--to-offset", paramLabel = "OFFSET", description = "this offset (clamped to what is kept)")
        Long offset;

        @Option(names = "--to-datetime", paramLabel = "TIME",
            description = "the first offset at or after TIME (epoch ms or ISO-8601)")
        String datetime;

        @Option(names = "--shift-by", paramLabel = "N",
            description = "N past the committed offset (negative: back), clamped to what is kept")
        Long shiftBy;
    }

    @Override
    protected int run() throws Exception
    {
        try (Admin admin = client.admin())
        {
            final ConsumerGroupDescription d = GroupsCommand.description(admin, group);
            final Map<TopicPartition, OffsetAndMetadata> committed = GroupsCommand.committed(admin, group);
            final Set<TopicPartition> partitions = partitions(admin, committed);
            final Map<TopicPartition, ListOffsetsResultInfo> first =
                GroupsCommand.offsets(admin, partitions, OffsetSpec.earliest());
            final Map<TopicPartition, ListOffsetsResultInfo> end =
                GroupsCommand.offsets(admin, partitions, OffsetSpec.latest());
            final Map<TopicPartition, ListOffsetsResultInfo> byTime = target.datetime == null ? Map.of() :
                GroupsCommand.offsets(admin, partitions, OffsetSpec.forTimestamp(Timestamps.parse(target.datetime)));

            final Map<TopicPartition, OffsetAndMetadata> plan = new LinkedHashMap<>();
            final Table table = new Table("TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET");
            for (final TopicPartition tp : partitions)
            {
                final long low = first.get(tp).offset();
                final long high = end.get(tp).offset();
                final OffsetAndMetadata current = committed.get(tp);
                final long wanted;
                if (target.earliest)
                {
                    wanted = low;
                }
                else if (target.latest)
                {
                    wanted = high;
                }
                else if (target.offset != null)
                {
                    wanted = target.offset;
                }
                else if (target.datetime != null)
                {
                    final long found = byTime.get(tp).offset();
                    wanted = found < 0 ? high : found; // no record at or after the time: the end
                }
                else
                {
                    wanted = (current == null ? high : current.offset()) + target.shiftBy;
                }
                final long next = Math.max(low, Math.min(high, wanted));
                plan.put(tp, new OffsetAndMetadata(next));
                table.row(tp.topic(), tp.partition(), current == null ? null : current.offset(), next);
            }
            table.print(out());

            if (!execute)
            {
                out().println("dry run: nothing changed; add --execute to apply");
            }
            else if (!d.members().isEmpty())
            {
                throw new CliException("group '" + group + "' has " + d.members().size() +
                    " active member(s) (state " + d.groupState() + "): stop them before --execute");
            }
            else
            {
                admin.alterConsumerGroupOffsets(group, plan).all().get();
                out().println("reset " + plan.size() + " partition(s) of group " + group);
            }
            out().flush();
        }
        return 0;
    }

    private Set<TopicPartition> partitions(final Admin admin, final Map<TopicPartition, OffsetAndMetadata> committed)
        throws Exception
    {
        final Set<TopicPartition> chosen = new TreeSet<>(
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        if (scope.allTopics)
        {
            if (committed.isEmpty())
            {
                throw new CliException("group '" + group + "' has no committed offsets: name a --topic");
            }
            chosen.addAll(committed.keySet());
            return chosen;
        }
        final Map<String, List<Integer>> requested = new HashMap<>();
        for (final String spec : scope.topics)
        {
            final int colon = spec.indexOf(':');
            final String topic = colon < 0 ? spec : spec.substring(0, colon);
            final List<Integer> parts = requested.computeIfAbsent(topic, t -> new ArrayList<>());
            if (colon >= 0)
            {
                for (final String p : spec.substring(colon + 1).split(","))
                {
                    try
                    {
                        parts.add(Integer.parseInt(p.trim()));
                    }
                    catch (final NumberFormatException ex)
                    {
                        throw CliException.usage("'" + spec + "' is not TOPIC or TOPIC:P,P...");
                    }
                }
            }
        }
        final Map<String, TopicDescription> topics = TopicsCommand.describe(admin, requested.keySet());
        requested.forEach((topic, parts) ->
        {
            final int count = topics.get(topic).partitions().size();
            if (parts.isEmpty())
            {
                for (int p = 0; p < count; p++)
                {
                    chosen.add(new TopicPartition(topic, p));
                }
            }
            for (final int p : parts)
            {
                if (p < 0 || p >= count)
                {
                    throw CliException.usage("topic " + topic + " has no partition " + p);
                }
                chosen.add(new TopicPartition(topic, p));
            }
        });
        return chosen;
    }
}
