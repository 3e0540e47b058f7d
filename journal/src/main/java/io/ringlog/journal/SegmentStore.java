package io.ringlog.journal;

import io.ringlog.journal.checkpoint.CheckpointFile;
import io.ringlog.journal.segment.Segment;
import io.ringlog.journal.segment.SegmentFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of one partition directory: finds and recovers segments at open, creates and re-opens them, and deletes
 * removed segments after the grace period readers are given ({@code file.delete.delay.ms}). Also keeps the log start
 * offset checkpoint. Used by the {@link PartitionLog}'s writer thread only (and at open and close).
 */
final class SegmentStore
{
    private static final System.Logger LOG = System.getLogger(SegmentStore.class.getName());

    private final Path dir;
    private volatile LogConfig config;
    /** Written by a clean close, removed at open: its absence means the last run crashed. */
    static final String CLEAN_SHUTDOWN = "clean-shutdown";
    static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-checkpoint";

    private final CheckpointFile logStartCheckpoint;
    private final CheckpointFile recoveryPointCheckpoint;
    private final ArrayDeque<Retired> retired = new ArrayDeque<>();
    private final Object unmapLock;

    private record Retired(Segment segment, boolean deleteFiles, long deadlineMs)
    {
    }

    /**
     * @param unmapLock held while segments are unmapped, and by {@link PartitionLog#flush()} while it forces them, so
     *                  a flush on another thread never touches an unmapped segment. Cold path only.
     */
    SegmentStore(final Path dir, final LogConfig config, final Object unmapLock)
    {
        this.dir = dir;
        this.unmapLock = unmapLock;
        this.config = config;
        this.logStartCheckpoint = new CheckpointFile(dir.resolve(PartitionLog.LOG_START_OFFSET_CHECKPOINT), 0);
        this.recoveryPointCheckpoint = new CheckpointFile(dir.resolve(RECOVERY_POINT_CHECKPOINT), 0);
    }

    /**
     * Open every segment in the directory, oldest first, recovering each. Leftovers of an earlier run are removed
     * first: {@code .deleted} and {@code .tmp} files, and index files without a log. After a clean shutdown each
     * segment is checked from its last index entries; after a crash every segment from the recovery point on (the
     * first one not known to be on disk) is validated from its start, as Kafka does. When a segment other than the
     * last ends short of the next one's base offset, the log is corrupt in the middle: as Kafka does, everything after
     * the last intact batch is dropped.
     */
    Segment[] loadSegments(final long nowMs) throws IOException
    {
        final boolean clean = Files.exists(dir.resolve(CLEAN_SHUTDOWN));
        final long recoveryPoint = clean ? Long.MAX_VALUE : readRecoveryPoint();
        final List<Long> bases = new ArrayList<>();
        final List<Path> orphans = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                final long base = SegmentFiles.parseLogFileName(name);
                if (base >= 0)
                {
                    bases.add(base);
                }
                else if (name.endsWith(SegmentFiles.DELETED_SUFFIX) || name.endsWith(".tmp"))
                {
                    orphans.add(file);
                }
            }
        }
        for (final Path orphan : orphans)
        {
            Files.deleteIfExists(orphan);
        }
        bases.sort(Long::compare);
        deleteIndexesWithoutLog(bases);

        final List<Segment> segments = new ArrayList<>();
        try
        {
            for (int i = 0; i < bases.size(); i++)
            {
                final boolean last = i == bases.size() - 1;
                final Segment segment = Segment.openAndRecover(
                    dir, bases.get(i), config.segmentBytes(), config.segmentIndexBytes(), config.indexIntervalBytes(),
                    last, config.preallocate(), bases.get(i) >= recoveryPoint, nowMs);
                segments.add(segment);
                if (!last && segment.nextOffset() != bases.get(i + 1))
                {
                    LOG.log(System.Logger.Level.WARNING, "segment " + segment.logFile() + " ends at offset " +
                        segment.nextOffset() + " but the next begins at " + bases.get(i + 1) +
                        ": dropping the segments after it");
                    for (int j = i + 1; j < bases.size(); j++)
                    {
                        deleteFiles(bases.get(j));
                    }
                    segments.remove(segments.size() - 1);
                    segment.close();
                    segments.add(Segment.openAndRecover(
                        dir, bases.get(i), config.segmentBytes(), config.segmentIndexBytes(),
                        config.indexIntervalBytes(), true, config.preallocate(), true, nowMs));
                    break;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            for (final Segment segment : segments)
            {
                segment.close();
            }
            throw ex;
        }
        return segments.toArray(new Segment[0]);
    }

    void updateConfig(final LogConfig newConfig)
    {
        config = newConfig;
    }

    Segment createSegment(final long baseOffset, final long nowMs) throws IOException
    {
        return Segment.create(
            dir, baseOffset, config.segmentBytes(), config.segmentIndexBytes(), config.indexIntervalBytes(),
            config.preallocate(), nowMs);
    }

    /** Map a sealed segment again for writing, after a truncation made it the last one. */
    Segment reopenWritable(final long baseOffset, final long nowMs) throws IOException
    {
        return Segment.openAndRecover(
            dir, baseOffset, config.segmentBytes(), config.segmentIndexBytes(), config.indexIntervalBytes(), true,
            config.preallocate(), false, nowMs);
    }

    /** The base offset of the first segment not known to be wholly on disk; 0 when never written. */
    long readRecoveryPoint() throws IOException
    {
        final List<long[]> entries = recoveryPointCheckpoint.read(1);
        return entries.isEmpty() ? 0 : entries.get(0)[0];
    }

    /** Every segment below {@code baseOffset} is on disk (sealed and forced). */
    void writeRecoveryPoint(final long baseOffset) throws IOException
    {
        recoveryPointCheckpoint.write(List.<long[]>of(new long[] {baseOffset}));
    }

    /** Mark (true) or unmark the directory as cleanly shut down. */
    void markCleanShutdown(final boolean clean) throws IOException
    {
        final Path marker = dir.resolve(CLEAN_SHUTDOWN);
        if (clean)
        {
            Files.write(marker, new byte[0]);
        }
        else
        {
            Files.deleteIfExists(marker);
        }
    }

    /**
     * Take a segment out of service. Readers may still hold it, so it is unmapped only after
     * {@code file.delete.delay.ms}; its files are renamed {@code .deleted} at once when {@code deleteFiles}.
     */
    void retire(final Segment segment, final boolean deleteFiles, final long nowMs) throws IOException
    {
        if (deleteFiles)
        {
            segment.markDeleted();
        }
        retired.addLast(new Retired(segment, deleteFiles, nowMs + config.fileDeleteDelayMs()));
        deleteRetired(nowMs);
    }

    /** Unmap, close and (when marked) delete retired segments whose grace period is over. */
    void deleteRetired(final long nowMs)
    {
        if (retired.isEmpty() || retired.peekFirst().deadlineMs() > nowMs)
        {
            return;
        }
        synchronized (unmapLock)
        {
            deleteRetiredLocked(nowMs);
        }
    }

    private void deleteRetiredLocked(final long nowMs)
    {
        while (!retired.isEmpty() && retired.peekFirst().deadlineMs() <= nowMs)
        {
            final Retired r = retired.pollFirst();
            try
            {
                if (r.deleteFiles())
                {
                    r.segment().closeAndDelete();
                }
                else
                {
                    r.segment().close();
                }
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "cannot delete " + r.segment().logFile(), ex);
            }
        }
    }

    long readLogStartOffset() throws IOException
    {
        final List<long[]> entries = logStartCheckpoint.read(1);
        return entries.isEmpty() ? 0 : entries.get(0)[0];
    }

    void writeLogStartOffset(final long offset) throws IOException
    {
        logStartCheckpoint.write(List.<long[]>of(new long[] {offset}));
    }

    /**
     * Index of the segment that would hold {@code offset}: the last whose base offset is at most it, or 0.
     */
    static int floorSegment(final Segment[] segments, final long offset)
    {
        int low = 0;
        int high = segments.length - 1;
        int found = 0;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            if (segments[mid].baseOffset() <= offset)
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

    private void deleteFiles(final long baseOffset) throws IOException
    {
        Files.deleteIfExists(SegmentFiles.logFile(dir, baseOffset));
        Files.deleteIfExists(SegmentFiles.indexFile(dir, baseOffset));
        Files.deleteIfExists(SegmentFiles.timeIndexFile(dir, baseOffset));
    }

    private void deleteIndexesWithoutLog(final List<Long> bases) throws IOException
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{index,timeindex}"))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                final String base = name.substring(0, name.indexOf('.'));
                final boolean hasLog = base.length() == 20 && base.chars().allMatch(Character::isDigit) &&
                    bases.contains(Long.parseLong(base));
                if (!hasLog)
                {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
