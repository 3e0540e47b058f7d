package io.ringlog.perf.journal;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Anchor: the raw limit of a mapped journal. Copies the same batch bytes as
 * {@link JournalAppendBenchmark} into a memory-mapped file (an Agrona {@link UnsafeBuffer}
 * over a {@link MappedByteBuffer}) with nothing else: no validation, no CRC, no offset
 * patching, no index, no published position.
 * <p>
 * It pays the journal's roll pattern: when the next batch does not fit, it unmaps the full
 * file, creates and maps a new file of the same segment size (so it takes the same page faults
 * on fresh pages), and deletes the oldest file once more than {@link #RETAINED_SEGMENTS} full
 * ones exist, as retention.bytes of one segment does. It never wraps around into pages that are
 * already resident, which would make the limit a memcpy between cached pages instead.
 * <p>
 * {@link #copyForceOnRoll} is the same with one difference, for diagnosis: before unmapping a
 * full segment it forces it to disk ({@code msync} of the mapping, then {@code fsync}), as the
 * journal's roll does when it seals a segment. It shows what a durable roll costs on its own.
 */
@State(Scope.Thread)
public class MappedAppendBenchmark extends AppendShape
{
    /** Full segments kept besides the active one: what retention.bytes = segment.bytes keeps. */
    static final int RETAINED_SEGMENTS = 2;

    /** Package-private so the smoke test can roll segments quickly. */
    int segmentBytes = JournalAppendBenchmark.SEGMENT_BYTES;

    Path dir;
    final ArrayDeque<Path> fullSegments = new ArrayDeque<>();
    private final UnsafeBuffer segment = new UnsafeBuffer(0, 0);
    private Path segmentPath;
    private FileChannel channel;
    private MappedByteBuffer mapped;
    private int position;
    private long segmentCount;

    /** Build the batch and map the first segment in a fresh directory. */
    @Setup(Level.Trial)
    public void open()
    {
        buildBatch();
        dir = TempDirs.create("mapped-append");
        roll(false);
    }

    /**
     * Copy the batch once.
     *
     * @param counters bytes and records copied.
     * @return the new write position, so the copy cannot be optimised away.
     */
    @Benchmark
    public int copy(final ThroughputCounters counters)
    {
        return copy(counters, false);
    }

    /**
     * Copy the batch once; a full segment is forced to disk before it is unmapped.
     *
     * @param counters bytes and records copied.
     * @return the new write position, so the copy cannot be optimised away.
     */
    @Benchmark
    public int copyForceOnRoll(final ThroughputCounters counters)
    {
        return copy(counters, true);
    }

    private int copy(final ThroughputCounters counters, final boolean forceOnRoll)
    {
        final int length = batchLength;
        if (position + length > segment.capacity())
        {
            roll(forceOnRoll);
        }
        segment.putBytes(position, batch, 0, length);
        position += length;
        counters.add(length, recordsPerBatch);

        return position;
    }

    /** Unmap the last segment and delete the directory. */
    @TearDown(Level.Trial)
    public void close()
    {
        closeSegment();
        TempDirs.delete(dir);
    }

    private void roll(final boolean force)
    {
        try
        {
            if (null != mapped)
            {
                if (force)
                {
                    mapped.force();
                    channel.force(true);
                }
                closeSegment();
                fullSegments.addLast(segmentPath);
                while (fullSegments.size() > RETAINED_SEGMENTS)
                {
                    Files.delete(fullSegments.removeFirst());
                }
            }
            segmentPath = dir.resolve(String.format("%020d.log", segmentCount++));
            channel = FileChannel.open(segmentPath, CREATE_NEW, READ, WRITE);
            mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentBytes);
            segment.wrap(mapped);
            position = 0;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void closeSegment()
    {
        if (null != mapped)
        {
            segment.wrap(0, 0);
            IoUtil.unmap(mapped);
            mapped = null;
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
