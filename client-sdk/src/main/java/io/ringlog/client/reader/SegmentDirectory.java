package io.ringlog.client.reader;

import io.ringlog.journal.segment.SegmentFiles;
import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Look-ups in a partition directory for the same-host reader: which segments exist, and where a sealed segment's
 * offset index says to start scanning for an offset. Cold path (a seek, a gap left by retention): lists and maps,
 * so it allocates and makes system calls. Stateless.
 */
final class SegmentDirectory
{
    private static final int INDEX_ENTRY_SIZE = 8;

    private SegmentDirectory()
    {
    }

    /** Base offsets of the live segments ({@code .log} files, not {@code .deleted}), ascending. */
    static long[] bases(final Path dir) throws IOException
    {
        long[] bases = new long[16];
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SegmentFiles.LOG_SUFFIX))
        {
            for (final Path file : files)
            {
                final long base = SegmentFiles.parseLogFileName(file.getFileName().toString());
                if (base >= 0)
                {
                    if (count == bases.length)
                    {
                        bases = Arrays.copyOf(bases, count * 2);
                    }
                    bases[count++] = base;
                }
            }
        }
        final long[] result = Arrays.copyOf(bases, count);
        Arrays.sort(result);
        return result;
    }

    /** The greatest base at or below {@code offset}, or -1. */
    static long floor(final long[] bases, final long offset)
    {
        long floor = -1;
        for (final long base : bases)
        {
            if (base <= offset)
            {
                floor = base;
            }
        }
        return floor;
    }

    /** The smallest base above {@code offset}, or -1. */
    static long higher(final long[] bases, final long offset)
    {
        for (final long base : bases)
        {
            if (base > offset)
            {
                return base;
            }
        }
        return -1;
    }

    /**
     * The file position the sealed segment's offset index gives for {@code target}: that of the largest entry whose
     * offset is at most the target (an entry names a batch's last offset and the batch's start), or 0. The index of a
     * sealed segment was trimmed to whole entries before the broker moved on, and is never written again, so reading
     * it is safe; the caller still checks the batch found there.
     */
    static int indexPosition(final Path dir, final long baseOffset, final long target)
    {
        final Path file = SegmentFiles.indexFile(dir, baseOffset);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final int entries = (int)Math.min(Integer.MAX_VALUE / INDEX_ENTRY_SIZE, size / INDEX_ENTRY_SIZE);
            if (entries == 0)
            {
                return 0;
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, (long)entries * INDEX_ENTRY_SIZE);
            try
            {
                mapped.order(ByteOrder.BIG_ENDIAN);
                final long relative = target - baseOffset;
                int low = 0;
                int high = entries - 1;
                int found = -1;
                while (low <= high)
                {
                    final int mid = (low + high) >>> 1;
                    final int entryOffset = mapped.getInt(mid * INDEX_ENTRY_SIZE);
                    if (entryOffset <= relative)
                    {
                        found = mid;
                        low = mid + 1;
                    }
                    else
                    {
                        high = mid - 1;
                    }
                }
                return found < 0 ? 0 : Math.max(0, mapped.getInt(found * INDEX_ENTRY_SIZE + 4));
            }
            finally
            {
                IoUtil.unmap(mapped);
            }
        }
        catch (final NoSuchFileException ex)
        {
            return 0;
        }
        catch (final IOException ex)
        {
            return 0; // scanning from the start is always correct, just slower
        }
    }
}
