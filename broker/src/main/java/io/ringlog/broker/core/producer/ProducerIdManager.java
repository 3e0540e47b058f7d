package io.ringlog.broker.core.producer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands out producer ids for InitProducerId, unique across the cluster and across restarts: like Kafka's brokers it
 * takes them in blocks of {@link #BLOCK_SIZE} from the controller quorum ({@link BlockSource}), which never hands out a
 * block twice, and gives them out one by one. A broker that stops skips the rest of its block.
 * <p>
 * A data directory from the single-node broker (before the quorum) holds the end of the last block it reserved in
 * {@code producer-id-block}; ids below it were handed out already, so blocks below it are skipped. Cold path (one call
 * per producer start); thread-safe by a lock.
 */
public final class ProducerIdManager
{
    /** Ids per block; Kafka's controller uses 1000 too, and so does the quorum's. */
    public static final long BLOCK_SIZE = 1000;
    static final String LEGACY_FILE_NAME = "producer-id-block";

    /** Where blocks come from: the controller quorum. */
    @FunctionalInterface
    public interface BlockSource
    {
        /**
         * @return the first id of a block of {@link #BLOCK_SIZE} ids nobody else has.
         * @throws IOException when no block can be had now (the quorum did not answer): no id is handed out.
         */
        long nextBlock() throws IOException;
    }

    private final BlockSource source;
    private final long legacyEnd;
    private long next;
    private long blockEnd;

    /**
     * @param metadataDir the broker's metadata directory, read for a single-node broker's {@code producer-id-block}.
     * @param source      the quorum's blocks.
     * @throws IOException when the legacy file is there but cannot be read.
     */
    public ProducerIdManager(final Path metadataDir, final BlockSource source) throws IOException
    {
        this.source = source;
        final Path legacy = metadataDir.resolve(LEGACY_FILE_NAME);
        long end = 0;
        if (Files.exists(legacy))
        {
            final String text = Files.readString(legacy, StandardCharsets.UTF_8).trim();
            try
            {
                end = Long.parseLong(text);
            }
            catch (final NumberFormatException ex)
            {
                throw new IOException("malformed " + legacy + ": '" + text + "'", ex);
            }
        }
        legacyEnd = end;
    }

    /**
     * @return a producer id never handed out before in this cluster.
     * @throws IOException when a new block is needed and the quorum gives none (then no id is handed out).
     */
    public synchronized long nextProducerId() throws IOException
    {
        if (next >= blockEnd)
        {
            long first = source.nextBlock();
            while (first + BLOCK_SIZE <= legacyEnd)
            {
                first = source.nextBlock(); // a block the single-node broker had handed out from already
            }
            next = Math.max(first, legacyEnd);
            blockEnd = first + BLOCK_SIZE;
        }
        return next++;
    }
}
