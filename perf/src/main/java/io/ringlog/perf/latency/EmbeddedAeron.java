package io.ringlog.perf.latency;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * An embedded Aeron media driver and a client connected to it, for the raw Aeron anchors.
 *
 * <h2>Configuration for 2 cores</h2>
 * <ul>
 *   <li>{@link ThreadingMode#SHARED}: conductor, sender and receiver are one agent on one thread, and it
 *       <b>backs off</b> ({@link BackoffIdleStrategy} with Agrona's defaults: 10 spins, 5 yields, then parks from
 *       1 µs doubling to 1 ms) even in busy-spin runs. IPC data never passes through the driver: the publisher writes
 *       the shared log buffer and the subscriber reads it. The conductor only moves the publication's limit forward
 *       as subscribers advance (the window is half an IPC term, 32 MiB, which a 1 ms nap cannot use up below
 *       30 GB/s) and cleans used terms, so on IPC it may sleep and leave the two cores to the two spinning threads
 *       the low-latency profile allows. UDP would need the sender and receiver duty cycles spinning too: not
 *       measured here.</li>
 *   <li>The driver's directory is a fresh one named {@code ringlog-perf-aeron-<uuid>} under {@code /dev/shm} (tmpfs,
 *       Aeron's own default on Linux: log buffers that are never written back to a disk) when it exists, else under
 *       {@code java.io.tmpdir}; target option {@code aeron.dir.parent} puts it elsewhere. It is deleted on close.</li>
 *   <li>Log buffers are not sparse ({@code termBufferSparseFile(false)}: the driver writes every page when it creates
 *       them) and the client pre-touches them ({@code preTouchMappedMemory(true)}), so no page of a 64 MiB IPC term
 *       is first touched, and faulted in, inside a measured window; otherwise a 10k msg/s run would take a fresh page
 *       fault every 42 messages for the whole run.</li>
 *   <li>The client's conductor thread keeps Aeron's default (it sleeps between keep-alives).</li>
 * </ul>
 * Not thread-safe: made, used to add publications and subscriptions, and closed on the harness thread.
 */
final class EmbeddedAeron implements AutoCloseable
{
    /**
     * Parts of the names of the threads an embedded driver and client run, for the allocation check: the driver's
     * shared agent ({@code <dir> [sender,receiver,driver-conductor]}), its executor, and the client's conductor.
     */
    static final List<String> THREAD_NAMES = List.of("[sender,receiver,driver-conductor]", "aeron-executor",
        "aeron-client");

    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final Path dir;
    private final MediaDriver driver;
    private final Aeron aeron;

    private EmbeddedAeron(final Path dir, final MediaDriver driver, final Aeron aeron)
    {
        this.dir = dir;
        this.driver = driver;
        this.aeron = aeron;
    }

    /**
     * @param settings target option {@code aeron.dir.parent} chooses where the driver's directory goes.
     * @return a running driver and a connected client.
     */
    static EmbeddedAeron launch(final TargetSettings settings)
    {
        final Path dir = Path.of(settings.option("aeron.dir.parent", defaultParent()))
            .resolve("ringlog-perf-aeron-" + UUID.randomUUID());
        MediaDriver driver = null;
        try
        {
            driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy())
                .termBufferSparseFile(false));
            final Aeron aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(dir.toString())
                .preTouchMappedMemory(true));
            return new EmbeddedAeron(dir, driver, aeron);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            IoUtil.delete(dir.toFile(), true);
            throw ex;
        }
    }

    /**
     * @return the client.
     */
    Aeron aeron()
    {
        return aeron;
    }

    /**
     * Wait, backing off, until a condition holds: publications and subscriptions connect asynchronously.
     *
     * @param what      says what was awaited, for the exception.
     * @param condition polled until true.
     * @throws IllegalStateException after 10 s.
     */
    static void await(final String what, final BooleanSupplier condition)
    {
        final long deadlineNs = System.nanoTime() + CONNECT_TIMEOUT_NS;
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadlineNs)
            {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            idle.idle();
        }
    }

    /**
     * Map an offer's result to the harness's contract.
     *
     * @param result what {@code offer} returned.
     * @return true if the message was taken, false if back-pressured (or an admin action: try again).
     * @throws IllegalStateException if the publication can no longer send (not connected, closed, full).
     */
    static boolean offered(final long result)
    {
        if (result > 0)
        {
            return true;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            return false;
        }
        throw new IllegalStateException("offer failed: " + Publication.errorString(result));
    }

    @Override
    public void close()
    {
        try
        {
            CloseHelper.closeAll(aeron, driver);
        }
        finally
        {
            IoUtil.delete(dir.toFile(), true);
        }
    }

    /**
     * @return {@code /dev/shm} when it exists and is writable, else {@code java.io.tmpdir}: where a driver's directory
     *     goes unless target option {@code aeron.dir.parent} says otherwise.
     */
    static String defaultParent()
    {
        final File shm = new File("/dev/shm");
        return shm.isDirectory() && Files.isWritable(shm.toPath()) ?
            shm.getPath() : System.getProperty("java.io.tmpdir");
    }
}
