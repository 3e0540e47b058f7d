package io.ringlog.perf.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * How the cluster harnesses ({@link ClusterBench}, {@link ReplicationBench}) plan and start three nodes of one broker
 * kind as separate processes on this machine: distinct client, controller and quorum ports fixed once (so a node
 * killed and started again comes back on the same ones), a data directory and (Ringlog) a media driver directory per
 * node, the Admin client they are driven with, and the polling wait they share. Stateless; used from the harness's
 * main thread.
 */
final class ClusterLaunch
{
    /** How often the waits poll. */
    static final long POLL_MS = 20;

    private ClusterLaunch()
    {
    }

    /**
     * @param repo the repository root.
     * @return Kafka 4.3.1's jars and logging config, checked, with this package's classes for the probes.
     * @throws Exception if the jars are missing.
     */
    static KafkaDist kafkaDist(final Path repo) throws Exception
    {
        final KafkaDist dist = new KafkaDist(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            repo.resolve("perf/target/kafka-4.3.1/libs"), repo.resolve("perf/kafka-dist/log4j2.properties"),
            Path.of(ClusterLaunch.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        dist.check();
        return dist;
    }

    /**
     * Three Apache Kafka 4.3.1 KRaft nodes in combined mode with a static voter set, not started.
     *
     * @param dist    Kafka's jars.
     * @param workDir where their data directories go ({@code node-1} ...).
     * @param runDir  where their logs and configs go.
     * @return the nodes, node ids 1 to 3.
     * @throws IOException if no free port is found.
     */
    static List<ClusterMember> kafka(final KafkaDist dist, final Path workDir, final Path runDir) throws IOException
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

    /**
     * Three combined Ringlog nodes from one snapshot of the build, not started. Each picks its own replication
     * port at start ({@code replication.listener} left empty).
     *
     * @param repo    the repository root (its build is snapshotted into {@code workDir/dist}).
     * @param workDir where the snapshot and their data directories go.
     * @param runDir  where their logs go.
     * @return the nodes, node ids 1 to 3.
     * @throws IOException if the snapshot fails or no free port is found.
     */
    static List<ClusterMember> ringlog(final Path repo, final Path workDir, final Path runDir) throws IOException
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

    /**
     * Start all nodes, then wait for each (a quorum member cannot be ready before its peers are up).
     *
     * @param members the nodes.
     * @throws IOException if one fails to start.
     */
    static void startAll(final List<ClusterMember> members) throws IOException
    {
        for (final ClusterMember m : members)
        {
            m.start();
        }
        for (final ClusterMember m : members)
        {
            m.awaitStarted();
        }
    }

    /**
     * @param nodes the brokers to bootstrap from.
     * @return an Admin client with short timeouts and back-offs, for polling a cluster under faults.
     */
    static Admin admin(final List<ClusterMember> nodes)
    {
        return Admin.create(Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(nodes),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000",
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000",
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200",
            AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "20",
            AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200"));
    }

    /**
     * @param nodes the brokers.
     * @return their client listeners, comma-separated.
     */
    static String bootstrap(final List<ClusterMember> nodes)
    {
        return nodes.stream().map(ClusterMember::bootstrap).collect(Collectors.joining(","));
    }

    /**
     * Poll a condition every {@link #POLL_MS} until it holds.
     *
     * @param condition to wait for.
     * @param what      what it is, for the exception.
     * @param limitMs   how long at most.
     * @throws IllegalStateException if it does not hold in time.
     */
    static void await(final BooleanSupplier condition, final String what, final long limitMs)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("not within " + limitMs + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
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
}
