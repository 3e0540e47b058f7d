package io.ringlog.broker.core.producer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Hands out producer ids for InitProducerId, never the same one twice, across restarts too. Like Kafka's
 * controller it reserves ids in blocks: the end of the reserved block is stored (written, forced, moved into place)
 * before any id of the block is handed out, so a crash skips at most the rest of a block and never repeats an id.
 * Cold path (one call per producer start); thread-safe by a lock.
 */
public final class ProducerIdManager
{
    /** Ids reserved per write; Kafka's controller uses 1000 too. */
    public static final long BLOCK_SIZE = 1000;
    static final String FILE_NAME = "producer-id-block";

    private final Path file;
    private long next;
    private long reservedEnd;

    public ProducerIdManager(final Path metadataDir) throws IOException
    {
        Files.createDirectories(metadataDir);
        this.file = metadataDir.resolve(FILE_NAME);
        long stored = 0;
        if (Files.exists(file))
        {
            final String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            try
            {
                stored = Long.parseLong(text);
            }
            catch (final NumberFormatException ex)
            {
                throw new IOException("malformed " + file + ": '" + text + "'", ex);
            }
        }
        next = stored;
        reservedEnd = stored;
    }

    /**
     * @return a producer id never handed out before by this broker.
     * @throws IOException when the next block cannot be reserved on disk (then no id is handed out).
     */
    public synchronized long nextProducerId() throws IOException
    {
        if (next >= reservedEnd)
        {
            reserve(reservedEnd + BLOCK_SIZE);
        }
        return next++;
    }

    private void reserve(final long end) throws IOException
    {
        final Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        Files.writeString(tmp, Long.toString(end), StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE))
        {
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
        reservedEnd = end;
    }
}
