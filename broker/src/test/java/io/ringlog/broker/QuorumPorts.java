package io.ringlog.broker;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** {@code controller.quorum.voters} for test clusters: each voter's five UDP ports free on 127.0.0.1 when picked. */
final class QuorumPorts
{
    private QuorumPorts()
    {
    }

    /** {@code 1@127.0.0.1:p1,2@127.0.0.1:p2,...} for nodes 1..count, their port blocks apart. */
    static String voters(final int count)
    {
        final List<Integer> bases = new ArrayList<>();
        while (bases.size() < count)
        {
            final int base = freeBlock();
            if (bases.stream().noneMatch(b -> Math.abs(b - base) < 5))
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

    /** A base port with five free UDP ports above it, below the kernel's ephemeral range (32768+). */
    private static int freeBlock()
    {
        while (true)
        {
            final int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            final List<DatagramSocket> sockets = new ArrayList<>();
            try
            {
                for (int p = base; p < base + 5; p++)
                {
                    sockets.add(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), p)));
                }
                return base;
            }
            catch (final SocketException ex)
            {
                // one of them is taken: try another block
            }
            finally
            {
                sockets.forEach(DatagramSocket::close);
            }
        }
    }
}
