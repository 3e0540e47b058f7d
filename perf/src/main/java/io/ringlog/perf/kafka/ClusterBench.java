package io.ringlog.perf.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The cluster's control plane under faults, timed from outside as an operator would see it, on three nodes of one
 * broker kind started as separate processes on this machine:
 * <ul>
 *   <li><b>start</b>: all three processes launched -> each says it serves;</li>
 *   <li><b>idle CPU</b>: the three processes' CPU over a quiet interval, in % of one core;</li>
 *   <li><b>metadata propagation</b>: CreateTopics (6 partitions, replication factor 3) sent -> every broker itself
 *       answers Metadata with the topic and a leader for every partition ({@link MetadataProbe}, one connection to
 *       each broker, since the Admin client would ask whichever it likes);</li>
 *   <li><b>broker failure</b>: {@code kill -9} of a broker that leads partitions but is not the quorum leader ->
 *       it is reported fenced (DescribeCluster v2) and -> no partition names it leader any more;</li>
 *   <li><b>controller failover</b>: {@code kill -9} of the quorum leader (DescribeQuorum) -> the first CreateTopics
 *       that succeeds through the survivors (a change committed by the new quorum).</li>
 * </ul>
 * Each fault is repeated {@code --rounds} times, the killed node restarted and the cluster whole again between rounds.
 * Run it with nothing else on the machine. Single-threaded; the Admin clients poll every 20 ms.
 */
public final class ClusterBench
{
    private static final long FAULT_LIMIT_MS = 60_000;

    private final List<ClusterMember> members;
    private final int rounds;
    private final int idleSeconds;

    private ClusterBench(final List<ClusterMember> members, final int rounds, final int idleSeconds)
    {
        this.members = members;
        this.rounds = rounds;
        this.idleSeconds = idleSeconds;
    }

    /**
     * {@code ClusterBench [--rounds N] [--idle-seconds S] [--brokers kafka,ringlog]}: Apache Kafka 4.3.1 (three KRaft
     * nodes in combined mode) and Ringlog (three combined nodes), one after the other, each measured alone. The
     * repository root comes from {@code -Dringlog.repo} (default: the working directory).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path repo = Path.of(System.getProperty("ringlog.repo", ".")).toAbsolutePath().normalize();
        int rounds = 3;
        int idleSeconds = 10;
        List<String> kinds = List.of("kafka", "ringlog");
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--brokers" -> kinds = List.of(args[++i].split(","));
                default ->
                {
                    System.err.println("usage: cluster-bench [--rounds N] [--idle-seconds S] [--brokers kafka,ringlog]");
                    System.exit(2);
                }
            }
        }
        final KafkaDist dist = ClusterLaunch.kafkaDist(repo);
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        final Path runDir = Files.createDirectories(repo.resolve("perf/target/cluster-bench").resolve(stamp));
        final StringBuilder report = new StringBuilder();
        for (final String kind : kinds)
        {
            final Path workDir = Files.createTempDirectory("ringlog-cluster-bench-");
            final List<ClusterMember> members = "kafka".equals(kind) ?
                ClusterLaunch.kafka(dist, workDir, runDir) : ClusterLaunch.ringlog(repo, workDir, runDir);
            final Thread hook = new Thread(() -> members.forEach(ClusterMember::stop));
            Runtime.getRuntime().addShutdownHook(hook);
            try
            {
                report.append(new ClusterBench(members, rounds, idleSeconds).run("kafka".equals(kind) ?
                    "Apache Kafka 4.3.1 (KRaft, combined)" : "Ringlog (Aeron Cluster quorum, combined)")).append('\n');
            }
            finally
            {
                members.forEach(ClusterMember::stop);
                Runtime.getRuntime().removeShutdownHook(hook);
                BrokerProcess.deleteTree(workDir);
            }
        }
        System.out.println(report);
        System.out.println("logs: " + runDir);
    }

    private String run(final String title) throws Exception
    {
        final StringBuilder report = new StringBuilder("### " + title + ", three nodes, " +
            Runtime.getRuntime().availableProcessors() + " cores\n\n| measure | rounds | p50 | max |\n|---|---:|---:|---:|\n");
        final long startNs = System.nanoTime();
        ClusterLaunch.startAll(members);
        row(report, "start, all three serving (ms)", List.of(ms(startNs)));
        try (Admin admin = admin(members))
        {
            awaitWhole(admin, List.of());
            TimeUnit.SECONDS.sleep(5);
            report.append("| idle CPU of the three processes (% of one core) | 1 | ")
                .append(String.format(Locale.ROOT, "%.1f", idleCpuPercent())).append(" | |\n");

            final List<Long> propagation = new ArrayList<>();
            for (int r = 0; r < rounds; r++)
            {
                final String topic = "propagation-" + r;
                final long t0 = System.nanoTime();
                admin.createTopics(List.of(new NewTopic(topic, 6, (short)3))).all().get();
                await(() -> members.stream().allMatch(m -> servesWithLeaders(m, topic)), "metadata of " + topic);
                propagation.add(ms(t0));
            }
            row(report, "metadata propagation: create topic -> all brokers serve it (ms)", propagation);

            admin.createTopics(List.of(new NewTopic("faults", 6, (short)3))).all().get();
            awaitWhole(admin, List.of("faults"));
        }
        brokerFailures(report);
        controllerFailovers(report);
        return report.toString();
    }

    private void brokerFailures(final StringBuilder report) throws Exception
    {
        final List<Long> fenced = new ArrayList<>();
        final List<Long> moved = new ArrayList<>();
        final List<Long> rejoined = new ArrayList<>();
        for (int r = 0; r < rounds; r++)
        {
            // A new topic each round: placed over the three live brokers, so the victim leads some of it (leaders
            // do not move back to a returned broker by themselves).
            final String topic = "faults-" + r;
            final ClusterMember victim;
            try (Admin admin = admin(members))
            {
                admin.createTopics(List.of(new NewTopic(topic, 6, (short)3))).all().get();
                awaitWhole(admin, List.of(topic));
                victim = leaderOfSomethingButNotController(admin, topic);
            }
            final List<ClusterMember> survivors = members.stream().filter(m -> m != victim).toList();
            try (Admin admin = admin(survivors))
            {
                final long t0 = System.nanoTime();
                victim.kill();
                final long[] fencedAt = {-1};
                await(() ->
                {
                    if (fencedAt[0] < 0 && fenced(admin, victim.nodeId()))
                    {
                        fencedAt[0] = ms(t0);
                    }
                    return fencedAt[0] >= 0 && !leadsAny(admin, victim.nodeId(), topic);
                }, "node " + victim.nodeId() + " fenced and its leaderships moved");
                moved.add(ms(t0));
                fenced.add(fencedAt[0]);
                final long t1 = System.nanoTime();
                victim.start();
                victim.awaitStarted();
                awaitWhole(admin, List.of("faults"));
                rejoined.add(ms(t1));
            }
        }
        row(report, "broker kill -9 -> reported fenced (ms)", fenced);
        row(report, "broker kill -9 -> its leaderships moved (ms)", moved);
        row(report, "killed broker restarted -> serving and unfenced (ms)", rejoined);
    }

    private void controllerFailovers(final StringBuilder report) throws Exception
    {
        final List<Long> failover = new ArrayList<>();
        for (int r = 0; r < rounds; r++)
        {
            final ClusterMember leader;
            final long epochBefore;
            try (Admin admin = admin(members))
            {
                epochBefore = quorumEpoch(admin);
                leader = member(quorumLeader(admin));
            }
            final List<ClusterMember> survivors = members.stream().filter(m -> m != leader).toList();
            try (Admin admin = admin(survivors))
            {
                final long t0 = System.nanoTime();
                leader.kill();
                final int round = r;
                await(() -> createSucceeds(admin, "failover-" + round), "a committed change after the leader died");
                failover.add(ms(t0));
                final long epochAfter = quorumEpoch(admin);
                if (epochBefore >= 0 && epochAfter <= epochBefore)
                {
                    throw new IllegalStateException("the quorum's epoch did not grow: " + epochBefore + " -> " +
                        epochAfter);
                }
                leader.start();
                leader.awaitStarted();
                awaitWhole(admin, List.of("faults"));
            }
        }
        row(report, "controller (quorum leader) kill -9 -> first committed change (ms)", failover);
    }

    private ClusterMember leaderOfSomethingButNotController(final Admin admin, final String topic) throws Exception
    {
        final int controller = quorumLeader(admin);
        final TopicDescription faults = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        for (final TopicPartitionInfo p : faults.partitions())
        {
            if (p.leader() != null && p.leader().id() != controller)
            {
                return member(p.leader().id());
            }
        }
        throw new IllegalStateException("every partition of '" + topic + "' is led by the controller " + controller);
    }

    /**
     * The quorum leader: DescribeQuorum where the broker serves it (Kafka: its Metadata names a random broker as the
     * controller, KIP-919), else the active controller DescribeCluster names (Ringlog: the quorum leader).
     */
    private static int quorumLeader(final Admin admin) throws Exception
    {
        try
        {
            return admin.describeMetadataQuorum().quorumInfo().get().leaderId();
        }
        catch (final ExecutionException ex)
        {
            if (!(ex.getCause() instanceof UnsupportedVersionException))
            {
                throw ex;
            }
            return admin.describeCluster().controller().get().id();
        }
    }

    /** The quorum's epoch, or -1 where DescribeQuorum is not served. */
    private static long quorumEpoch(final Admin admin) throws Exception
    {
        try
        {
            return admin.describeMetadataQuorum().quorumInfo().get().leaderEpoch();
        }
        catch (final ExecutionException ex)
        {
            if (!(ex.getCause() instanceof UnsupportedVersionException))
            {
                throw ex;
            }
            return -1;
        }
    }

    private ClusterMember member(final int nodeId)
    {
        return members.stream().filter(m -> m.nodeId() == nodeId).findFirst()
            .orElseThrow(() -> new IllegalStateException("no node " + nodeId));
    }

    /**
     * Wait until every broker is unfenced and every partition of {@code topics} has a leader. (Not for a full ISR:
     * Ringlog does not replicate partition data yet, so a broker that was fenced does not rejoin an ISR.)
     */
    private void awaitWhole(final Admin admin, final Collection<String> topics) throws Exception
    {
        await(() ->
        {
            try
            {
                final Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                    .includeFencedBrokers(true)).nodes().get();
                if (nodes.size() != members.size() || nodes.stream().anyMatch(Node::isFenced))
                {
                    return false;
                }
                if (topics.isEmpty())
                {
                    return true;
                }
                final Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get();
                return d.values().stream().flatMap(t -> t.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            }
            catch (final ExecutionException ex)
            {
                return false;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }, "every broker unfenced and every partition led");
    }

    private static boolean fenced(final Admin admin, final int nodeId)
    {
        try
        {
            return admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes().get()
                .stream().noneMatch(n -> n.id() == nodeId && !n.isFenced());
        }
        catch (final ExecutionException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static boolean leadsAny(final Admin admin, final int nodeId, final String topic)
    {
        try
        {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .anyMatch(p -> p.leader() == null || p.leader().id() == nodeId);
        }
        catch (final ExecutionException ex)
        {
            return true;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static boolean createSucceeds(final Admin admin, final String topic)
    {
        try
        {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short)1)), new CreateTopicsOptions().timeoutMs(1000))
                .all().get();
            return true;
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause() instanceof TopicExistsException; // committed, its answer lost in the failover
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static boolean servesWithLeaders(final ClusterMember m, final String topic)
    {
        final String[] hostPort = m.bootstrap().split(":");
        return MetadataProbe.servesWithLeaders(hostPort[0], Integer.parseInt(hostPort[1]), topic);
    }

    private double idleCpuPercent() throws Exception
    {
        final List<ProcStat.ProcessTicks> before = new ArrayList<>();
        for (final ClusterMember m : members)
        {
            before.add(m.cpu());
        }
        final long t0 = System.nanoTime();
        TimeUnit.SECONDS.sleep(idleSeconds);
        long ticks = 0;
        for (int i = 0; i < members.size(); i++)
        {
            ticks += members.get(i).cpu().minus(before.get(i)).own();
        }
        final double seconds = (System.nanoTime() - t0) / 1e9;
        return 100.0 * ticks / ProcStat.ticksPerSecond() / seconds;
    }

    private static Admin admin(final List<ClusterMember> nodes)
    {
        return ClusterLaunch.admin(nodes);
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        ClusterLaunch.await(condition, what, FAULT_LIMIT_MS);
    }

    private static long ms(final long sinceNs)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNs);
    }

    private static void row(final StringBuilder report, final String measure, final List<Long> values)
    {
        final List<Long> sorted = values.stream().sorted().toList();
        report.append("| ").append(measure).append(" | ").append(sorted.size()).append(" | ")
            .append(sorted.get((sorted.size() - 1) / 2)).append(" | ").append(sorted.get(sorted.size() - 1))
            .append(" |\n");
    }
}
