package io.ringlog.journal.index;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size entries sorted by a strictly increasing key, in Kafka's index layout
 * (big-endian, no header). An index is mapped read-write and pre-sized to {@code segment.index.bytes} when opened,
 * so recovery can rebuild it in place, and trimmed to its entries when its segment is sealed (rolled, closed, or
 * recovered as an older segment), as Kafka does.
 * <p>
 * Threading: one writer (the partition's writer thread) appends and truncates; any number of readers search. The
 * entry count is published with a release store after the entry's bytes are written, and read with acquire, so a
 * reader never sees a half-written entry.
 */
abstract class MappedIndex implements AutoCloseable
{
    static final ByteOrder BYTE_ORDER = ByteOrder.BIG_ENDIAN;
    private static final VarHandle ENTRIES;

    static
    {
        try
        {
            ENTRIES = MethodHandles.lookup().findVarHandle(MappedIndex.class, "entries", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    protected final long baseOffset;
    protected final int entrySize;
    protected final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
    private Path file;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final int maxEntries;
    private final boolean existed;
    private int reservedBytes; // writer thread: bytes of the file whose blocks are on disk, not a hole
    private volatile int entries;

    /**
     * Map an index file, creating it when absent.
     *
     * @param file       the index file.
     * @param baseOffset of the segment the index belongs to.
     * @param entrySize  bytes per entry.
     * @param maxBytes    size to pre-size the file to.
     * @param preallocate write real zeros when extending, so the blocks are reserved and an entry can never fault
     *                    on a full disk (the segment's {@code preallocate}); else extend sparsely.
     * @throws IOException when the file cannot be opened, sized or mapped (a full disk included).
     */
    MappedIndex(
        final Path file, final long baseOffset, final int entrySize, final int maxBytes, final boolean preallocate)
        throws IOException
    {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.existed = Files.exists(file);

        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            final long existing = raf.length();
            final int validBytes = (int)(existing - existing % entrySize);
            final long size = Math.max(validBytes, maxBytes - maxBytes % entrySize);
            if (size < existing)
            {
                raf.setLength(size); // a torn last entry is dropped
            }
            else if (size > existing && preallocate)
            {
                IoUtil.fill(raf.getChannel(), existing, size - existing, (byte)0);
            }
            else if (size > existing)
            {
                raf.setLength(size);
            }
            channel = raf.getChannel();
            mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
        if (mapped.capacity() > 0)
        {
            buffer.wrap(mapped);
        }
        maxEntries = mapped.capacity() / entrySize;
        entries = countValidEntries();
        reservedBytes = preallocate ? mapped.capacity() : entries * entrySize;
    }

    /** Grow the reserved part of a sparse index by this much at a time. */
    private static final int RESERVE_CHUNK = 64 * 1024;

    /**
     * Make sure the blocks behind the next {@code moreEntries} entries exist, writing zeros through the file when
     * they do not: a store through the mapping into a hole on a full disk would kill the JVM (SIGBUS), while this
     * write fails cleanly. Writer thread; cheap when the room is there (one comparison).
     *
     * @param zeros a direct buffer of zeros to write from (the caller's, reused).
     * @return false when the disk has no room.
     */
    public final boolean reserve(final int moreEntries, final java.nio.ByteBuffer zeros)
    {
        final int capacityBytes = maxEntries * entrySize;
        final int needed = Math.min(capacityBytes, (entries + moreEntries) * entrySize);
        if (needed <= reservedBytes)
        {
            return true;
        }
        final int to = Math.min(capacityBytes, (needed + RESERVE_CHUNK - 1) / RESERVE_CHUNK * RESERVE_CHUNK);
        if (!ZeroFill.write(file, reservedBytes, to, zeros))
        {
            return false;
        }
        reservedBytes = to;
        return true;
    }

    /** Number of entries written, read with acquire semantics. */
    public final int entries()
    {
        return entries;
    }

    /** False when the file was missing and has been created empty: it must be rebuilt from the log. */
    public final boolean existedOnOpen()
    {
        return existed;
    }

    public final boolean isFull()
    {
        return entries >= maxEntries;
    }

    public final long baseOffset()
    {
        return baseOffset;
    }

    public final Path file()
    {
        return file;
    }

    /** Drop every entry at and after {@code entryCount}. Writer thread only. */
    public final void truncateToEntries(final int entryCount)
    {
        final int current = entries;
        if (entryCount < current)
        {
            ENTRIES.setRelease(this, entryCount);
            buffer.setMemory(entryCount * entrySize, (current - entryCount) * entrySize, (byte)0);
        }
    }

    /** Drop every entry. Writer thread only. */
    public final void reset()
    {
        truncateToEntries(0);
    }

    /**
     * Cut the file to its entries, as when a segment stops being active. The mapping stays valid for the entries.
     *
     * @throws IOException when the file cannot be truncated.
     */
    public final void trimToEntries() throws IOException
    {
        try (FileChannel ch = FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE))
        {
            ch.truncate((long)entries * entrySize);
        }
    }

    /** Force the entries to disk. */
    public final void flush()
    {
        mapped.force(0, entries * entrySize);
    }

    /** Rename the file with a suffix, as Kafka marks a segment for deletion. */
    public final void renameWithSuffix(final String suffix) throws IOException
    {
        final Path renamed = file.resolveSibling(file.getFileName() + suffix);
        Files.move(file, renamed);
        file = renamed;
    }

    /** Unmap and close; the file is left in place. */
    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // Closing a channel whose mapping is gone cannot lose data: nothing is buffered in it.
        }
    }

    /** Unmap, close and delete the file. */
    public final void closeAndDelete() throws IOException
    {
        close();
        Files.deleteIfExists(file);
    }

    /** Append an entry's bytes at index {@code entries}, then publish it. Writer thread only. */
    protected final void publishAppended()
    {
        ENTRIES.setRelease(this, entries + 1);
    }

    /** The key the entries are sorted by, for entry {@code i}. */
    protected abstract long keyAt(int i);

    /**
     * Largest entry whose key is at most {@code target} ({@code strict}: less than), by binary search over the
     * published entries.
     *
     * @return its index, or -1 when every entry's key is above the target.
     */
    protected final int floorEntry(final long target, final boolean strict)
    {
        int low = 0;
        int high = entries - 1;
        int found = -1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            final long key = keyAt(mid);
            if (key < target || (!strict && key == target))
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found;
    }

    /**
     * Whether entry {@code i} is consistent with entry {@code i - 1} beyond its key (an index of positions wants them
     * increasing too). Called while counting entries at open, before the index is used.
     */
    protected boolean entryConsistent(final int i)
    {
        return true;
    }

    /**
     * Entries from the start whose keys increase strictly, up to the first all-zero one. A crash leaves a pre-sized
     * file with zeroed entries after the real ones, and no real entry is all zeros (the first batch of a segment is
     * never indexed, and a timestamp of 0 with relative offset 0 is taken as the end), so zeros end the count;
     * garbage usually breaks the order, and recovery checks the last entry against the log.
     */
    private int countValidEntries()
    {
        int count = 0;
        long previous = Long.MIN_VALUE;
        while (count < maxEntries)
        {
            final long key = keyAt(count);
            if (key <= previous || isZero(count) || !entryConsistent(count))
            {
                break;
            }
            previous = key;
            count++;
        }
        return count;
    }

    private boolean isZero(final int i)
    {
        for (int b = 0; b < entrySize; b += 4)
        {
            if (buffer.getInt(i * entrySize + b) != 0)
            {
                return false;
            }
        }
        return true;
    }
}
