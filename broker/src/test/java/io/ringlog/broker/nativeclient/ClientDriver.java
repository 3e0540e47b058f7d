package io.ringlog.broker.nativeclient;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.File;
import java.util.UUID;

/**
 * A native client's own media driver, as on a host other than the broker's: UDP traffic then really crosses the
 * network stack. Its own directory under /tmp, SHARED threading, a back-off idle strategy; deleted on close.
 */
final class ClientDriver implements AutoCloseable
{
    private final File dir = new File(System.getProperty("java.io.tmpdir"), "ringlog-client-driver-" + UUID.randomUUID());
    private final MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
        .aeronDirectoryName(dir.getAbsolutePath())
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(new BackoffIdleStrategy(10, 5, 1_000, 1_000_000))
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true)
        .termBufferSparseFile(true));

    String directory()
    {
        return dir.getAbsolutePath();
    }

    @Override
    public void close()
    {
        CloseHelper.close(driver);
        IoUtil.delete(dir, true);
    }
}
