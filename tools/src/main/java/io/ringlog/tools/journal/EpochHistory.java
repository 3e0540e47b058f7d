package io.ringlog.tools.journal;

import io.ringlog.journal.checkpoint.CheckpointFile;
import io.ringlog.journal.epoch.LeaderEpochCache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A partition's leader epochs as its {@code leader-epoch-checkpoint} records them (epoch, start offset): every batch
 * from an epoch's start offset to the next epoch's start carries that epoch. Read-only; immutable.
 */
final class EpochHistory
{
    static final long UNKNOWN = Long.MIN_VALUE;
    static final EpochHistory NONE = new EpochHistory(List.of());

    private final List<long[]> entries;

    private EpochHistory(final List<long[]> entries)
    {
        this.entries = entries;
    }

    /**
     * @return the partition's history, or {@link #NONE} when it has no checkpoint.
     * @throws IOException when the checkpoint exists but cannot be read or parsed.
     */
    static EpochHistory read(final Path partitionDir) throws IOException
    {
        final List<long[]> entries = new CheckpointFile(partitionDir.resolve(LeaderEpochCache.FILE_NAME), 0).read(2);
        return entries.isEmpty() ? NONE : new EpochHistory(List.copyOf(entries));
    }

    /** The epoch the batch starting at {@code offset} must carry, or {@link #UNKNOWN} before the first entry. */
    long epochAt(final long offset)
    {
        long epoch = UNKNOWN;
        for (final long[] e : entries)
        {
            if (e[1] > offset)
            {
                break;
            }
            epoch = e[0];
        }
        return epoch;
    }
}
