package io.ringlog.journal;

import io.ringlog.journal.segment.Segment;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A region of one segment file made of whole batches, as answered by {@link PartitionLog#slice}: network code sends
 * it with {@link #transferTo} (sendfile, no copy through the heap); in-process code reads {@link #buffer()}, a view
 * over the mapped bytes.
 * <p>
 * Caller-owned and reused: filling it allocates nothing. Valid until the segment is deleted by retention plus
 * {@code file.delete.delay.ms}; read it promptly. Not thread-safe: one per reader thread.
 */
public final class LogSlice
{
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private Segment segment;
    private int position;
    private int length;
    private long baseOffset = -1;
    private long nextOffset = -1;

    void set(final Segment segment, final int position, final int length, final long baseOffset, final long nextOffset)
    {
        this.segment = segment;
        this.position = position;
        this.length = length;
        this.baseOffset = baseOffset;
        this.nextOffset = nextOffset;
        if (length > 0)
        {
            view.wrap(segment.buffer(), position, length);
        }
        else
        {
            view.wrap(segment.buffer(), 0, 0);
        }
    }

    /** Bytes in the slice; 0 when there is nothing to read at that offset yet. */
    public int length()
    {
        return length;
    }

    public boolean isEmpty()
    {
        return length == 0;
    }

    /** Position of the slice in the segment file. */
    public long filePosition()
    {
        return position;
    }

    /** The segment file, for {@link FileChannel#transferTo}. */
    public FileChannel channel()
    {
        return segment.channel();
    }

    /** Base offset of the segment the slice lies in. */
    public long segmentBaseOffset()
    {
        return segment.baseOffset();
    }

    /** Base offset of the first batch: may be below the offset asked for, which lies inside that batch. */
    public long baseOffset()
    {
        return baseOffset;
    }

    /** The offset after the last batch of the slice: where the next read starts. */
    public long nextOffset()
    {
        return nextOffset;
    }

    /** The slice's bytes as mapped in memory, index 0 to {@link #length()} - 1. */
    public DirectBuffer buffer()
    {
        return view;
    }

    /**
     * Send the whole slice to {@code target} with {@code transferTo}, looping over partial transfers.
     *
     * @return bytes sent, which is less than {@link #length()} only when a non-blocking target stopped accepting.
     * @throws IOException from the channels.
     */
    public long transferTo(final WritableByteChannel target) throws IOException
    {
        return transferTo(target, 0, length);
    }

    /**
     * Send part of the slice, for a non-blocking socket that took only some bytes last time.
     *
     * @param target     the channel to send to.
     * @param fromOffset offset within the slice to start at.
     * @param count      bytes to send at most.
     * @return bytes sent.
     * @throws IOException from the channels.
     */
    public long transferTo(final WritableByteChannel target, final long fromOffset, final long count) throws IOException
    {
        final FileChannel channel = segment.channel();
        long sent = 0;
        while (sent < count)
        {
            final long n = channel.transferTo(position + fromOffset + sent, count - sent, target);
            if (n <= 0)
            {
                break;
            }
            sent += n;
        }
        return sent;
    }

    @Override
    public String toString()
    {
        return "LogSlice{segment=" + (segment == null ? "none" : segment.baseOffset()) + ", position=" + position +
            ", length=" + length + ", offsets=" + baseOffset + ".." + nextOffset + '}';
    }
}
