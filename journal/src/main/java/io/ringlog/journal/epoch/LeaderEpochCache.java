package io.ringlog.journal.epoch;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.checkpoint.CheckpointFile;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The partition's leader epochs and the offset at which each began, kept in Kafka's {@code leader-epoch-checkpoint}
 * file (version 0, lines of "epoch startOffset"). A follower that returns asks the leader where its last epoch ended
 * and truncates there; this cache answers that question.
 * <p>
 * Threading: the writer thread assigns and truncates; other threads may query. Changes are rare (a leader election),
 * so the entries live in an immutable array swapped on change: readers never lock and never see a partial update.
 * The checkpoint is rewritten on each change, off the append fast path (only the first batch of a new epoch pays).
 */
public final class LeaderEpochCache
{
    public static final String FILE_NAME = "leader-epoch-checkpoint";
    private static final int VERSION = 0;

    private final CheckpointFile checkpoint;
    private volatile long[][] entries; // each {epoch, startOffset}, epochs and offsets increasing

    public LeaderEpochCache(final Path partitionDir) throws IOException
    {
        checkpoint = new CheckpointFile(partitionDir.resolve(FILE_NAME), VERSION);
        final List<long[]> read = checkpoint.read(2);
        entries = read.toArray(new long[0][]);
    }

    /** The latest epoch, or {@link EpochEndOffset#UNDEFINED}. */
    public int latestEpoch()
    {
        final long[][] e = entries;
        return e.length == 0 ? EpochEndOffset.UNDEFINED : (int)e[e.length - 1][0];
    }

    /**
     * Record that {@code epoch} starts at {@code startOffset}, when it is newer than the latest known. Writer thread.
     *
     * @return true when the cache changed.
     */
    public boolean assign(final int epoch, final long startOffset) throws IOException
    {
        if (epoch < 0 || epoch <= latestEpoch())
        {
            return false;
        }
        final long[][] e = entries;
        final long[][] next = Arrays.copyOf(e, e.length + 1);
        next[e.length] = new long[] {epoch, startOffset};
        publish(next);
        return true;
    }

    /**
     * Record the epochs of batches a follower copied from its leader: each batch whose epoch is newer than the
     * latest starts that epoch at its base offset. Writer thread; the first batch of a new epoch pays one
     * checkpoint write, the others one comparison.
     *
     * @param flyweight a reusable flyweight for the writer thread.
     */
    public void assignFromBatches(final DirectBuffer buffer, final int offset, final int length, final RecordBatch flyweight)
        throws IOException
    {
        int position = offset;
        final int end = offset + length;
        while (position < end)
        {
            flyweight.wrap(buffer, position);
            assign(flyweight.partitionLeaderEpoch(), flyweight.baseOffset());
            position += flyweight.sizeInBytes();
        }
    }

    /**
     * Where {@code requestedEpoch} ends, as Kafka answers OffsetForLeaderEpoch.
     *
     * @param requestedEpoch the epoch asked about.
     * @param logEndOffset   the log end offset, the end of the latest epoch.
     * @return the floor epoch and its end offset, or {@link EpochEndOffset#UNDEFINED_EPOCH}.
     */
    public EpochEndOffset endOffsetFor(final int requestedEpoch, final long logEndOffset)
    {
        final long[][] e = entries;
        if (e.length == 0 || requestedEpoch < e[0][0])
        {
            return EpochEndOffset.UNDEFINED_EPOCH;
        }
        for (int i = e.length - 1; i >= 0; i--)
        {
            if (e[i][0] <= requestedEpoch)
            {
                final long end = i == e.length - 1 ? logEndOffset : e[i + 1][1];
                return new EpochEndOffset((int)e[i][0], end);
            }
        }
        return EpochEndOffset.UNDEFINED_EPOCH;
    }

    /** Forget epochs that start at or after {@code offset}, after the log was truncated there. Writer thread. */
    public void truncateFromEnd(final long offset) throws IOException
    {
        final long[][] e = entries;
        int keep = e.length;
        while (keep > 0 && e[keep - 1][1] >= offset)
        {
            keep--;
        }
        if (keep != e.length)
        {
            publish(Arrays.copyOf(e, keep));
        }
    }

    /**
     * The log now starts at {@code offset}: drop epochs that ended before it and move the start of the one that
     * holds it. Writer thread.
     */
    public void truncateFromStart(final long offset) throws IOException
    {
        final long[][] e = entries;
        int first = 0;
        while (first + 1 < e.length && e[first + 1][1] <= offset)
        {
            first++;
        }
        if (first == 0 && (e.length == 0 || e[0][1] >= offset))
        {
            return;
        }
        final long[][] next = Arrays.copyOfRange(e, first, e.length);
        if (next[0][1] < offset)
        {
            next[0] = new long[] {next[0][0], offset};
        }
        publish(next);
    }

    /** A copy of the entries as {epoch, startOffset} pairs, oldest first. */
    public List<long[]> entries()
    {
        final List<long[]> copy = new ArrayList<>();
        for (final long[] entry : entries)
        {
            copy.add(entry.clone());
        }
        return copy;
    }

    /** Write the checkpoint first, so a failed write leaves both the file and the cache as they were. */
    private void publish(final long[][] next) throws IOException
    {
        checkpoint.write(Arrays.asList(next));
        entries = next;
    }
}
