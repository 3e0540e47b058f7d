package io.ringlog.journal.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka's checkpoint text format: a version line, a count line, then one line of space-separated fields per entry.
 * Written to a temporary file, forced to disk and moved over the old one, so a crash leaves either the old or the
 * new checkpoint, never a mix. Cold path: called on epoch changes, log start offset changes and shutdown.
 */
public final class CheckpointFile
{
    private final Path file;
    private final int version;

    public CheckpointFile(final Path file, final int version)
    {
        this.file = file;
        this.version = version;
    }

    public Path file()
    {
        return file;
    }

    /**
     * Replace the checkpoint with these entries.
     *
     * @param entries each a list of fields; none may contain white space.
     * @throws IOException when it cannot be written.
     */
    public void write(final List<long[]> entries) throws IOException
    {
        final StringBuilder text = new StringBuilder();
        text.append(version).append('\n').append(entries.size()).append('\n');
        for (final long[] entry : entries)
        {
            for (int i = 0; i < entry.length; i++)
            {
                text.append(i == 0 ? "" : " ").append(entry[i]);
            }
            text.append('\n');
        }

        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
        {
            channel.write(StandardCharsets.UTF_8.encode(text.toString()));
            channel.force(true);
        }
        try
        {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Read the entries, each with {@code fields} numeric fields.
     *
     * @return the entries, empty when the file does not exist.
     * @throws IOException when the file exists but is malformed or cannot be read; the message names the file.
     */
    public List<long[]> read(final int fields) throws IOException
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException ex)
        {
            return new ArrayList<>();
        }

        try
        {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != version)
            {
                throw new IOException("checkpoint " + file + ": unsupported version or truncated header");
            }
            final int count = Integer.parseInt(lines.get(1).trim());
            if (count < 0 || lines.size() < 2 + count)
            {
                throw new IOException("checkpoint " + file + ": expected " + count + " entries");
            }
            final List<long[]> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                final String[] parts = lines.get(2 + i).trim().split("\\s+");
                if (parts.length != fields)
                {
                    throw new IOException("checkpoint " + file + ": line " + (3 + i) + " has " + parts.length + " fields");
                }
                final long[] entry = new long[fields];
                for (int f = 0; f < fields; f++)
                {
                    entry[f] = Long.parseLong(parts[f]);
                }
                entries.add(entry);
            }
            return entries;
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException("checkpoint " + file + ": " + ex.getMessage(), ex);
        }
    }
}
