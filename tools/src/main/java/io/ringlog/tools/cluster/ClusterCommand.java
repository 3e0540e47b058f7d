package io.ringlog.tools.cluster;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.ErrorMessages;
import io.ringlog.tools.ParentCommand;
import io.ringlog.tools.client.DurationConverter;
import io.ringlog.tools.client.Table;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ringlog cluster info|health}: the cluster as one broker's metadata describes it, through the Kafka Admin API
 * (so Apache Kafka answers too). {@code health} is made for scripts: exit 0 when every partition has a leader, every
 * broker is unfenced and a controller is active, exit 1 otherwise.
 */
@Command(name = "cluster", description = "brokers, controller and partition leadership of the cluster",
    subcommands = {ClusterCommand.Info.class, ClusterCommand.Health.class})
public final class ClusterCommand extends ParentCommand
{
    @Command(name = "info", description = "brokers (fenced ones too), the controller and its epoch, the metadata " +
        "quorum, partitions without a leader")
    static final class Info extends BrokerCommand
    {
        @Override
        protected int run() throws Exception
        {
            try (Admin admin = client.admin())
            {
                print(out(), ClusterStatus.gather(admin));
            }
            return 0;
        }

        static void print(final PrintWriter out, final ClusterStatus status)
        {
            out.println("cluster id   " + status.clusterId());
            final QuorumInfo quorum = status.quorum();
            out.println("controller   " + (status.controllerId() < 0 ? "none" : Integer.toString(status.controllerId())) +
                (quorum == null ? "" : "  epoch " + quorum.leaderEpoch() + "  metadata log position " +
                quorum.highWatermark()));
            if (quorum == null)
            {
                out.println("quorum       not reported by this broker (no DescribeQuorum)");
            }
            else
            {
                out.println("quorum       voters " + replicaIds(quorum.voters()) + "  leader " + quorum.leaderId() +
                    (quorum.observers().isEmpty() ? "" : "  observers " + replicaIds(quorum.observers())));
            }

            final Map<Integer, Long> metadataLag = metadataLag(quorum);
            out.println("brokers");
            final Table table = new Table("  NODE", "HOST", "PORT", "RACK", "STATE", "METADATA-LAG");
            for (final Node n : status.brokers().values())
            {
                final Long lag = metadataLag.get(n.id());
                table.row("  " + n.id(), n.host(), n.port(), n.hasRack() ? n.rack() : "-",
                    n.isFenced() ? "fenced" : "live", lag == null ? "-" : lag);
            }
            table.print(out);
            if (!status.fencedReported())
            {
                out.println("fenced brokers: not reported by this broker (DescribeCluster before v2)");
            }
            else
            {
                final List<Node> fenced = status.fencedBrokers();
                out.println("fenced brokers: " + (fenced.isEmpty() ? "none" : ClusterStatus.ids(fenced)));
            }
            out.println("partitions: " + status.partitions() + ", without a leader: " + status.leaderless().size() +
                (status.leaderless().isEmpty() ? "" : " (" + ClusterStatus.abbreviate(status.leaderless()) + ")") +
                ", under-replicated: " + status.underReplicated().size());
            out.flush();
        }

        /** How far each voter and observer is behind the quorum's high watermark, by node id. */
        private static Map<Integer, Long> metadataLag(final QuorumInfo quorum)
        {
            final Map<Integer, Long> lag = new HashMap<>();
            if (quorum != null)
            {
                for (final List<QuorumInfo.ReplicaState> replicas : List.of(quorum.voters(), quorum.observers()))
                {
                    for (final QuorumInfo.ReplicaState r : replicas)
                    {
                        if (r.logEndOffset() >= 0) // -1: the answering broker does not know it (shown as -)
                        {
                            lag.put(r.replicaId(), Math.max(0, quorum.highWatermark() - r.logEndOffset()));
                        }
                    }
                }
            }
            return lag;
        }

        private static String replicaIds(final List<QuorumInfo.ReplicaState> replicas)
        {
            final StringBuilder s = new StringBuilder();
            replicas.stream().mapToInt(QuorumInfo.ReplicaState::replicaId).sorted()
                .forEach(id -> s.append(s.length() == 0 ? "" : ",").append(id));
            return s.toString();
        }
    }

    @Command(name = "health", description = "exit 0 when every partition has a leader and every broker is " +
        "unfenced, else 1; --watch to follow it, --exit-when-healthy to wait for it")
    static final class Health extends BrokerCommand
    {
        @Option(names = "--watch", description = "print the state every --interval until stopped (Ctrl-C), or " +
            "until healthy with --exit-when-healthy; a broker that does not answer is reported, not fatal")
        boolean watch;

        @Option(names = "--exit-when-healthy", description = "wait until the cluster is healthy (at most --wait)")
        boolean exitWhenHealthy;

        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class, description = "between checks (default ${DEFAULT-VALUE})")
        Duration interval;

        @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "with --exit-when-healthy: give up (exit 1) after this long (default: --timeout)")
        Duration wait;

        @Override
        protected int run() throws Exception
        {
            if (interval.isZero() || interval.isNegative())
            {
                throw CliException.usage("--interval must be positive");
            }
            try (Admin admin = client.admin())
            {
                if (!watch && !exitWhenHealthy)
                {
                    final ClusterStatus status = ClusterStatus.gather(admin);
                    out().println(status.summary());
                    out().flush();
                    return status.problems().isEmpty() ? 0 : 1;
                }
                return follow(admin);
            }
        }

        /** Check every interval; print on change (and the time) when watching; stop when asked to at health. */
        private int follow(final Admin admin) throws InterruptedException
        {
            final PrintWriter out = out();
            final long deadlineNs = exitWhenHealthy && !watch || wait != null ?
                System.nanoTime() + (wait != null ? wait : client.timeout()).toNanos() : Long.MAX_VALUE;
            String last = null;
            while (true)
            {
                String line;
                boolean healthy = false;
                try
                {
                    final ClusterStatus status = ClusterStatus.gather(admin);
                    healthy = status.problems().isEmpty();
                    line = status.summary();
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    line = "no answer: " + ErrorMessages.describe(ex);
                }
                if (watch && !line.equals(last))
                {
                    out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + "  " + line);
                    out.flush();
                }
                last = line;
                if (healthy && exitWhenHealthy)
                {
                    if (!watch)
                    {
                        out.println(line);
                        out.flush();
                    }
                    return 0;
                }
                if (System.nanoTime() - deadlineNs >= 0)
                {
                    if (!watch)
                    {
                        out.println(line);
                        out.flush();
                    }
                    throw new CliException("not healthy after " + DurationConverter.format(
                        wait != null ? wait : client.timeout()));
                }
                TimeUnit.NANOSECONDS.sleep(interval.toNanos());
            }
        }
    }
}
