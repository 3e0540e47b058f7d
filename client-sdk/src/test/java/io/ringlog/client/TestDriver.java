package io.ringlog.client;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.File;
import java.util.UUID;

/**
 * A real embedded Aeron media driver for a test, in its own directory under /tmp (deleted on close), SHARED
 * threading with a back-off idle strategy (it sleeps when idle: the test machine has 2 cores), and an Aeron client
 * on it.
 */
public final class TestDriver implements AutoCloseable
{
    private final File dir;
    private final MediaDriver driver;
    private final Aeron aeron;

    public TestDriver()
    {
        dir = new File(System.getProperty("java.io.tmpdir"), "ringlog-client-test-" + UUID.randomUUID());
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.getAbsolutePath())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 5, 1_000, 1_000_000))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .ipcTermBufferLength(64 * 1024)
            .publicationTermBufferLength(64 * 1024));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.getAbsolutePath()));
    }

    public String directory()
    {
        return dir.getAbsolutePath();
    }

    public Aeron aeron()
    {
        return aeron;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
        IoUtil.delete(dir, true);
    }
}
