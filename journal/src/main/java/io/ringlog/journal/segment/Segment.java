package io.ringlog.journal.segment;

import io.ringlog.journal.batch.BatchValidator;
import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.index.OffsetIndex;
import io.ringlog.journal.index.TimeIndex;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.LangUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.ringlog.journal.batch.RecordBatch.BYTE_ORDER;

/**
 * One segment of a partition log: a {@code .log} file of RecordBatch v2 bytes, memory-mapped, with its sparse
 * {@link OffsetIndex} and {@link TimeIndex}.
 * <p>
 * The active segment's file is pre-sized to {@code segment.bytes} (sparse, or zero-filled when {@code preallocate})
 * and mapped read-write; it is trimmed to its written length when rolled or closed. Older segments are mapped
 * read-only at their exact size.
 * <p>
 * Threading: one writer thread appends, recovers, truncates and trims. Any thread may read. The writer copies a run
 * of batches past the committed position, patches their headers, and only then publishes the new committed position
 * with a release store; readers load it with acquire and read only below it, so they never see a partial batch.
 * A segment removed from the log is not unmapped at once: readers may still hold it, so the log unmaps it after
 * {@code file.delete.delay.ms} (Kafka's grace period for the same reason).
 */
public final class Segment
{
    private static final VarHandle COMMITTED_POSITION;
    private static final VarHandle NEXT_OFFSET;
    private static final VarHandle MAX_TIMESTAMP;
    private static final VarHandle OFFSET_OF_MAX_TIMESTAMP;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            COMMITTED_POSITION = lookup.findVarHandle(Segment.class, "committedPosition", int.class);
            NEXT_OFFSET = lookup.findVarHandle(Segment.class, "nextOffset", long.class);
            MAX_TIMESTAMP = lookup.findVarHandle(Segment.class, "maxTimestamp", long.class);
            OFFSET_OF_MAX_TIMESTAMP = lookup.findVarHandle(Segment.class, "offsetOfMaxTimestamp", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long baseOffset;
    private final int indexIntervalBytes;
    private final long createdMs;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
    private final int capacity;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final RecordBatch writerBatch = new RecordBatch();
    private final boolean preallocated;
    private FileChannel writeChannel; // writable segments: for reserving blocks ahead of the writer
    private int reservedUpTo; // writer thread: bytes of the log file whose blocks are on disk
    private Path logFile;
    private boolean writable;
    private int bytesSinceLastIndexEntry;

    private volatile int committedPosition;
    private volatile long nextOffset;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestamp = -1;

    private Segment(
        final Path dir,
        final long baseOffset,
        final int capacity,
        final int indexBytes,
        final int indexIntervalBytes,
        final boolean writable,
        final boolean preallocate,
        final long createdMs) throws IOException
    {
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = createdMs;
        this.writable = writable;
        this.logFile = SegmentFiles.logFile(dir, baseOffset);
        this.nextOffset = baseOffset;

        final long existingLength;
        boolean reserved = writable && preallocate;
        try (RandomAccessFile raf = new RandomAccessFile(logFile.toFile(), writable ? "rw" : "r"))
        {
            existingLength = raf.length();
            if (writable && existingLength < capacity)
            {
                reserved = reserved && reserveTail(raf, existingLength, capacity, existingLength == 0);
                if (!reserved)
                {
                    raf.setLength(capacity);
                }
            }
            final long mapLength = writable ? Math.max(existingLength, capacity) : existingLength;
            if (mapLength > Integer.MAX_VALUE)
            {
                throw new IOException(logFile + " is larger than 2 GiB");
            }
            this.capacity = (int)mapLength;
            this.mapped = raf.getChannel().map(
                writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, mapLength);
        }
        this.channel = FileChannel.open(logFile, java.nio.file.StandardOpenOption.READ);
        this.writeChannel = writable && !reserved ? FileChannel.open(logFile, java.nio.file.StandardOpenOption.WRITE) : null;
        if (capacity > 0)
        {
            buffer.wrap(mapped);
        }
        this.preallocated = reserved;
        this.offsetIndex = new OffsetIndex(SegmentFiles.indexFile(dir, baseOffset), baseOffset, indexBytes, preallocated);
        this.timeIndex = new TimeIndex(SegmentFiles.timeIndexFile(dir, baseOffset), baseOffset, indexBytes, preallocated);
        this.committedPosition = (int)Math.min(existingLength, this.capacity);
        this.reservedUpTo = preallocated ? this.capacity : committedPosition;
    }

    /**
     * Write real zeros from {@code from} to {@code capacity}: the blocks are then reserved, so a later store through
     * the mapping can never fault on a full disk (SIGBUS). A new segment that cannot be reserved is an error (the
     * caller answers STORAGE_FULL); a re-opened one falls back to a sparse tail, which the log then guards with its
     * free-space checks, so that a log on a full disk still opens and stays readable.
     *
     * @return true when the whole tail is reserved.
     * @throws IOException for a new segment on a full disk, or any other I/O error.
     */
    private static boolean reserveTail(
        final RandomAccessFile raf, final long from, final long capacity, final boolean isNew) throws IOException
    {
        try
        {
            IoUtil.fill(raf.getChannel(), from, capacity - from, (byte)0);
            return true;
        }
        catch (final Exception ex) // Agrona rethrows the IOException unchecked
        {
            if (isNew || !(ex instanceof IOException) || !String.valueOf(ex.getMessage()).contains("No space"))
            {
                LangUtil.rethrowUnchecked(ex);
            }
            raf.getChannel().truncate(from);
            return false;
        }
    }

    /**
     * Create a new, empty active segment. The caller has checked free space.
     *
     * @throws IOException when the files cannot be created, sized or mapped (a full disk included).
     */
    public static Segment create(
        final Path dir,
        final long baseOffset,
        final int segmentBytes,
        final int indexBytes,
        final int indexIntervalBytes,
        final boolean preallocate,
        final long nowMs) throws IOException
    {
        Files.deleteIfExists(SegmentFiles.logFile(dir, baseOffset));
        Files.deleteIfExists(SegmentFiles.indexFile(dir, baseOffset));
        Files.deleteIfExists(SegmentFiles.timeIndexFile(dir, baseOffset));
        final Segment segment = new Segment(
            dir, baseOffset, segmentBytes, indexBytes, indexIntervalBytes, true, preallocate, nowMs);
        return segment;
    }

    /**
     * Open an existing segment and recover it: validate it batch by batch, from the start ({@code fullScan}, after
     * an unclean shutdown) or from the last trustworthy index entry; cut a torn or corrupt tail; rebuild indexes that
     * are missing or inconsistent.
     *
     * @param active      true for the last segment, which is re-opened for appends.
     * @param preallocate with {@code active}: reserve the blocks of the re-extended file and indexes.
     * @param fullScan    validate every batch from the start, not only the tail.
     * @throws IOException when the files cannot be opened or mapped.
     */
    public static Segment openAndRecover(
        final Path dir,
        final long baseOffset,
        final int segmentBytes,
        final int indexBytes,
        final int indexIntervalBytes,
        final boolean active,
        final boolean preallocate,
        final boolean fullScan,
        final long nowMs) throws IOException
    {
        final Segment segment = new Segment(
            dir, baseOffset, segmentBytes, indexBytes, indexIntervalBytes, active, preallocate, nowMs);
        try
        {
            segment.recover(fullScan);
        }
        catch (final IOException | RuntimeException ex)
        {
            segment.close();
            throw ex;
        }
        return segment;
    }

    public long baseOffset()
    {
        return baseOffset;
    }

    /** Bytes of whole batches published to readers, read with acquire semantics. */
    public int committedPosition()
    {
        return committedPosition;
    }

    /** The offset after the last batch in this segment (the base offset when empty). */
    public long nextOffset()
    {
        return nextOffset;
    }

    /** Largest timestamp of any batch in the segment, or -1. */
    public long maxTimestamp()
    {
        return maxTimestamp;
    }

    /** Last offset of the batch holding {@link #maxTimestamp()}, or -1. */
    public long offsetOfMaxTimestamp()
    {
        return offsetOfMaxTimestamp;
    }

    public long createdMs()
    {
        return createdMs;
    }

    public boolean isEmpty()
    {
        return committedPosition == 0;
    }

    /** Bytes still free in the mapped file of the active segment. */
    public int remaining()
    {
        return writable ? capacity - committedPosition : 0;
    }

    /**
     * Make sure the blocks behind the log file up to {@code logTo} exist on disk, writing zeros through the file
     * where they are still a hole. A store through the mapping
     * into a hole on a full disk would kill the JVM with SIGBUS; this write fails cleanly instead. Writer thread;
     * one comparison per file when the room is already reserved, which it is for a preallocated segment.
     *
     * @param zeros the caller's direct buffer of zeros.
     * @return false when the disk has no room (or another I/O error).
     */
    public boolean reserveLog(final int logTo, final java.nio.ByteBuffer zeros)
    {
        final int to = Math.min(logTo, capacity);
        if (to > reservedUpTo)
        {
            if (writeChannel == null || !io.ringlog.journal.index.ZeroFill.write(writeChannel, reservedUpTo, to, zeros))
            {
                return false;
            }
            reservedUpTo = to;
        }
        return true;
    }

    /** As {@link #reserveLog} for the blocks behind the next {@code entries} entries of both indexes. */
    public boolean reserveIndexes(final int entries, final java.nio.ByteBuffer zeros)
    {
        return offsetIndex.reserve(entries, zeros) && timeIndex.reserve(entries, zeros);
    }

    /** Bytes of the log file whose blocks are reserved. Writer thread. */
    public int reservedUpTo()
    {
        return reservedUpTo;
    }

    public int capacity()
    {
        return capacity;
    }

    /** True when the file's blocks were reserved (zero-filled) up to its capacity: stores cannot fault. */
    public boolean isPreallocated()
    {
        return preallocated;
    }

    public boolean isIndexFull()
    {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    public FileChannel channel()
    {
        return channel;
    }

    /** The mapped bytes; readers stay below {@link #committedPosition()}. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    public Path logFile()
    {
        return logFile;
    }

    public long lastModifiedMs()
    {
        try
        {
            return Files.getLastModifiedTime(logFile).toMillis();
        }
        catch (final IOException ex)
        {
            return createdMs;
        }
    }

    /**
     * Copy a validated run of batches after the committed position, patch each header, index them and publish.
     * Writer thread only. The caller has checked the run fits ({@link #remaining()}) and is valid.
     *
     * @param src           the batches.
     * @param srcOffset     of the first batch in {@code src}.
     * @param length        of the run in bytes.
     * @param firstOffset   offset to assign to the first record when {@code assignOffsets}.
     * @param leaderEpoch   epoch to stamp when {@code assignOffsets}.
     * @param assignOffsets true on a leader; false on a follower, whose batches keep the leader's offsets and epochs.
     * @return the position the run was written at.
     */
    public int append(
        final DirectBuffer src,
        final int srcOffset,
        final int length,
        final long firstOffset,
        final int leaderEpoch,
        final boolean assignOffsets)
    {
        final int start = committedPosition;
        buffer.putBytes(start, src, srcOffset, length);

        final int end = start + length;
        long next = firstOffset;
        long maxTs = maxTimestamp;
        long offsetOfMaxTs = offsetOfMaxTimestamp;
        int position = start;
        while (position < end)
        {
            final RecordBatch batch = writerBatch.wrap(buffer, position);
            if (assignOffsets)
            {
                RecordBatch.stamp(buffer, position, next, leaderEpoch);
            }
            final int size = batch.sizeInBytes();
            final long lastOffset = batch.lastOffset();
            final long batchMaxTs = batch.maxTimestamp();
            if (batchMaxTs > maxTs)
            {
                maxTs = batchMaxTs;
                offsetOfMaxTs = lastOffset;
            }
            if (bytesSinceLastIndexEntry > indexIntervalBytes)
            {
                offsetIndex.append(lastOffset, position);
                timeIndex.maybeAppend(maxTs, offsetOfMaxTs);
                bytesSinceLastIndexEntry = 0;
            }
            bytesSinceLastIndexEntry += size;
            next = lastOffset + 1;
            position += size;
        }

        MAX_TIMESTAMP.setRelease(this, maxTs);
        OFFSET_OF_MAX_TIMESTAMP.setRelease(this, offsetOfMaxTs);
        NEXT_OFFSET.setRelease(this, next);
        COMMITTED_POSITION.setRelease(this, end);
        return start;
    }

    /**
     * Where the batch holding {@code offset} starts, scanning below {@code limit}. Any thread.
     *
     * @param offset to find.
     * @param limit  a committed position read earlier by the caller.
     * @return the batch's position, or {@code limit} when no batch below it holds the offset.
     */
    public int findBatchPosition(final long offset, final int limit)
    {
        int position = offsetIndex.lookupPosition(offset);
        while (position < limit)
        {
            final int size = batchSizeAt(position, limit);
            if (size < 0)
            {
                return limit;
            }
            if (lastOffsetAt(position) >= offset)
            {
                return position;
            }
            position += size;
        }
        return limit;
    }

    /**
     * Size of the batch at {@code position}, checked to lie below {@code limit}: -1 when it does not (a reader
     * racing a truncation sees zeros, never a wild length).
     */
    public int batchSizeAt(final int position, final int limit)
    {
        if (position < 0 || position + RecordBatch.LOG_OVERHEAD > limit)
        {
            return -1;
        }
        final int size = buffer.getInt(position + RecordBatch.BATCH_LENGTH_OFFSET, BYTE_ORDER) + RecordBatch.LOG_OVERHEAD;
        return size < RecordBatch.HEADER_LENGTH || size > limit - position ? -1 : size;
    }

    public long baseOffsetAt(final int position)
    {
        return buffer.getLong(position + RecordBatch.BASE_OFFSET_OFFSET, BYTE_ORDER);
    }

    public long lastOffsetAt(final int position)
    {
        return baseOffsetAt(position) + buffer.getInt(position + RecordBatch.LAST_OFFSET_DELTA_OFFSET, BYTE_ORDER);
    }

    public long maxTimestampAt(final int position)
    {
        return buffer.getLong(position + RecordBatch.MAX_TIMESTAMP_OFFSET, BYTE_ORDER);
    }

    /** Index lookup: a position at or before the batch holding the first record newer than {@code timestamp}. */
    public int positionToScanForTimestamp(final long timestamp)
    {
        final long before = timeIndex.offsetBefore(timestamp);
        return before < 0 ? 0 : offsetIndex.lookupPosition(before);
    }

    /**
     * Drop every batch holding an offset at or after {@code offset}: the log then ends at the base offset of the
     * batch that held it. The cut bytes are zeroed so that no stale batch can look valid to a later recovery.
     * Writer thread only.
     *
     * @return the new next offset of this segment.
     */
    public long truncateTo(final long offset)
    {
        final int limit = committedPosition;
        final int position = findBatchPosition(offset, limit);
        if (position < limit)
        {
            COMMITTED_POSITION.setRelease(this, position);
            NEXT_OFFSET.setRelease(this, position == 0 ? baseOffset : baseOffsetAt(position));
            offsetIndex.truncateToPosition(position);
            timeIndex.truncateToOffset(nextOffset);
            if (writable)
            {
                buffer.setMemory(position, limit - position, (byte)0);
            }
            rescanTimestampsAndIndexTail();
        }
        return nextOffset;
    }

    /**
     * Stop being the active segment: append the final time index entry and cut the files to what was written.
     * Writer thread only. No fsync here: the log asks its flusher for it, so the writer never waits on the disk.
     * The mapping stays valid for reads below the committed position.
     */
    public void seal() throws IOException
    {
        if (!writable)
        {
            return;
        }
        final long maxTs = maxTimestamp;
        if (maxTs >= 0)
        {
            timeIndex.maybeAppend(maxTs, offsetOfMaxTimestamp);
        }
        try (FileChannel ch = FileChannel.open(logFile, java.nio.file.StandardOpenOption.WRITE))
        {
            ch.truncate(committedPosition);
        }
        closeWriteChannel();
        offsetIndex.trimToEntries();
        timeIndex.trimToEntries();
        writable = false;
    }

    /** Force written bytes and index entries to disk. Any thread. */
    public void flush()
    {
        if (!mapped.isReadOnly())
        {
            mapped.force(0, committedPosition);
            offsetIndex.flush();
            timeIndex.flush();
        }
    }

    /** Rename the files with {@code .deleted}, as Kafka marks a segment for deletion after a grace period. */
    public void markDeleted() throws IOException
    {
        final Path renamed = logFile.resolveSibling(logFile.getFileName() + SegmentFiles.DELETED_SUFFIX);
        Files.move(logFile, renamed);
        logFile = renamed;
        offsetIndex.renameWithSuffix(SegmentFiles.DELETED_SUFFIX);
        timeIndex.renameWithSuffix(SegmentFiles.DELETED_SUFFIX);
    }

    private void closeWriteChannel()
    {
        if (writeChannel != null)
        {
            try
            {
                writeChannel.close();
            }
            catch (final IOException ignore)
            {
                // Zero-filling only; nothing buffered to lose.
            }
            writeChannel = null;
        }
    }

    /** Unmap and close the files, leaving them on disk. */
    public void close()
    {
        closeWriteChannel();
        IoUtil.unmap(mapped);
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // A read-only channel holds nothing to lose.
        }
        offsetIndex.close();
        timeIndex.close();
    }

    /** Unmap, close and delete the files. */
    public void closeAndDelete() throws IOException
    {
        close();
        Files.deleteIfExists(logFile);
        Files.deleteIfExists(offsetIndex.file());
        Files.deleteIfExists(timeIndex.file());
    }

    /**
     * Recovery. Unless told to scan everything, start from the second-to-last index entry, if the batch it points at
     * is intact (CRC included) and ends where the entry says, and the time index agrees with the log up to there;
     * the scan then re-validates the last entry's batch and everything after it, so a torn batch whose header
     * survived is caught too. Otherwise, or when an index file is missing, rebuild both indexes from the start.
     * Validate batch by batch; stop at the first batch that is cut, corrupt or not contiguous; cut the file there.
     * A crash may leave an active segment's pre-sized file with a zeroed tail, which stops the scan the same way.
     */
    private void recover(final boolean fullScan) throws IOException
    {
        final int dataEnd = committedPosition;
        offsetIndex.truncateToPosition(dataEnd);
        int start = 0;
        long expectedOffset = baseOffset;
        final int trusted = offsetIndex.entries() - 2;
        if (!fullScan && offsetIndex.existedOnOpen() && timeIndex.existedOnOpen() && trusted >= 0)
        {
            final int position = offsetIndex.positionAt(trusted);
            final BatchValidator validator = new BatchValidator();
            if (validator.validate(buffer, position, dataEnd, Integer.MAX_VALUE, false) == 0 &&
                lastOffsetAt(position) == offsetIndex.offsetAt(trusted))
            {
                timeIndex.truncateToOffset(baseOffsetAt(position));
                if (timeIndexAgreesWithLog(dataEnd))
                {
                    start = position;
                    expectedOffset = baseOffsetAt(position);
                    offsetIndex.truncateToEntries(trusted); // re-added by the scan below
                }
            }
        }
        if (start == 0)
        {
            offsetIndex.reset();
            timeIndex.reset();
        }
        else
        {
            final int timeEntries = timeIndex.entries();
            if (timeEntries > 0)
            {
                MAX_TIMESTAMP.setRelease(this, timeIndex.timestampAt(timeEntries - 1));
                OFFSET_OF_MAX_TIMESTAMP.setRelease(this, timeIndex.offsetAt(timeEntries - 1));
            }
        }

        final int end = scanAndIndex(start, dataEnd, expectedOffset);
        COMMITTED_POSITION.setRelease(this, end);
        if (end < dataEnd)
        {
            cutFileAt(end);
        }
        if (!writable)
        {
            offsetIndex.trimToEntries();
            timeIndex.trimToEntries();
        }
    }

    /** The last time index entry names a batch that ends at its offset and carries its timestamp. */
    private boolean timeIndexAgreesWithLog(final int dataEnd)
    {
        final int entries = timeIndex.entries();
        if (entries == 0)
        {
            return true;
        }
        final long offset = timeIndex.offsetAt(entries - 1);
        final int position = findBatchPosition(offset, dataEnd);
        return position < dataEnd && lastOffsetAt(position) == offset &&
            maxTimestampAt(position) == timeIndex.timestampAt(entries - 1);
    }

    /** Validate and index batches from {@code start}; return the end of the last good batch. */
    private int scanAndIndex(final int start, final int dataEnd, final long expectedOffset)
    {
        final BatchValidator validator = new BatchValidator();
        int position = start;
        long next = expectedOffset;
        long maxTs = maxTimestamp;
        long offsetOfMaxTs = offsetOfMaxTimestamp;
        bytesSinceLastIndexEntry = start == 0 ? 0 : indexIntervalBytes + 1;
        while (position < dataEnd)
        {
            final int code = validator.validate(buffer, position, dataEnd, Integer.MAX_VALUE, false);
            if (code != 0 || baseOffsetAt(position) < next || (position == 0 && baseOffsetAt(position) < baseOffset))
            {
                break;
            }
            final int size = validator.lastBatchSize();
            final long lastOffset = lastOffsetAt(position);
            final long batchMaxTs = maxTimestampAt(position);
            if (batchMaxTs > maxTs)
            {
                maxTs = batchMaxTs;
                offsetOfMaxTs = lastOffset;
            }
            if (bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull())
            {
                offsetIndex.append(lastOffset, position);
                timeIndex.maybeAppend(maxTs, offsetOfMaxTs);
                bytesSinceLastIndexEntry = 0;
            }
            bytesSinceLastIndexEntry += size;
            next = lastOffset + 1;
            position += size;
        }
        MAX_TIMESTAMP.setRelease(this, maxTs);
        OFFSET_OF_MAX_TIMESTAMP.setRelease(this, offsetOfMaxTs);
        NEXT_OFFSET.setRelease(this, next);
        return position;
    }

    /** After a truncation, recompute the max timestamp and the bytes since the last index entry. */
    private void rescanTimestampsAndIndexTail()
    {
        final int entries = offsetIndex.entries();
        final int timeEntries = timeIndex.entries();
        MAX_TIMESTAMP.setRelease(this, timeEntries > 0 ? timeIndex.timestampAt(timeEntries - 1) : RecordBatch.NO_TIMESTAMP);
        OFFSET_OF_MAX_TIMESTAMP.setRelease(this, timeEntries > 0 ? timeIndex.offsetAt(timeEntries - 1) : -1L);
        final int limit = committedPosition;
        int position = entries > 0 ? offsetIndex.positionAt(entries - 1) : 0;
        long maxTs = maxTimestamp;
        long offsetOfMaxTs = offsetOfMaxTimestamp;
        bytesSinceLastIndexEntry = 0;
        while (position < limit)
        {
            final int size = batchSizeAt(position, limit);
            if (size < 0)
            {
                break;
            }
            if (maxTimestampAt(position) > maxTs)
            {
                maxTs = maxTimestampAt(position);
                offsetOfMaxTs = lastOffsetAt(position);
            }
            bytesSinceLastIndexEntry += size;
            position += size;
        }
        MAX_TIMESTAMP.setRelease(this, maxTs);
        OFFSET_OF_MAX_TIMESTAMP.setRelease(this, offsetOfMaxTs);
    }

    /**
     * Cut the file at {@code end}; an active segment's file is re-extended to its capacity, so the cut range reads as
     * zeros (a hole) rather than stale bytes.
     */
    private void cutFileAt(final int end) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(logFile.toFile(), "rw"))
        {
            raf.getChannel().truncate(end);
            if (writable && preallocated)
            {
                IoUtil.fill(raf.getChannel(), end, capacity - end, (byte)0);
            }
            else if (writable)
            {
                raf.setLength(capacity);
            }
        }
    }
}
