package io.ringlog.tools.groups;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.ErrorMessages;
import io.ringlog.tools.ParentCommand;
import io.ringlog.tools.client.Table;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

/**
 * {@code ringlog groups list|describe|reset-offsets|delete}: consumer groups through the Kafka Admin API (ListGroups,
 * DescribeGroups or ConsumerGroupDescribe, OffsetFetch, ListOffsets, OffsetCommit, DeleteGroups).
 */
@Command(name = "groups",
    description = "list and describe consumer groups (with lag), reset their offsets, delete them",
    subcommands = {
        GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, ResetOffsetsCommand.class,
        GroupsCommand.Delete.class
    })
public final class GroupsCommand extends ParentCommand
{
    @Command(name = "list", description = "list consumer groups and their states")
    static final class ListGroups extends BrokerCommand
    {
        @Override
        protected int run() throws Exception
        {
            try (Admin admin = client.admin())
            {
                final List<GroupListing> groups = new ArrayList<>(
                    admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get());
                groups.sort(Comparator.comparing(GroupListing::groupId));
                final Table table = new Table("GROUP", "STATE", "TYPE");
                for (final GroupListing g : groups)
                {
                    table.row(g.groupId(), g.groupState().map(GroupState::toString).orElse("-"),
                        g.type().map(t -> t.toString().toLowerCase(java.util.Locale.ROOT)).orElse("-"));
                }
                table.print(out());
            }
            return 0;
        }
    }

    @Command(name = "describe", description = "members, committed offsets and lag per partition of groups")
    static final class Describe extends BrokerCommand
    {
        @Parameters(arity = "1..*", paramLabel = "GROUP")
        List<String> groups;

        @Override
        protected int run() throws Exception
        {
            try (Admin admin = client.admin())
            {
                final PrintWriter out = out();
                for (final String group : groups)
                {
                    describe(admin, group, out);
                }
            }
            return 0;
        }

        private static void describe(final Admin admin, final String group, final PrintWriter out)
            throws ExecutionException, InterruptedException
        {
            final ConsumerGroupDescription d = description(admin, group);
            final Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group);
            if (d.groupState() == GroupState.DEAD && committed.isEmpty())
            {
                throw new CliException("no group '" + group + "'");
            }
            final Map<TopicPartition, MemberDescription> owners = new HashMap<>();
            for (final MemberDescription m : d.members())
            {
                m.assignment().topicPartitions().forEach(tp -> owners.put(tp, m));
            }
            final Set<TopicPartition> partitions = new TreeSet<>(
                Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            partitions.addAll(committed.keySet());
            partitions.addAll(owners.keySet());
            final Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(admin, partitions, OffsetSpec.latest());

            out.println("group " + group + ": state " + d.groupState() + ", " + d.members().size() + " member(s)" +
                (d.coordinator() == null ? "" : ", coordinator " + d.coordinator().id() + " at " +
                d.coordinator().host() + ":" + d.coordinator().port()));
            final Table table = new Table("  TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                "CONSUMER-ID", "HOST", "CLIENT-ID");
            long totalLag = 0;
            for (final TopicPartition tp : partitions)
            {
                final OffsetAndMetadata c = committed.get(tp);
                final ListOffsetsResultInfo end = ends.get(tp);
                final Long lag = c == null || end == null ? null : Math.max(0, end.offset() - c.offset());
                totalLag += lag == null ? 0 : lag;
                final MemberDescription m = owners.get(tp);
                table.row("  " + tp.topic(), tp.partition(), c == null ? null : c.offset(),
                    end == null ? null : end.offset(), lag, m == null ? null : m.consumerId(),
                    m == null ? null : m.host(), m == null ? null : m.clientId());
            }
            table.print(out);
            out.println("  total lag " + totalLag);
            out.flush();
        }
    }

    @Command(name = "delete", description = "delete groups (they must have no members) and their committed offsets")
    static final class Delete extends BrokerCommand
    {
        @Parameters(arity = "1..*", paramLabel = "GROUP")
        List<String> groups;

        @Override
        protected int run() throws Exception
        {
            try (Admin admin = client.admin())
            {
                final var results = admin.deleteConsumerGroups(groups).deletedGroups();
                for (final String group : groups)
                {
                    try
                    {
                        results.get(group).get();
                        out().println("deleted group " + group);
                    }
                    catch (final ExecutionException ex)
                    {
                        final Throwable cause = ErrorMessages.unwrap(ex);
                        if (cause instanceof GroupNotEmptyException)
                        {
                            throw new CliException("group '" + group + "' has active members: stop them first");
                        }
                        if (cause instanceof GroupIdNotFoundException)
                        {
                            throw new CliException("no group '" + group + "'");
                        }
                        throw ex;
                    }
                }
                out().flush();
            }
            return 0;
        }
    }

    static ConsumerGroupDescription description(final Admin admin, final String group)
        throws ExecutionException, InterruptedException
    {
        try
        {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        }
        catch (final ExecutionException ex)
        {
            if (ErrorMessages.unwrap(ex) instanceof GroupIdNotFoundException)
            {
                throw new CliException("no group '" + group + "'");
            }
            throw ex;
        }
    }

    static Map<TopicPartition, OffsetAndMetadata> committed(final Admin admin, final String group)
        throws ExecutionException, InterruptedException
    {
        final Map<TopicPartition, OffsetAndMetadata> found = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, o) ->
        {
            if (o != null)
            {
                found.put(tp, o);
            }
        });
        return found;
    }

    static Map<TopicPartition, ListOffsetsResultInfo> offsets(
        final Admin admin, final Set<TopicPartition> partitions, final OffsetSpec spec)
        throws ExecutionException, InterruptedException
    {
        final Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, spec));
        return query.isEmpty() ? Map.of() : admin.listOffsets(query).all().get();
    }
}
