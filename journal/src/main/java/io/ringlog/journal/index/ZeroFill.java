package io.ringlog.journal.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reserves a file's blocks by writing zeros into a range of it through a file channel. The journal's files are
 * sparse and written through memory mappings; a store into a hole on a full disk would raise SIGBUS and kill the
 * JVM, whereas this write fails cleanly with an {@link IOException}, which the journal answers as STORAGE_FULL.
 * Allocation-free apart from opening the channel: the zeros come from the caller's direct buffer.
 */
public final class ZeroFill
{
    private ZeroFill()
    {
    }

    /**
     * Write zeros over {@code [from, to)} of {@code file}.
     *
     * @param zeros a direct buffer holding zeros (its position and limit are used and left changed).
     * @return false when the write failed (a full disk, or another I/O error).
     */
    public static boolean write(final Path file, final long from, final long to, final ByteBuffer zeros)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            return write(channel, from, to, zeros);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** As {@link #write(Path, long, long, ByteBuffer)} on an open channel. */
    public static boolean write(final FileChannel channel, final long from, final long to, final ByteBuffer zeros)
    {
        try
        {
            long position = from;
            while (position < to)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), to - position));
                position += channel.write(zeros, position);
            }
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
