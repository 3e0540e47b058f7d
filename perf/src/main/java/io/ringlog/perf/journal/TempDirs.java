package io.ringlog.perf.journal;

import org.agrona.IoUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Unique scratch directories under {@code java.io.tmpdir} (normally /tmp), one per trial. */
final class TempDirs
{
    private TempDirs()
    {
    }

    /**
     * Create a fresh directory.
     *
     * @param purpose names the directory, for whoever finds one left behind by a killed run.
     * @return the new directory.
     */
    static Path create(final String purpose)
    {
        try
        {
            return Files.createTempDirectory("ringlog-perf-" + purpose + "-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Delete a directory and everything in it; a null directory is ignored.
     *
     * @param dir to delete.
     */
    static void delete(final Path dir)
    {
        if (null != dir)
        {
            IoUtil.delete(dir.toFile(), false);
        }
    }
}
