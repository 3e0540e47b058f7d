package io.ringlog.tools.client;

import io.aeron.CommonContext;
import io.ringlog.client.ClientContext;
import io.ringlog.client.ConfigException;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.tools.CliException;
import io.ringlog.tools.Ringlog;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.function.Consumer;

/**
 * {@code --native}: reach a Ringlog broker over its native protocol (SBE over Aeron) with the client SDK instead of
 * kafka-clients. The client joins the broker's media driver in {@code --aeron-dir} (the broker's {@code aeron.dir})
 * and sends requests on {@code --ingress-channel}. {@code --timeout} bounds the connect and every request as it does
 * for Kafka; {@code -X key=value} then sets the native client's keys (client-sdk/README.md) instead of kafka-clients'.
 * <p>
 * The driver is looked for first (a read of its CnC file), so a broker that is not there, or runs without the native
 * path, is one line at once rather than a wait for Aeron's driver time-out.
 */
public final class NativeOptions
{
    /** How fresh the driver's heartbeat must be to count as running (Aeron's own default liveness). */
    private static final long DRIVER_ALIVE_MS = 10_000;
    private static final long MAX_REQUEST_TIMEOUT_MS = 30_000;

    @Option(names = "--native",
        description = "use Ringlog's native protocol over Aeron instead of Kafka's (needs a Ringlog broker with " +
            "native.enabled=true; -X then sets the native client's keys)")
    boolean enabled;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = "with --native: the broker's media driver directory, its aeron.dir (default ${DEFAULT-VALUE}, " +
            "Aeron's default)")
    String aeronDir = CommonContext.getAeronDirectoryName();

    @Option(names = "--ingress-channel", paramLabel = "CHANNEL", defaultValue = "aeron:ipc",
        description = "with --native: where the broker takes requests, e.g. aeron:udp?endpoint=host:9093 " +
            "(default ${DEFAULT-VALUE})")
    String ingressChannel;

    public boolean enabled()
    {
        return enabled;
    }

    public String aeronDir()
    {
        return aeronDir;
    }

    /**
     * Connect a native client: check the driver, apply the command's {@code settings}, then the user's {@code -X},
     * and open a session within {@code --timeout}.
     *
     * @throws CliException (failed) when no driver or no broker is reachable; (usage) for a bad {@code -X}.
     */
    public RinglogClient connect(
        final ClientOptions client, final String clientId, final Consumer<ClientContext> settings)
    {
        if (client.commandConfig != null)
        {
            throw CliException.usage("--command-config holds kafka-clients properties; with --native use -X " +
                "KEY=VALUE with the native client's keys");
        }
        final long timeoutMs = client.timeout().toMillis();
        final long requestMs = Math.max(1, Math.min(timeoutMs, MAX_REQUEST_TIMEOUT_MS));
        final ClientContext ctx = new ClientContext()
            .aeronDirectoryName(aeronDir)
            .ingressChannel(ingressChannel)
            .clientId(clientId)
            .connectTimeoutMs(Math.max(1, timeoutMs))
            .requestTimeoutMs(requestMs)
            .errorHandler(NativeOptions::onClientError);
        settings.accept(ctx);
        ctx.deliveryTimeoutMs(Math.max(timeoutMs, ctx.lingerMs() + requestMs));
        for (final var e : client.properties.entrySet())
        {
            try
            {
                ctx.set(e.getKey(), e.getValue());
            }
            catch (final ConfigException ex)
            {
                throw CliException.usage("-X " + e.getKey() + "=" + e.getValue() + ": " + ex.getMessage());
            }
        }
        try
        {
            ctx.conclude();
        }
        catch (final ConfigException ex)
        {
            throw CliException.usage(ex.getMessage());
        }
        requireDriver(); // after the command line's checks: a wrong one is exit 2 with or without a broker
        try
        {
            return RinglogClient.connect(ctx);
        }
        catch (final RinglogException ex)
        {
            throw new CliException("no Ringlog broker answered on " + ingressChannel + " through the media driver in " +
                aeronDir + " within " + DurationConverter.format(client.timeout()) + " (" + ex.getMessage() + ")",
                CliException.FAILED, ex);
        }
    }

    /** @throws CliException when no live media driver is in {@code --aeron-dir}. */
    void requireDriver()
    {
        boolean active;
        try
        {
            active = CommonContext.isDriverActive(new File(aeronDir), DRIVER_ALIVE_MS, ignore -> { });
        }
        catch (final RuntimeException ex)
        {
            throw new CliException("cannot read the media driver in " + aeronDir + ": " + ex.getMessage(),
                CliException.FAILED, ex);
        }
        if (!active)
        {
            throw new CliException("no Ringlog media driver in " + aeronDir +
                ": is the broker running with native.enabled=true? (--aeron-dir)");
        }
    }

    /** The client's asynchronous errors (a handler that threw, a lost session) are noise unless --verbose. */
    private static void onClientError(final Throwable ex)
    {
        if (Ringlog.verbose())
        {
            System.err.println("ringlog: native client: " + ex);
            ex.printStackTrace(System.err);
        }
    }
}
