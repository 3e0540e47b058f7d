package io.ringlog.replication.quorum;

import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.client.QuorumClientConfig;
import io.ringlog.replication.metadata.Endpoint;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Ports, directories and waits for the tests that run real Aeron. */
public final class QuorumTesting
{
    private QuorumTesting()
    {
    }

    /** A base port with {@code count} free UDP and TCP ports from it, picked at random and checked. */
    public static int freeBasePort(final int count)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            final int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            boolean free = true;
            for (int p = base; p < base + count && free; p++)
            {
                try (DatagramSocket udp = new DatagramSocket(p, InetAddress.getLoopbackAddress());
                    ServerSocket tcp = new ServerSocket(p, 1, InetAddress.getLoopbackAddress()))
                {
                    udp.getLocalPort();
                    tcp.getLocalPort();
                }
                catch (final IOException ex)
                {
                    free = false;
                }
            }
            if (free)
            {
                return base;
            }
        }
        throw new IllegalStateException("no free port range of " + count);
    }

    /** {@code 0@localhost:p,1@localhost:p+5,...} on a fresh free range. */
    public static String voters(final int count)
    {
        final int base = freeBasePort(count * QuorumVoters.PORTS_PER_VOTER);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            sb.append(i == 0 ? "" : ",").append(i).append("@localhost:").append(base + i * QuorumVoters.PORTS_PER_VOTER);
        }
        return sb.toString();
    }

    public static File tempDir(final String prefix)
    {
        try
        {
            return Files.createTempDirectory(prefix).toFile();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public static ControllerNodeConfig nodeConfig(final int nodeId, final String voters, final File dir)
    {
        final ControllerNodeConfig config = new ControllerNodeConfig();
        config.nodeId = nodeId;
        config.voters = voters;
        config.dataDir = new File(dir, "controller-" + nodeId);
        config.deleteDataOnStart = true;
        return config;
    }

    public static QuorumClientConfig clientConfig(
        final int brokerId, final String voters, final String aeronDir, final String rack)
    {
        final QuorumClientConfig config = new QuorumClientConfig();
        config.brokerId = brokerId;
        config.incarnationId = new UUID(brokerId, System.nanoTime());
        config.endpoints = List.of(new Endpoint("PLAINTEXT", "localhost", 9092 + brokerId, "PLAINTEXT"));
        config.rack = rack;
        config.voters = voters;
        config.aeronDirectoryName = aeronDir;
        return config;
    }

    public static QuorumClient client(final int brokerId, final String voters, final String aeronDir)
    {
        return QuorumClient.start(clientConfig(brokerId, voters, aeronDir, null));
    }

    /** Wait for {@code condition}; fail with {@code what} after {@code timeout}. Returns the time it took. */
    public static Duration await(final Duration timeout, final String what, final BooleanSupplier condition)
    {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000); // between checks of the condition
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
