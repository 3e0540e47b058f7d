package io.ringlog.perf.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
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
import java.util.stream.Collectors;

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
    private static final long POLL_MS = 20;
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
        final KafkaDist dist = new KafkaDist(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            repo.resolve("perf/target/kafka-4.3.1/libs"), repo.resolve("perf/kafka-dist/log4j2.properties"),
            Path.of(ClusterBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        dist.check();
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        final Path runDir = Files.createDirectories(repo.resolve("perf/target/cluster-bench").resolve(stamp));
        final StringBuilder report = new StringBuilder();
        for (final String kind : kinds)
        {
            final Path workDir = Files.createTempDirectory("ringlog-cluster-bench-");
            final List<ClusterMember> members = "kafka".equals(kind) ? kafkaCluster(dist, workDir, runDir) :
                ringlogCluster(repo, workDir, runDir);
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

    private static List<ClusterMember> kafkaCluster(final KafkaDist dist, final Path workDir, final Path runDir)
        throws IOException
    {
        final int[] client = new int[3];
        final int[] controller = new int[3];
        final List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            client[i] = distinctFreePort(taken);
            controller[i] = distinctFreePort(taken);
        }
        final String voters = "1@127.0.0.1:" + controller[0] + ",2@127.0.0.1:" + controller[1] + ",3@127.0.0.1:" +
            controller[2];
        final String clusterId = KafkaBroker.clusterId();
        final List<ClusterMember> members = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            members.add(new KafkaClusterNode(dist, workDir.resolve("node-" + (i + 1)), runDir, i + 1, client[i],
                controller[i], voters, clusterId));
        }
        return members;
    }

    private static List<ClusterMember> ringlogCluster(final Path repo, final Path workDir, final Path runDir)
        throws IOException
    {
        final Path dist = RinglogBroker.snapshot(repo, workDir.resolve("dist"));
        final List<Integer> taken = new ArrayList<>();
        final int[] client = new int[3];
        final StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++)
        {
            client[i] = distinctFreePort(taken);
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(quorumBase(taken));
        }
        final List<ClusterMember> members = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            members.add(new RinglogClusterNode(dist, workDir.resolve("node-" + (i + 1)), runDir, i + 1, client[i],
                voters.toString()));
        }
        return members;
    }

    /** A base port with the four above it free for UDP (a Ringlog voter's five channels), not taken yet. */
    private static int quorumBase(final List<Integer> taken) throws IOException
    {
        for (int base = 21_000; base < 32_000; base += 10)
        {
            boolean free = true;
            for (int p = base; p < base + 5 && free; p++)
            {
                free = !taken.contains(p) && udpFree(p);
            }
            if (free)
            {
                for (int p = base; p < base + 5; p++)
                {
                    taken.add(p);
                }
                return base;
            }
        }
        throw new IOException("no five free UDP ports in 21000-32000");
    }

    private static boolean udpFree(final int port)
    {
        try (DatagramSocket socket = new DatagramSocket(port, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort() == port;
        }
        catch (final SocketException ex)
        {
            return false;
        }
    }

    private static int distinctFreePort(final List<Integer> taken) throws IOException
    {
        while (true)
        {
            final int port = KafkaBroker.freePort();
            if (!taken.contains(port))
            {
                taken.add(port);
                return port;
            }
        }
    }

    private String run(final String title) throws Exception
    {
        final StringBuilder report = new StringBuilder("### " + title + ", three nodes, " +
            Runtime.getRuntime().availableProcessors() + " cores\n\n| measure | rounds | p50 | max |\n|---|---:|---:|---:|\n");
        final long startNs = System.nanoTime();
        for (final ClusterMember m : members)
        {
            m.start();
        }
        for (final ClusterMember m : members)
        {
            m.awaitStarted();
        }
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
        return Admin.create(Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            nodes.stream().map(ClusterMember::bootstrap).collect(Collectors.joining(",")),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000",
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000",
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200",
            AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "20",
            AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200"));
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FAULT_LIMIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("not within " + FAULT_LIMIT_MS + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
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
