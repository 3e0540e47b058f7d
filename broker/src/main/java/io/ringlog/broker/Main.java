package io.ringlog.broker;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.quorum.ControllerServer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ringlog server [--config FILE] [--override key=value ...]}: start a broker (or, with
 * {@code process.roles=controller}, a controller-only quorum member) and run it until SIGTERM or SIGINT, then shut it
 * down cleanly. A bad config is one line on stderr naming the key, and exit code 2.
 */
public final class Main
{
    private Main()
    {
    }

    public static void main(final String[] args)
    {
        Path file = null;
        final List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "server" ->
                {
                }
                case "--config" -> file = Path.of(value(args, ++i, "--config"));
                case "--override" -> overrides.add(value(args, ++i, "--override"));
                case "-h", "--help" ->
                {
                    System.out.println("usage: ringlog server [--config FILE] [--override key=value ...]");
                    return;
                }
                default -> fail("unknown argument: " + args[i] + " (try --help)");
            }
        }

        final BrokerConfig config;
        try
        {
            config = BrokerConfig.load(file, overrides);
        }
        catch (final IllegalArgumentException ex)
        {
            fail("config error: " + ex.getMessage());
            return;
        }
        catch (final java.io.IOException ex)
        {
            fail("cannot read config " + file + ": " + ex.getMessage());
            return;
        }

        final AutoCloseable server;
        final String started;
        try
        {
            if (config.isBroker())
            {
                final RingBroker broker = RingBroker.start(config);
                server = broker;
                started = "ringlog: broker started on port " + broker.port();
            }
            else
            {
                server = ControllerServer.start(config);
                started = "ringlog: controller " + config.nodeId() + " started (process.roles=controller: a member " +
                    "of the controller quorum only, no Kafka listener)";
            }
        }
        catch (final Exception ex)
        {
            fail("cannot start the " + (config.isBroker() ? "broker" : "controller") + ": " + ex);
            return;
        }
        // SIGTERM and SIGINT ask for a clean stop, which this thread performs before exiting with status 0 (the
        // JVM's own handler would exit with 143 after the shutdown hooks). The hook covers every other exit.
        final CountDownLatch stopRequested = new CountDownLatch(1);
        for (final String signal : new String[] {"TERM", "INT"})
        {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopRequested.countDown());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(server), "ringlog-shutdown"));
        System.out.println(started);
        try
        {
            stopRequested.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        close(server);
        System.exit(0);
    }

    private static void close(final AutoCloseable server)
    {
        try
        {
            server.close(); // both are idempotent: the hook may run after the signal's close
        }
        catch (final Exception ex)
        {
            System.err.println("ringlog: error while stopping: " + ex);
        }
    }

    private static String value(final String[] args, final int i, final String flag)
    {
        if (i >= args.length)
        {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static void fail(final String message)
    {
        System.err.println("ringlog: " + message);
        System.exit(2);
    }
}
