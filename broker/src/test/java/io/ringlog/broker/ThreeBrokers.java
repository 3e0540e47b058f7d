package io.ringlog.broker;

import io.ringlog.broker.core.quorum.FreeUdpPorts;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Three brokers in this JVM, each a member of a three-voter controller quorum (combined mode) with its own data
 * directory and media driver, started at once (each waits for a majority of the quorum). A broker may be stopped
 * ({@link #stop}) and started again on its data ({@link #restart}).
 */
final class ThreeBrokers implements AutoCloseable
{
    private final Path dir;
    private final String voters = FreeUdpPorts.voters(3);
    private final IntFunction<String[]> extra;
    private final List<TestBroker> brokers = new ArrayList<>(Arrays.asList(null, null, null));

    /**
     * @param dir   node {@code n} keeps its data in {@code dir/node-n}.
     * @param extra further overrides for node {@code n} (1-based).
     */
    ThreeBrokers(final Path dir, final IntFunction<String[]> extra) throws Exception
    {
        this.dir = dir;
        this.extra = extra;
        final List<CompletableFuture<TestBroker>> starting = new ArrayList<>();
        for (int node = 1; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new TestBroker(dir.resolve("node-" + id), overrides(id));
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        try
        {
            for (int i = 0; i < 3; i++)
            {
                brokers.set(i, starting.get(i).get(90, TimeUnit.SECONDS));
            }
        }
        catch (final Exception ex)
        {
            starting.forEach(f -> f.thenAccept(TestBroker::close));
            throw ex;
        }
    }

    /** Node {@code id} (1-based), or null while it is stopped. */
    TestBroker broker(final int id)
    {
        return brokers.get(id - 1);
    }

    /** Close node {@code id} cleanly (a controlled shutdown: its leaderships move first). */
    void stop(final int id)
    {
        brokers.get(id - 1).close();
        brokers.set(id - 1, null);
    }

    /** Start node {@code id} again on its data. */
    void restart(final int id) throws Exception
    {
        brokers.set(id - 1, new TestBroker(dir.resolve("node-" + id), overrides(id)));
    }

    /** The running brokers' bootstrap addresses, comma separated. */
    String bootstrap()
    {
        return brokers.stream().filter(b -> b != null).map(TestBroker::bootstrap).collect(Collectors.joining(","));
    }

    private String[] overrides(final int id)
    {
        final List<String> all = new ArrayList<>(List.of("node.id=" + id, "process.roles=broker,controller",
            "controller.quorum.voters=" + voters, "broker.session.timeout.ms=2000", "offsets.topic.num.partitions=3",
            "group.initial.rebalance.delay.ms=0", "message.max.bytes=262144", "replication.term.length=4194304"));
        all.addAll(List.of(extra.apply(id)));
        return all.toArray(new String[0]);
    }

    @Override
    public void close()
    {
        brokers.parallelStream().forEach(b ->
        {
            if (b != null)
            {
                b.close();
            }
        });
    }
}
