package io.ringlog.broker.core.quorum;

import io.ringlog.replication.quorum.QuorumVoters;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Base ports for quorum voters on 127.0.0.1: each voter uses {@link QuorumVoters#PORTS_PER_VOTER} UDP ports from its
 * base. Picked below Linux's ephemeral range (32768 and up), where the kernel hands ports to other sockets; free when
 * picked (another process may still take one before the member binds it: then its start fails and says so). Used by
 * the one-member quorum and by tests that start clusters.
 */
public final class FreeUdpPorts
{
    private static final int ATTEMPTS = 200;

    private FreeUdpPorts()
    {
    }

    /** {@code 1@127.0.0.1:p1,2@127.0.0.1:p2,...} for nodes 1..count, their port blocks apart. */
    public static String voters(final int count)
    {
        final List<Integer> bases = new ArrayList<>();
        while (bases.size() < count)
        {
            final int base = freeBlock();
            if (bases.stream().noneMatch(b -> Math.abs(b - base) < QuorumVoters.PORTS_PER_VOTER))
            {
                bases.add(base);
            }
        }
        final StringBuilder voters = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(bases.get(i));
        }
        return voters.toString();
    }

    /**
     * @return a base port with {@link QuorumVoters#PORTS_PER_VOTER} free UDP ports from it on 127.0.0.1.
     * @throws IllegalStateException when none is found in {@value #ATTEMPTS} tries.
     */
    public static int freeBlock()
    {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++)
        {
            final int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if (isFree(base))
            {
                return base;
            }
        }
        throw new IllegalStateException("no " + QuorumVoters.PORTS_PER_VOTER + " consecutive free UDP ports on " +
            "127.0.0.1 for a controller quorum member: set controller.quorum.voters");
    }

    /** Whether the block from {@code base} can be bound now. */
    public static boolean isFree(final int base)
    {
        final List<DatagramSocket> sockets = new ArrayList<>();
        try
        {
            for (int p = base; p < base + QuorumVoters.PORTS_PER_VOTER; p++)
            {
                sockets.add(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), p)));
            }
            return true;
        }
        catch (final SocketException ex)
        {
            return false;
        }
        finally
        {
            sockets.forEach(DatagramSocket::close);
        }
    }
}
