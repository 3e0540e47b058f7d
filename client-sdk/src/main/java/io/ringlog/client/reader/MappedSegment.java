package io.ringlog.client.reader;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.segment.SegmentFiles;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One journal segment ({@code <base offset>.log}) mapped read-only by a same-host reader, at the length the file
 * had when it was opened (an active segment's file is pre-sized to {@code segment.bytes}, so that is its capacity).
 * The file channel stays open with the mapping: it keeps the file's data alive if retention deletes the file while
 * the reader is still in it, and it answers {@link #seal()}'s single {@code fstat} even after a rename.
 * <p>
 * Unmapped explicitly by {@link #close()} ({@link IoUtil#unmap}), never left to the GC. Not thread-safe: owned by
 * its reader.
 */
final class MappedSegment implements AutoCloseable
{
    final long baseOffset;
    final UnsafeBuffer buffer = new UnsafeBuffer(0L, 0);
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final int mappedLength;
    private boolean sealed;
    private int sealedLength;

    private MappedSegment(final long baseOffset, final FileChannel channel, final MappedByteBuffer mapped, final int length)
    {
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.mapped = mapped;
        this.mappedLength = length;
        buffer.wrap(mapped);
    }

    /**
     * Map {@code <dir>/<baseOffset>.log}.
     *
     * @return the segment, or null when the file does not exist (any more).
     * @throws IOException when it exists but cannot be opened or mapped.
     */
    static MappedSegment open(final Path dir, final long baseOffset) throws IOException
    {
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(SegmentFiles.logFile(dir, baseOffset), StandardOpenOption.READ);
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        try
        {
            final long size = channel.size();
            if (size > Integer.MAX_VALUE)
            {
                throw new IOException(SegmentFiles.logFile(dir, baseOffset) + " is larger than 2 GiB");
            }
            if (size < RecordBatch.HEADER_LENGTH)
            {
                channel.close();
                return null; // not sized yet: only a segment being created, which holds nothing readable
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new MappedSegment(baseOffset, channel, mapped, (int)size);
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
    }

    boolean isSealed()
    {
        return sealed;
    }

    /**
     * The broker has moved to a later segment, so this one's file was cut to its written length before that became
     * visible: learn the length, once, with one {@code fstat}.
     */
    void seal() throws IOException
    {
        if (!sealed)
        {
            sealedLength = (int)Math.min(mappedLength, channel.size());
            sealed = true;
        }
    }

    /** Bytes that may be read: the written length once sealed, else the mapping (the reader also stops at HW). */
    int readableLength()
    {
        return sealed ? sealedLength : mappedLength;
    }

    /**
     * The size of the batch at {@code position}, or -1 when no whole, plausible batch header lies there within
     * {@link #readableLength()} (past the end of a sealed segment, or zeros left by a failed trim).
     */
    int batchSizeAt(final int position)
    {
        final int limit = readableLength();
        if (position < 0 || position + RecordBatch.HEADER_LENGTH > limit)
        {
            return -1;
        }
        final int size = buffer.getInt(position + RecordBatch.BATCH_LENGTH_OFFSET, RecordBatch.BYTE_ORDER) +
            RecordBatch.LOG_OVERHEAD;
        return size < RecordBatch.HEADER_LENGTH || size > limit - position ? -1 : size;
    }

    long baseOffsetAt(final int position)
    {
        return buffer.getLong(position + RecordBatch.BASE_OFFSET_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    long lastOffsetAt(final int position)
    {
        return baseOffsetAt(position) +
            buffer.getInt(position + RecordBatch.LAST_OFFSET_DELTA_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    @Override
    public void close()
    {
        buffer.wrap(0L, 0);
        IoUtil.unmap(mapped);
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // A read-only channel holds nothing to lose.
        }
    }
}
