package io.ringlog.client;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentTerminationException;

import java.io.File;

/**
 * The client's Aeron instance, owned or supplied.
 * <ul>
 *   <li><b>Owned</b> (built from {@code aeron.dir}): by default its conductor runs as an {@link AgentInvoker} inside
 *   the client's duty cycle ({@code ringlog.aeron.conductor.invoker=true}), so a client costs no thread of its own,
 *   which matters on a 2-core box. When the media driver goes away (a broker with an embedded driver restarted),
 *   Aeron closes itself within its keep-alive interval; the client then connects a new Aeron once a live driver is
 *   back in the directory (checked with {@link CommonContext#isDriverActive}, a read of the CnC file, never a
 *   blocking wait inside the duty cycle).</li>
 *   <li><b>Supplied</b> ({@link ClientContext#aeron(Aeron)}): used as is, never closed; if it closes, the
 *   client cannot reconnect and stays disconnected.</li>
 * </ul>
 * Owned by the client's thread.
 */
final class AeronConnection implements AutoCloseable
{
    private final ClientContext ctx;
    private final boolean owned;
    private final ErrorHandler errorHandler;
    private Aeron aeron;
    private AgentInvoker invoker;
    private int incarnation;

    AeronConnection(final ClientContext ctx, final ErrorHandler errorHandler)
    {
        this.ctx = ctx;
        this.errorHandler = errorHandler;
        this.owned = null == ctx.aeron();
        if (owned)
        {
            open();
        }
        else
        {
            aeron = ctx.aeron();
        }
    }

    private void open()
    {
        final Aeron.Context aeronCtx = new Aeron.Context()
            .aeronDirectoryName(ctx.aeronDirectoryName())
            .driverTimeoutMs(ctx.driverTimeoutMs())
            .clientName(ctx.clientId())
            .useConductorAgentInvoker(ctx.useConductorInvoker())
            .errorHandler(this::onAeronError);
        aeron = Aeron.connect(aeronCtx);
        invoker = ctx.useConductorInvoker() ? aeron.conductorAgentInvoker() : null;
        incarnation++;
    }

    /**
     * Aeron's errors go to the client's handler, except the conductor's own termination signal: when the driver goes
     * away Aeron reports the cause (a {@code DriverTimeoutException}) and then terminates its agent, which is not a
     * second error.
     */
    private void onAeronError(final Throwable ex)
    {
        if (!(ex instanceof AgentTerminationException))
        {
            errorHandler.onError(ex);
        }
    }

    /** The current Aeron, or null while a lost driver is not back yet. */
    Aeron aeron()
    {
        return aeron;
    }

    /** Bumped each time a new Aeron is connected: publications and subscriptions of older ones are dead. */
    int incarnation()
    {
        return incarnation;
    }

    boolean isUsable()
    {
        return null != aeron && !aeron.isClosed();
    }

    boolean isOwned()
    {
        return owned;
    }

    /** Run the Aeron conductor's duty cycle when it is ours to run. */
    int invoke()
    {
        final AgentInvoker invoker = this.invoker;
        if (null != invoker && !invoker.isClosed() && null != aeron && !aeron.isClosed())
        {
            return invoker.invoke();
        }
        return 0;
    }

    /**
     * After the driver went away: drop the dead Aeron and connect a new one if a live driver is in the directory.
     * Cold path.
     *
     * @return true when a usable Aeron is now connected.
     */
    boolean tryReopen()
    {
        if (isUsable())
        {
            return true;
        }
        if (!owned)
        {
            return false;
        }
        if (null != aeron)
        {
            CloseHelper.quietClose(aeron);
            aeron = null;
            invoker = null;
        }
        final File dir = new File(ctx.aeronDirectoryName());
        if (!CommonContext.isDriverActive(dir, ctx.driverTimeoutMs(), ignore -> {}))
        {
            return false;
        }
        try
        {
            open();
            return true;
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(ex);
            CloseHelper.quietClose(aeron);
            aeron = null;
            invoker = null;
            return false;
        }
    }

    @Override
    public void close()
    {
        if (owned)
        {
            CloseHelper.quietClose(aeron);
        }
        aeron = null;
        invoker = null;
    }
}
