package io.ringlog.journal.segment;

import java.nio.file.Path;

/**
 * File names in a partition directory, as Kafka names them: the segment's base offset in 20 digits, then
 * {@code .log}, {@code .index} or {@code .timeindex}; {@code .deleted} is appended to a segment waiting for deletion.
 */
public final class SegmentFiles
{
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String DELETED_SUFFIX = ".deleted";

    private SegmentFiles()
    {
    }

    public static String baseName(final long baseOffset)
    {
        final String digits = Long.toString(baseOffset);
        return "0".repeat(Math.max(0, 20 - digits.length())) + digits;
    }

    public static Path logFile(final Path dir, final long baseOffset)
    {
        return dir.resolve(baseName(baseOffset) + LOG_SUFFIX);
    }

    public static Path indexFile(final Path dir, final long baseOffset)
    {
        return dir.resolve(baseName(baseOffset) + INDEX_SUFFIX);
    }

    public static Path timeIndexFile(final Path dir, final long baseOffset)
    {
        return dir.resolve(baseName(baseOffset) + TIME_INDEX_SUFFIX);
    }

    /**
     * The base offset a segment file is named after.
     *
     * @return the offset, or -1 when the name is not a live {@code .log} file.
     */
    public static long parseLogFileName(final String fileName)
    {
        if (!fileName.endsWith(LOG_SUFFIX) || fileName.length() != 20 + LOG_SUFFIX.length())
        {
            return -1;
        }
        try
        {
            return Long.parseLong(fileName.substring(0, 20));
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }
}
