package io.ringlog.perf.latency;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.PointerBytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Anchor (b): Chronicle Queue append then tail, on the harness thread. One appender writes each message as one
 * excerpt of raw bytes ({@code writeBytes} over a {@link PointerBytesStore} on the payload's address, as
 * {@code ChronicleAppendBenchmark} does); one tailer, started at the end, reads each excerpt in place
 * ({@code readingDocument()}, the excerpt's bytes handed to the receiver through an {@link UnsafeBuffer} over their
 * mapped address, no copy). Chronicle's defaults otherwise: {@link RollCycles#DEFAULT} (one file per day, so a run
 * does not roll unless it crosses midnight UTC) and the default block size. The queue lives in a fresh directory
 * {@code ringlog-perf-latency-chronicle-*} under {@code java.io.tmpdir} (a disk, as a real queue would; target option
 * {@code chronicle.dir.parent} puts it elsewhere), deleted on close: at 1 KiB and 1M msg/s a 15 s run writes 15 GB,
 * and fresh pages of the queue file are faulted in as the appender reaches them, inside the window, as in real use.
 * No thread of its own spins; Chronicle starts a few small background threads.
 * <p>
 * Not thread-safe: Chronicle's appender and tailer belong to the thread that made them, the harness thread.
 */
public final class ChronicleAppendTail implements LatencyTarget
{
    private final PointerBytesStore excerpt = new PointerBytesStore();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private Path dir;
    private ChronicleQueue queue;
    private ExcerptAppender appender;
    private ExcerptTailer tailer;

    @Override
    public String name()
    {
        return "chronicle";
    }

    /**
     * Chronicle's background threads: the one that releases mapped resources and the disk-space monitor (named after
     * the thread that opened the queue).
     */
    @Override
    public List<String> threadNames()
    {
        return List.of("background~resource~releaser", "disk~space~checker");
    }

    @Override
    public void start(final TargetSettings settings) throws IOException
    {
        final Path parent = Path.of(settings.option("chronicle.dir.parent", System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(parent, "ringlog-perf-latency-chronicle-");
        queue = ChronicleQueue.singleBuilder(dir).rollCycle(RollCycles.DEFAULT).build();
        appender = queue.createAppender();
        tailer = queue.createTailer().toEnd();
    }

    @Override
    public boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
    {
        excerpt.set(payload.addressOffset(), length);
        appender.writeBytes(excerpt);
        return true;
    }

    @Override
    public int poll(final MessageReceiver receiver, final int limit)
    {
        int count = 0;
        while (count < limit)
        {
            try (DocumentContext document = tailer.readingDocument())
            {
                if (!document.isPresent())
                {
                    break;
                }
                final Bytes<?> bytes = document.wire().bytes();
                final int length = (int)bytes.readRemaining();
                view.wrap(bytes.addressForRead(bytes.readPosition()), length);
                receiver.onMessage(view, 0, length);
                count++;
            }
        }
        return count;
    }

    @Override
    public void close()
    {
        try
        {
            CloseHelper.closeAll(tailer, appender, queue);
        }
        finally
        {
            if (null != dir)
            {
                IoUtil.delete(dir.toFile(), true);
            }
        }
    }
}
