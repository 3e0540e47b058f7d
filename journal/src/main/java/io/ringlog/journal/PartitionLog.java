package io.ringlog.journal;

import io.ringlog.journal.batch.BatchDecompressor;
import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.epoch.EpochEndOffset;
import io.ringlog.journal.epoch.LeaderEpochCache;
import io.ringlog.journal.segment.Segment;
import io.ringlog.journal.storage.DiskSpace;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The log of one partition: an ordered, append-only sequence of Kafka RecordBatch v2 batches addressed by offset,
 * stored as memory-mapped segments in Kafka's directory layout ({@code <log.dirs>/<topic>-<partition>/}).
 *
 * <h2>Threads</h2>
 * One <b>writer</b> thread (the sequencer shard that owns the partition) calls the mutating methods: appends,
 * {@link #truncateTo}, {@link #deleteRecordsBefore}, {@link #enforceRetention}, {@link #close}. Debug builds assert
 * it is always the same thread. <b>Any</b> thread may call the reading methods: {@link #slice}, the offset and
 * timestamp look-ups, {@link #flush}. The writer publishes a segment's committed position, then the log end offset,
 * with release stores; readers load them with acquire, so they see whole batches only. Segments are held in an
 * immutable array replaced on roll and deletion. Nothing on the append path locks, allocates or calls fsync.
 *
 * <h2>Durability</h2>
 * Appends land in the page cache through the mapping, so they survive the death of the process at once (kill -9).
 * Surviving a machine crash needs an fsync: by {@code flush.messages} / {@code flush.ms} (off by default: replication
 * is the durability, as in Kafka), on roll and on close. When a {@link LogFlusher} is attached the fsyncs run on its
 * thread; {@link #flushedOffset()} tells how far the log is known to be on disk.
 *
 * <h2>Disk space</h2>
 * The active segment is a sparse file. A store through a mapping into a hole on a full disk would kill the JVM with
 * SIGBUS, so the writer reserves the blocks ahead of itself: it writes zeros through the file channel
 * {@value #SPACE_CHECK_STEP} bytes ahead of the appends (and ahead of the index entries), after asking the file
 * system for free space beyond {@code log.dir.reserve.bytes}. A full disk makes that write or that check fail, and
 * appends answer {@link JournalStatus#STORAGE_FULL}; the log stays readable. With {@code preallocate} the whole
 * segment is reserved when it is created.
 */
public final class PartitionLog implements AutoCloseable
{
    /**
     * Appends into a sparse segment reserve its blocks this far ahead of the writer, checking free space each time:
     * 1 MiB, so a reservation costs about 1 % of the bytes appended (a page-cache write of zeros the appends then
     * overwrite in place) and many partitions filling one disk cannot together overshoot the reserve by much.
     */
    public static final int SPACE_CHECK_STEP = 1024 * 1024;
    public static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";

    private static final System.Logger LOG = System.getLogger(PartitionLog.class.getName());
    private static final VarHandle LOG_END_OFFSET;
    private static final VarHandle LOG_START_OFFSET;
    private static final VarHandle FLUSHED_OFFSET;
    private static final VarHandle FLUSH_REQUESTED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            LOG_END_OFFSET = lookup.findVarHandle(PartitionLog.class, "logEndOffset", long.class);
            LOG_START_OFFSET = lookup.findVarHandle(PartitionLog.class, "logStartOffset", long.class);
            FLUSHED_OFFSET = lookup.findVarHandle(PartitionLog.class, "flushedOffset", long.class);
            FLUSH_REQUESTED = lookup.findVarHandle(PartitionLog.class, "flushRequested", boolean.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Path dir;
    private final File dirFile;
    private final String topic;
    private final int partition;
    private volatile LogConfig config;
    private final DiskSpace diskSpace;
    private final EpochClock clock;
    private final LeaderEpochCache epochs;
    private final SegmentStore store;
    private final RunValidator runValidator = new RunValidator();
    private final RecordBatch batch = new RecordBatch();
    private final TimestampSearch timestampSearch;
    private final Object unmapLock = new Object();
    /** Zeros to reserve sparse files' blocks with, written by the writer thread only. */
    private final java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocateDirect(64 * 1024);

    private Segment active;
    private long unflushedRecords;
    private long lastFlushRequestMs;
    private boolean flusherAttached;
    private Thread writerThread;

    private volatile Segment[] segments;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long flushedOffset;
    private volatile boolean flushRequested;
    private volatile boolean closed;
    private boolean unmapped; // guarded by unmapLock
    private long recoveryPoint; // guarded by unmapLock after load: segments below this base offset are on disk

    private PartitionLog(
        final Path dir,
        final String topic,
        final int partition,
        final LogConfig config,
        final DiskSpace diskSpace,
        final EpochClock clock) throws IOException
    {
        this.dir = dir;
        this.dirFile = dir.toFile();
        this.topic = topic;
        this.partition = partition;
        this.config = config;
        this.diskSpace = diskSpace;
        this.clock = clock;
        this.store = new SegmentStore(dir, config, unmapLock);
        this.epochs = new LeaderEpochCache(dir);
        this.timestampSearch = new TimestampSearch();
        this.lastFlushRequestMs = clock.time();
    }

    /**
     * Open the log of {@code topic}-{@code partition} under {@code logDir}, creating it when new, with Kafka's
     * defaults for disk space and the system clock.
     *
     * @throws IOException when the directory or its files cannot be opened; a torn tail is not an error, it is
     *                     recovered.
     */
    public static PartitionLog open(final Path logDir, final String topic, final int partition, final LogConfig config)
        throws IOException
    {
        return open(logDir, topic, partition, config, DiskSpace.FILE_SYSTEM, SystemEpochClock.INSTANCE);
    }

    /**
     * Open with an explicit disk-space probe and clock (tests use both).
     *
     * @throws IOException when the directory or its files cannot be opened.
     */
    public static PartitionLog open(
        final Path logDir,
        final String topic,
        final int partition,
        final LogConfig config,
        final DiskSpace diskSpace,
        final EpochClock clock) throws IOException
    {
        if (topic.isEmpty() || partition < 0)
        {
            throw new IllegalArgumentException("bad topic partition: '" + topic + "'-" + partition);
        }
        final Path dir = logDir.resolve(topic + "-" + partition);
        java.nio.file.Files.createDirectories(dir);
        final PartitionLog log = new PartitionLog(dir, topic, partition, config, diskSpace, clock);
        log.load();
        return log;
    }

    private void load() throws IOException
    {
        final long now = clock.time();
        final long checkpointedStart = store.readLogStartOffset();
        Segment[] loaded = store.loadSegments(now);
        if (loaded.length == 0)
        {
            if (checkSpaceForNewSegment() != JournalStatus.OK)
            {
                throw new IOException("no space for a new segment in " + dir + " (" + config.reserveBytes() +
                    " bytes are kept in reserve)");
            }
            loaded = new Segment[] {store.createSegment(Math.max(0, checkpointedStart), now)};
        }
        active = loaded[loaded.length - 1];
        segments = loaded;
        final long end = active.nextOffset();
        final long start = Math.min(Math.max(checkpointedStart, loaded[0].baseOffset()), end);
        LOG_START_OFFSET.setRelease(this, start);
        LOG_END_OFFSET.setRelease(this, end);
        FLUSHED_OFFSET.setRelease(this, end);
        epochs.truncateFromEnd(end);
        epochs.truncateFromStart(start);
        recoveryPoint = Math.min(store.readRecoveryPoint(), active.baseOffset());
        store.markCleanShutdown(false); // from now on a crash must be recovered in full
    }

    public String topic()
    {
        return topic;
    }

    public int partition()
    {
        return partition;
    }

    public Path dir()
    {
        return dir;
    }

    public LogConfig config()
    {
        return config;
    }

    /**
     * Change the settings, as a topic's configs change at run time. Any thread. Appends, rolls and retention read
     * the new values from their next run on; index sizes and the index interval apply to segments created after it.
     */
    public void updateConfig(final LogConfig newConfig)
    {
        store.updateConfig(newConfig);
        config = newConfig;
    }

    /** The first offset a reader may ask for. Any thread. */
    public long logStartOffset()
    {
        return logStartOffset;
    }

    /** The offset the next appended record will get. Any thread. */
    public long logEndOffset()
    {
        return logEndOffset;
    }

    /** Records below this offset are known to be on disk (fsynced, or recovered from disk at open). Any thread. */
    public long flushedOffset()
    {
        return flushedOffset;
    }

    /** Total bytes of the log's segments. Any thread. */
    public long sizeInBytes()
    {
        long size = 0;
        for (final Segment s : segments)
        {
            size += s.committedPosition();
        }
        return size;
    }

    /** Base offsets of the segments, oldest first. Any thread. */
    public long[] segmentBaseOffsets()
    {
        final Segment[] s = segments;
        final long[] bases = new long[s.length];
        for (int i = 0; i < s.length; i++)
        {
            bases[i] = s[i].baseOffset();
        }
        return bases;
    }

    /**
     * Base offset of the active (newest) segment: the one appends go to. It changes on roll and truncation, before
     * the log end offset moves past it. Any thread (acquire); allocation-free.
     */
    public long activeSegmentBaseOffset()
    {
        final Segment[] s = segments;
        return s[s.length - 1].baseOffset();
    }

    /** The latest leader epoch recorded in the log, or -1. Any thread. */
    public int latestEpoch()
    {
        return epochs.latestEpoch();
    }

    /**
     * Where {@code leaderEpoch} ends in this log (Kafka's OffsetForLeaderEpoch): the largest epoch at or below it
     * and the offset after its last record. Any thread.
     */
    public EpochEndOffset endOffsetForEpoch(final int leaderEpoch)
    {
        return epochs.endOffsetFor(leaderEpoch, logEndOffset);
    }

    /** The leader epochs and their start offsets, oldest first, as {epoch, startOffset}. Any thread. */
    public java.util.List<long[]> epochEntries()
    {
        return epochs.entries();
    }

    /**
     * Append one or more batches as the leader: validate all of them (magic 2, lengths, record count, CRC32C), then
     * assign offsets from the log end offset, stamp {@code leaderEpoch}, and copy them into the active segment with
     * one copy. All or nothing: on any failure the log is exactly as it was. Writer thread only; allocation-free.
     *
     * @param buffer      holding the batches; not modified.
     * @param offset      of the first batch in the buffer.
     * @param length      of all the batches in bytes.
     * @param leaderEpoch the epoch of the current leader, stamped into each batch.
     * @param result      filled on success.
     * @return {@link JournalStatus#OK} or a negative {@link JournalStatus} code.
     */
    public int appendAsLeader(
        final DirectBuffer buffer, final int offset, final int length, final int leaderEpoch, final AppendResult result)
    {
        return append(buffer, offset, length, leaderEpoch, true, result);
    }

    /**
     * Append batches copied from the leader, keeping their offsets and epochs. The first batch must start at or
     * after the log end offset and offsets must increase, else {@link JournalStatus#OFFSET_NOT_CONTIGUOUS}.
     * Writer thread only; allocation-free.
     *
     * @return {@link JournalStatus#OK} or a negative {@link JournalStatus} code.
     */
    public int appendAsFollower(final DirectBuffer buffer, final int offset, final int length, final AppendResult result)
    {
        return append(buffer, offset, length, RecordBatch.NO_PARTITION_LEADER_EPOCH, false, result);
    }

    private int append(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int leaderEpoch,
        final boolean asLeader,
        final AppendResult result)
    {
        assert isWriterThread() : "append from a second writer thread";
        result.reset();
        if (closed)
        {
            return JournalStatus.CLOSED;
        }
        if (length <= 0 || offset < 0 || offset + length > buffer.capacity())
        {
            return JournalStatus.CORRUPT_MESSAGE;
        }

        final int code = runValidator.validate(
            buffer, offset, length, asLeader, logEndOffset, config.maxMessageBytes(), result);
        if (code != JournalStatus.OK)
        {
            result.reset();
            return code;
        }
        if (length > config.segmentBytes())
        {
            result.reset();
            return JournalStatus.RECORD_LIST_TOO_LARGE;
        }

        final long now = clock.time();
        final long firstOffset = asLeader ? logEndOffset : batch.wrap(buffer, offset).baseOffset();
        final long lastOffset = asLeader ? firstOffset + result.lastOffset : result.lastOffset;
        final int spaceCode = ensureRoom(firstOffset, lastOffset, length, result.batchCount, now);
        if (spaceCode != JournalStatus.OK)
        {
            result.reset();
            return spaceCode;
        }
        final int epochCode = recordEpochs(buffer, offset, length, leaderEpoch, asLeader, firstOffset);
        if (epochCode != JournalStatus.OK)
        {
            result.reset();
            return epochCode;
        }

        final Segment segment = active;
        result.position = segment.append(buffer, offset, length, firstOffset, leaderEpoch, asLeader);
        result.segmentBaseOffset = segment.baseOffset();
        if (asLeader)
        {
            final long shift = firstOffset - result.firstOffset;
            result.firstOffset += shift;
            result.lastOffset += shift;
            result.offsetOfMaxTimestamp += result.offsetOfMaxTimestamp >= 0 ? shift : 0;
        }
        LOG_END_OFFSET.setRelease(this, segment.nextOffset());
        applyFlushPolicy(result.recordCount, now);
        return JournalStatus.OK;
    }

    /** Roll when the run does not fit, the index is full, the segment is old or offsets would overflow its index. */
    private int ensureRoom(
        final long firstOffset, final long lastOffset, final int length, final int batchCount, final long now)
    {
        Segment segment = active;
        final boolean offsetsOverflow = lastOffset - segment.baseOffset() > Integer.MAX_VALUE;
        final boolean tooOld = !segment.isEmpty() && now - segment.createdMs() >= config.segmentMs();
        if (segment.remaining() < length || segment.isIndexFull() || offsetsOverflow || tooOld)
        {
            final int code = roll(firstOffset, now);
            if (code != JournalStatus.OK)
            {
                return code;
            }
            segment = active;
        }
        // Keep at least half a step of reserved blocks ahead of the writer, topping up a whole step at a time:
        // one zero-filling write and one free-space check per step (1 MiB), not per append.
        final long end = (long)segment.committedPosition() + length;
        final int reserved = segment.reservedUpTo();
        if (end > reserved - SPACE_CHECK_STEP / 2 && reserved < segment.capacity())
        {
            final boolean room = diskSpace.usableBytes(dirFile) >= config.reserveBytes() + SPACE_CHECK_STEP + length;
            if ((!room || !segment.reserveLog((int)Math.min(segment.capacity(), end + SPACE_CHECK_STEP), zeros)) &&
                end > reserved)
            {
                return room ? storageCode(null) : JournalStatus.STORAGE_FULL;
            }
        }
        if (!segment.reserveIndexes(batchCount + 1, zeros))
        {
            return storageCode(null);
        }
        return JournalStatus.OK;
    }

    private int recordEpochs(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int leaderEpoch,
        final boolean asLeader,
        final long firstOffset)
    {
        try
        {
            if (asLeader)
            {
                epochs.assign(leaderEpoch, firstOffset);
            }
            else
            {
                epochs.assignFromBatches(buffer, offset, length, batch);
            }
            return JournalStatus.OK;
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "cannot write the leader epoch checkpoint of " + dir, ex);
            return storageCode(ex);
        }
    }

    /**
     * Start a new segment at {@code baseOffset}. The new segment is created before the old one is sealed, so a
     * failure (a full disk) leaves the old one active and untouched.
     */
    private int roll(final long baseOffset, final long now)
    {
        final int spaceCode = checkSpaceForNewSegment();
        if (spaceCode != JournalStatus.OK)
        {
            return spaceCode;
        }
        final Segment next;
        try
        {
            next = store.createSegment(baseOffset, now);
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "cannot create a segment at " + baseOffset + " in " + dir, ex);
            return storageCode(ex);
        }

        final Segment old = active;
        try
        {
            old.seal();
        }
        catch (final IOException ex)
        {
            // The old segment's bytes are intact in the mapping and the page cache; only the trim failed.
            // Recovery at the next open trims it.
            LOG.log(System.Logger.Level.WARNING, "cannot trim rolled segment " + old.logFile(), ex);
        }
        final Segment[] current = segments;
        final Segment[] updated = Arrays.copyOf(current, current.length + 1);
        updated[current.length] = next;
        active = next;
        segments = updated;
        requestFlush(); // fsync on roll, off this thread when a flusher is attached
        return JournalStatus.OK;
    }

    private int checkSpaceForNewSegment()
    {
        final long segmentNeed = config.preallocate() ? config.segmentBytes() : SPACE_CHECK_STEP;
        final long need = config.reserveBytes() + segmentNeed + 2L * config.segmentIndexBytes();
        return diskSpace.usableBytes(dirFile) < need ? JournalStatus.STORAGE_FULL : JournalStatus.OK;
    }

    private void applyFlushPolicy(final int records, final long now)
    {
        unflushedRecords += records;
        if (unflushedRecords >= config.flushMessages() || now - lastFlushRequestMs >= config.flushMs())
        {
            unflushedRecords = 0;
            lastFlushRequestMs = now;
            requestFlush();
        }
    }

    private void requestFlush()
    {
        if (flusherAttached)
        {
            FLUSH_REQUESTED.setRelease(this, true);
        }
        else
        {
            flush();
        }
    }

    /**
     * Hand fsyncs to a {@link LogFlusher} instead of running them on the writer thread. Called once, before appends.
     */
    void attachFlusher()
    {
        flusherAttached = true;
    }

    /** True when the writer asked for an fsync that has not run yet. */
    boolean isFlushRequested()
    {
        return flushRequested;
    }

    /**
     * Force every segment written since the last flush to disk and advance {@link #flushedOffset()}. Any thread;
     * blocking (fsync), so never called on the writer thread when a {@link LogFlusher} is attached.
     */
    public void flush()
    {
        FLUSH_REQUESTED.setRelease(this, false);
        final long end = logEndOffset;
        final long from = flushedOffset;
        synchronized (unmapLock)
        {
            if (unmapped)
            {
                return;
            }
            final Segment[] s = segments;
            for (int i = 0; i < s.length; i++)
            {
                if (s[i].nextOffset() > from || i == s.length - 1)
                {
                    s[i].flush();
                }
            }
            // Every segment before the active one is sealed and now forced: recovery can skip them after a crash.
            advanceRecoveryPoint(s[s.length - 1].baseOffset());
        }
        long current = flushedOffset;
        while (end > current && !FLUSHED_OFFSET.compareAndSet(this, current, end))
        {
            current = flushedOffset;
        }
    }

    /** Under unmapLock. */
    private void advanceRecoveryPoint(final long baseOffset)
    {
        if (baseOffset != recoveryPoint)
        {
            try
            {
                store.writeRecoveryPoint(baseOffset);
                recoveryPoint = baseOffset;
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "cannot write the recovery point of " + dir, ex);
            }
        }
    }

    /** After a truncation made an older segment active again, it is no longer known to be on disk. */
    private void lowerRecoveryPoint(final long activeBaseOffset)
    {
        synchronized (unmapLock)
        {
            if (activeBaseOffset < recoveryPoint)
            {
                advanceRecoveryPoint(activeBaseOffset);
            }
        }
    }

    /**
     * A region of whole batches, starting with the batch that holds {@code offset}, for a consumer or follower:
     * at most {@code maxBytes} but always at least one batch (so a large batch is never stuck), never a batch that
     * reaches {@code upToOffset} (the high watermark), and within one segment. Any thread; allocation-free.
     *
     * @param offset     the first offset wanted.
     * @param maxBytes   a soft limit on the slice's length.
     * @param upToOffset no batch holding this offset or a later one is included.
     * @param slice      filled with the region; empty when there is nothing below {@code upToOffset} yet.
     * @return {@link JournalStatus#OK}, or {@link JournalStatus#OFFSET_OUT_OF_RANGE} below the log start offset or
     * above the log end offset.
     */
    public int slice(final long offset, final int maxBytes, final long upToOffset, final LogSlice slice)
    {
        final long start = logStartOffset;
        final long end = logEndOffset;
        if (offset < start || offset > end)
        {
            return JournalStatus.OFFSET_OUT_OF_RANGE;
        }
        return SliceReader.slice(segments, offset, maxBytes, upToOffset, end, slice);
    }

    /**
     * The first record with a timestamp at or after {@code timestamp}, at or after the log start offset (Kafka's
     * ListOffsets by time). Any thread; cold path.
     *
     * @param decompressor to read the records of compressed batches, or null when the log holds none.
     * @return the record's timestamp, offset and epoch; empty when every record is older.
     */
    public Optional<TimestampOffset> offsetForTimestamp(final long timestamp, final BatchDecompressor decompressor)
    {
        return timestampSearch.firstAtOrAfter(segments, logStartOffset, timestamp, decompressor);
    }

    /**
     * The record with the largest timestamp (Kafka's ListOffsets MAX_TIMESTAMP). Any thread; cold path.
     *
     * @return the record's timestamp, offset and epoch; empty when the log is empty.
     */
    public Optional<TimestampOffset> maxTimestamp(final BatchDecompressor decompressor)
    {
        return timestampSearch.max(segments, logStartOffset, decompressor);
    }

    /**
     * Remove every batch holding {@code offset} or a later one (a follower whose leader's log diverged). The log then
     * ends at the base offset of the batch that held {@code offset}. Writer thread only.
     *
     * @return {@link JournalStatus#OK} or {@link JournalStatus#STORAGE_ERROR}.
     */
    public int truncateTo(final long offset)
    {
        assert isWriterThread() : "truncate from a second writer thread";
        if (offset >= logEndOffset)
        {
            return JournalStatus.OK;
        }
        if (offset <= logStartOffset)
        {
            return truncateFullyAndStartAt(offset);
        }
        try
        {
            final Segment[] s = segments;
            final int keep = SegmentStore.floorSegment(s, offset);
            for (int i = s.length - 1; i > keep; i--)
            {
                store.retire(s[i], true, clock.time());
            }
            Segment last = s[keep];
            if (last != active)
            {
                store.retire(last, false, clock.time()); // readers may hold the read-only mapping: close it later
                last = store.reopenWritable(last.baseOffset(), clock.time());
            }
            final long end = last.truncateTo(offset);
            final Segment[] updated = Arrays.copyOf(s, keep + 1);
            updated[keep] = last;
            active = last;
            segments = updated;
            LOG_END_OFFSET.setRelease(this, end);
            lowerFlushedOffset(end);
            lowerRecoveryPoint(last.baseOffset());
            epochs.truncateFromEnd(end);
                return JournalStatus.OK;
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "cannot truncate " + dir + " to " + offset, ex);
            return storageCode(ex);
        }
    }

    /**
     * Drop the whole log and start it empty at {@code offset} (a follower far behind a leader whose log starts
     * later). Writer thread only.
     */
    public int truncateFullyAndStartAt(final long offset)
    {
        assert isWriterThread() : "truncate from a second writer thread";
        final int spaceCode = checkSpaceForNewSegment();
        if (spaceCode != JournalStatus.OK)
        {
            return spaceCode;
        }
        try
        {
            final long now = clock.time();
            for (final Segment segment : segments)
            {
                store.retire(segment, true, now);
            }
            active = store.createSegment(offset, now);
            segments = new Segment[] {active};
            lowerRecoveryPoint(offset);
            LOG_END_OFFSET.setRelease(this, offset);
            FLUSHED_OFFSET.setRelease(this, offset);
            setLogStartOffset(offset);
            epochs.truncateFromEnd(offset);
                return JournalStatus.OK;
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "cannot restart " + dir + " at " + offset, ex);
            return storageCode(ex);
        }
    }

    /**
     * Advance the log start offset to {@code offset} (Kafka's DeleteRecords), deleting segments wholly below it.
     * Writer thread only.
     *
     * @return {@link JournalStatus#OK}, {@link JournalStatus#OFFSET_OUT_OF_RANGE} past the log end offset, or a
     * storage error.
     */
    public int deleteRecordsBefore(final long offset)
    {
        assert isWriterThread() : "delete from a second writer thread";
        if (offset > logEndOffset || offset < 0)
        {
            return JournalStatus.OFFSET_OUT_OF_RANGE;
        }
        if (offset <= logStartOffset)
        {
            return JournalStatus.OK;
        }
        try
        {
            setLogStartOffset(offset);
            deleteSegmentsBelowLogStart(clock.time());
            return JournalStatus.OK;
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "cannot advance the log start offset of " + dir, ex);
            return storageCode(ex);
        }
    }

    /**
     * Retention: delete whole non-active segments older than {@code retention.ms} (by their largest record
     * timestamp) or beyond {@code retention.bytes}, oldest first; roll the active segment when {@code segment.ms}
     * has passed; finish deletions whose grace period is over. Writer thread only; call it from the duty cycle now
     * and then (it is cheap when there is nothing to do).
     *
     * @param nowMs the time now.
     * @return segments deleted.
     */
    public int enforceRetention(final long nowMs)
    {
        assert isWriterThread() : "retention from a second writer thread";
        int deleted = 0;
        try
        {
            if (!active.isEmpty() && nowMs - active.createdMs() >= config.segmentMs())
            {
                roll(logEndOffset, nowMs);
            }
            Segment[] s = segments;
            final int drop = RetentionPolicy.segmentsToDelete(s, config, nowMs);
            if (drop > 0)
            {
                for (int i = 0; i < drop; i++)
                {
                    store.retire(s[i], true, nowMs);
                }
                s = Arrays.copyOfRange(s, drop, s.length);
                segments = s;
                deleted += drop;
                if (s[0].baseOffset() > logStartOffset)
                {
                    setLogStartOffset(s[0].baseOffset());
                }
            }
            deleted += deleteSegmentsBelowLogStart(nowMs);
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "retention failed in " + dir, ex);
        }
        store.deleteRetired(nowMs);
        return deleted;
    }

    private int deleteSegmentsBelowLogStart(final long nowMs) throws IOException
    {
        final Segment[] s = segments;
        final long start = logStartOffset;
        int drop = 0;
        while (drop < s.length - 1 && s[drop].nextOffset() <= start)
        {
            store.retire(s[drop], true, nowMs);
            drop++;
        }
        if (drop > 0)
        {
            segments = Arrays.copyOfRange(s, drop, s.length);
        }
        return drop;
    }

    private void setLogStartOffset(final long offset) throws IOException
    {
        store.writeLogStartOffset(offset);
        LOG_START_OFFSET.setRelease(this, offset);
        epochs.truncateFromStart(offset);
    }

    private void lowerFlushedOffset(final long end)
    {
        if (flushedOffset > end)
        {
            FLUSHED_OFFSET.setRelease(this, end);
        }
    }

    /**
     * Seal the active segment (trim its files to their contents), fsync everything, unmap every segment and close
     * the files. Called by the writer thread, or by any thread once the writer has stopped.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            active.seal();
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot trim the active segment of " + dir, ex);
        }
        flush();
        synchronized (unmapLock)
        {
            unmapped = true;
            for (final Segment segment : segments)
            {
                segment.close();
            }
        }
        store.deleteRetired(Long.MAX_VALUE);
        try
        {
            store.markCleanShutdown(true);
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot mark " + dir + " as cleanly shut down", ex);
        }
    }

    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public String toString()
    {
        return "PartitionLog{" + topic + "-" + partition + ", start=" + logStartOffset + ", end=" + logEndOffset +
            ", segments=" + segments.length + '}';
    }

    private boolean isWriterThread()
    {
        final Thread current = Thread.currentThread();
        if (writerThread == null)
        {
            writerThread = current;
        }
        return writerThread == current;
    }

    private int storageCode(final IOException ex)
    {
        final String message = ex == null ? "" : String.valueOf(ex.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return message.contains("no space") || diskSpace.usableBytes(dirFile) < config.reserveBytes() ?
            JournalStatus.STORAGE_FULL : JournalStatus.STORAGE_ERROR;
    }
}
