package io.ringlog.broker.core.aeron;


import io.aeron.Aeron;
import io.aeron.CncFileDescriptor;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.exceptions.ActiveDriverException;
import io.ringlog.broker.core.idle.IdleProfile;
import io.ringlog.broker.core.config.BrokerConfig;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;

/**
 * The broker's Aeron: a media driver launched inside the broker ({@code aeron.driver.embedded=true}, the default) or
 * one already running in {@code aeron.dir}, and the broker's one Aeron client on it, which the native gateway and the
 * per-partition counters use.
 * <p>
 * The embedded driver runs in SHARED threading mode (conductor, sender and receiver on one thread) with a back-off
 * idle strategy that parks up to 100 µs, whatever {@code idle.strategy} says: IPC clients write and read the log
 * buffers directly, so a spinning driver buys IPC nothing, and on a small machine it would take a core from the
 * threads that do (a spinning thread starved a driver to milliseconds of UDP latency in the checks behind
 * ../shared/VERSIONS.md). Only UDP ingress and egress pass through the driver's thread.
 * <p>
 * Start-up refuses to share a directory with a live driver (another broker, or a standalone driver): one message
 * names the directory and the two keys that change it. A directory left by a driver whose process is gone (a broker
 * killed with -9) is taken over at once, without waiting out the driver timeout. On close the directory is deleted
 * only when this broker created it.
 * <p>
 * Thread-safe for what it exposes: start and close on the broker's start/stop thread.
 */
public final class AeronRuntime implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AeronRuntime.class);

    private final MediaDriver driver;
    private final Aeron aeron;
    private final File directory;
    private final boolean deleteDirectoryOnClose;

    private AeronRuntime(final MediaDriver driver, final Aeron aeron, final File directory, final boolean delete)
    {
        this.driver = driver;
        this.aeron = aeron;
        this.directory = directory;
        this.deleteDirectoryOnClose = delete;
    }

    /**
     * What the runtime needs from the broker's configuration, and nothing of either edge's.
     *
     * @param embeddedDriver      {@code aeron.driver.embedded}: launch the media driver in this process.
     * @param aeronDir            {@code aeron.dir}.
     * @param driverThreadingMode {@code aeron.threading.mode}, for the embedded driver.
     * @param driverIdleProfile   {@code aeron.driver.idle.strategy}, for each of the embedded driver's threads.
     * @param nodeId              names the client.
     */
    public record Settings(boolean embeddedDriver, String aeronDir, ThreadingMode driverThreadingMode,
        IdleProfile driverIdleProfile, int nodeId)
    {
    }

    /**
     * Launch the embedded driver when configured, then connect the client.
     *
     * @throws IOException naming the directory when a live driver holds it, or when no driver can be reached there.
     */
    public static AeronRuntime start(final Settings config, final ErrorHandler errors) throws IOException
    {
        final File dir = new File(config.aeronDir()).getAbsoluteFile();
        MediaDriver driver = null;
        boolean created = false;
        if (config.embeddedDriver())
        {
            created = !dir.exists();
            final boolean stale = !created && isLeftByDeadProcess(dir);
            final MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(dir.getPath())
                .threadingMode(config.driverThreadingMode())
                // One instance per thread the mode has (an idle strategy holds per-thread state); unused ones idle.
                .sharedIdleStrategy(config.driverIdleProfile().newDriverStrategy())
                .sharedNetworkIdleStrategy(config.driverIdleProfile().newDriverStrategy())
                .conductorIdleStrategy(config.driverIdleProfile().newDriverStrategy())
                .senderIdleStrategy(config.driverIdleProfile().newDriverStrategy())
                .receiverIdleStrategy(config.driverIdleProfile().newDriverStrategy())
                // name resolution only (channel set-up): no reason to wake it a thousand times a second
                .asyncExecutorIdleStrategy(new org.agrona.concurrent.SleepingMillisIdleStrategy(10))
                .dirDeleteOnStart(stale)
                .dirDeleteOnShutdown(false)
                .warnIfDirectoryExists(false)
                // Egress publications are created per session; sparse files cost memory only as terms fill.
                .termBufferSparseFile(true)
                .errorHandler(errors);
            try
            {
                driver = MediaDriver.launch(ctx);
            }
            catch (final ActiveDriverException ex)
            {
                CloseHelper.quietClose(ctx::close);
                throw new IOException("an Aeron media driver is already active in " + dir + ": set " +
                    BrokerConfig.AERON_DIR.name() + " to another directory, or " +
                    BrokerConfig.AERON_DRIVER_EMBEDDED.name() + "=false to use that driver");
            }
            if (stale)
            {
                LOG.info("took over {}, left by a media driver whose process is gone", dir);
            }
        }

        final Aeron aeron;
        try
        {
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(dir.getPath())
                .clientName("ringlog-broker-" + config.nodeId())
                .errorHandler(errors)
                .subscriberErrorHandler(errors));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            if (created)
            {
                IoUtil.delete(dir, true);
            }
            throw new IOException("cannot reach an Aeron media driver in " + dir + " (" + ex.getMessage() + "): start " +
                "one there, or set " + BrokerConfig.AERON_DRIVER_EMBEDDED.name() + "=true", ex);
        }
        LOG.info("native: Aeron client on {} driver in {}", driver != null ? "an embedded" : "an external", dir);
        return new AeronRuntime(driver, aeron, dir, created && driver != null);
    }

    /**
     * True when {@code dir} holds a driver's CnC file whose process is no longer alive. Aeron itself would call such
     * a driver active until its heartbeat is a driver timeout (10 s) old, so a broker restarted at once after
     * {@code kill -9} would refuse to start; the process id in the file settles it. A process id of this JVM (another
     * broker in the same process) or of any live process counts as alive.
     */
    private static boolean isLeftByDeadProcess(final File dir)
    {
        final File cnc = new File(dir, CncFileDescriptor.CNC_FILE);
        if (!cnc.isFile() || cnc.length() < CncFileDescriptor.END_OF_METADATA_OFFSET)
        {
            return false;
        }
        MappedByteBuffer mapped = null;
        try
        {
            mapped = IoUtil.mapExistingFile(cnc, "cnc");
            final UnsafeBuffer meta = CncFileDescriptor.createMetaDataBuffer(mapped);
            final long pid = CncFileDescriptor.pid(meta);
            if (pid <= 0)
            {
                return false;
            }
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        }
        catch (final RuntimeException ex)
        {
            return false; // unreadable: let the driver's own checks decide
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }

    public Aeron aeron()
    {
        return aeron;
    }

    /** The driver's directory, where same-host clients connect. */
    public String directoryName()
    {
        return directory.getPath();
    }

    public boolean isEmbedded()
    {
        return driver != null;
    }

    /**
     * Close the client, then the embedded driver, then delete the directory if this broker created it. Everything
     * that writes through the client (partition counters, the gateway) must have stopped before.
     */
    @Override
    public void close()
    {
        CloseHelper.quietClose(aeron);
        CloseHelper.quietClose(driver);
        if (deleteDirectoryOnClose)
        {
            IoUtil.delete(directory, true);
        }
    }
}
