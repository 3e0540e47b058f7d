package io.ringlog.tools;

import io.ringlog.tools.client.ClientOptions;
import picocli.CommandLine.Mixin;

/** A subcommand that talks to a broker: it gets {@code --bootstrap-server}, {@code --timeout} and client properties. */
public abstract class BrokerCommand extends CliCommand
{
    @Mixin
    protected ClientOptions client;

    @Override
    public final Integer call() throws Exception
    {
        try
        {
            return run();
        }
        catch (final Exception ex)
        {
            throw client.explain(ex);
        }
    }

    /** @return the exit code. */
    protected abstract int run() throws Exception;
}
