package io.ringlog.client.reader;

import io.aeron.Aeron;
import io.ringlog.client.PartitionMetadata;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.TopicMetadata;
import io.ringlog.client.record.BatchReader;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.PartitionCounterKey;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads one partition on the broker's own host with no request, no system call and no copy per record: it maps the
 * journal's segment files read-only and reads whole batches up to the high watermark, which the broker publishes in
 * an Aeron counter in shared memory. Records are handed to a {@link RecordHandler} through one reused
 * {@link RecordView} over the mapped bytes.
 *
 * <h2>What makes reading the broker's files safe</h2>
 * The broker (the partition's single writer) copies batches into the active segment, then publishes, each with an
 * ordered (release) write, first the active segment's base offset and then the high watermark; when it rolls it
 * cuts the old segment's file to its written length before anything about the new segment is published. The reader
 * turns that into rules, in {@link #poll}:
 * <ol>
 *   <li>Read the high watermark (acquire), then the active segment's base (acquire). Every batch below the high
 *   watermark is then wholly written and visible: the writer's stores happen-before its release of either counter.
 *   The base read second is at least the base of the segment holding any offset below that watermark, since it was
 *   published before the watermark passed the offset.</li>
 *   <li>If the segment being read has the active base, the batch holding the next offset (below the watermark) is in
 *   it, at the reader's position: read on, batch by batch, never past a batch whose last offset reaches the
 *   watermark.</li>
 *   <li>Otherwise the segment is sealed and its file was cut before the broker moved on: learn its length once
 *   (one {@code fstat} per segment, {@link MappedSegment#seal}) and read to that length; never beyond it, because
 *   the mapping, made when the file still had its pre-sized length, now reaches past the end of the file, where a
 *   read would raise SIGBUS. At its end, go to the file named by the next offset (the roll created it with that
 *   base before publishing it).</li>
 *   <li>If that file is gone, retention deleted it: list the directory, jump to the first segment after the gap,
 *   and report the skipped range to the {@link OffsetGapHandler}. A segment deleted while the reader is in it stays
 *   readable: the mapping and the open file keep its data.</li>
 *   <li>A seek uses a segment's offset index only when the segment is sealed (its index was trimmed to whole entries
 *   and is never written again) and checks the batch it points at; in the active segment, whose index the writer is
 *   still filling without publishing its entry count to other processes, it scans batch headers from the start.</li>
 * </ol>
 * Segments are unmapped explicitly ({@code IoUtil.unmap}) when the reader leaves them and on {@link #close()}.
 * The log below the high watermark is assumed never rewritten, which holds for a leader (a follower that truncates
 * does so above the high watermark).
 *
 * <h2>Cost</h2>
 * Per poll with new data: two volatile counter reads. Per batch: a header read. Per record: the varint walk of
 * {@link BatchReader}. Per segment: an open, a map, one {@code fstat}, an unmap. Zero allocation per record
 * ({@code SameHostReaderTest}).
 *
 * <h2>Threads</h2>
 * Not thread-safe: one reader per thread. Built from a {@link RinglogClient} ({@link #open}), it reads the client's
 * Aeron counters: use it on the client's thread, and reopen it after the client reconnected to a restarted broker
 * ({@link #COUNTERS_CLOSED}).
 */
public final class SameHostReader implements AutoCloseable
{
    /** Start at the partition's first segment. */
    public static final long EARLIEST = -2;
    /** Start at the high watermark. */
    public static final long LATEST = -1;

    /** {@link #poll}: a compressed batch; {@link #compressionCodec()} names the codec. The position stays before it. */
    public static final int UNSUPPORTED_COMPRESSION = -1;
    /** {@link #poll}: a batch below the high watermark does not decode. The position stays before it. */
    public static final int CORRUPT_BATCH = -2;
    /** {@link #poll}: the counters are gone (the broker or its media driver stopped): open a new reader. */
    public static final int COUNTERS_CLOSED = -3;
    /** {@link #poll}: a segment file could not be opened or mapped; {@link #lastError()} says why. Retry later. */
    public static final int STORAGE_ERROR = -4;

    private final CountersReader counters;
    private final Aeron aeron;
    private final int highWatermarkCounterId;
    private final int segmentBaseCounterId;
    private final long highWatermarkRegistrationId;
    private final long segmentBaseRegistrationId;
    private final Path dir;
    private final RecordView view = new RecordView();
    private final BatchReader reader = new BatchReader(view);
    private final RecordHandler tracker = this::onRecord;
    private OffsetGapHandler gapHandler = (from, to) -> { };

    private MappedSegment segment;
    private long previousBase = -1;
    private int position;
    private long scanOffset;
    private long nextOffset;
    private long highWatermark;
    private long skipped;
    private int segmentsOpened;
    private RecordHandler handler;
    private IOException lastError;
    private boolean closed;

    /**
     * A reader over counters and files the caller names (a test writing a journal in-process does this).
     *
     * @param counters               where both counters live (the broker's media driver).
     * @param highWatermarkCounterId the partition's high-watermark counter.
     * @param segmentBaseCounterId   the partition's active-segment base-offset counter.
     * @param partitionDir           the partition's journal directory ({@code <log.dirs>/<topic>-<partition>}).
     * @param topic                  named in each {@link RecordView}.
     * @param partition              named in each {@link RecordView}.
     * @param fromOffset             the first offset to read, or {@link #EARLIEST} / {@link #LATEST}.
     */
    public SameHostReader(
        final CountersReader counters,
        final int highWatermarkCounterId,
        final int segmentBaseCounterId,
        final Path partitionDir,
        final String topic,
        final int partition,
        final long fromOffset)
    {
        this(counters, null, highWatermarkCounterId, segmentBaseCounterId, partitionDir, topic, partition, fromOffset);
    }

    private SameHostReader(
        final CountersReader counters,
        final Aeron aeron,
        final int highWatermarkCounterId,
        final int segmentBaseCounterId,
        final Path partitionDir,
        final String topic,
        final int partition,
        final long fromOffset)
    {
        if (counters.getCounterState(highWatermarkCounterId) != CountersReader.RECORD_ALLOCATED ||
            counters.getCounterState(segmentBaseCounterId) != CountersReader.RECORD_ALLOCATED)
        {
            throw new IllegalArgumentException("counters " + highWatermarkCounterId + " and " + segmentBaseCounterId +
                " must both be allocated");
        }
        this.counters = counters;
        this.aeron = aeron;
        this.highWatermarkCounterId = highWatermarkCounterId;
        this.segmentBaseCounterId = segmentBaseCounterId;
        this.highWatermarkRegistrationId = counters.getCounterRegistrationId(highWatermarkCounterId);
        this.segmentBaseRegistrationId = counters.getCounterRegistrationId(segmentBaseCounterId);
        this.dir = partitionDir;
        reader.source(topic, partition);
        seek(fromOffset);
    }

    /**
     * A reader for a partition of a broker on this host, from a connected client whose Aeron is attached to the
     * broker's media driver (IPC). The counters are the ones metadata names, checked against their type and key,
     * or found by type and key when metadata names none.
     *
     * @throws RinglogException for an unknown topic or partition, or counters not in this client's driver.
     */
    public static SameHostReader open(
        final RinglogClient client, final String topic, final int partition, final long fromOffset)
    {
        final TopicMetadata metadata = client.fetchMetadata(topic);
        if (partition < 0 || partition >= metadata.partitionCount())
        {
            throw new RinglogException(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION, topic + "-" + partition);
        }
        final PartitionMetadata p = metadata.partition(partition);
        final Aeron aeron = client.aeron();
        if (null == aeron || aeron.isClosed())
        {
            throw new RinglogException(NativeErrors.SESSION_CLOSED, "the client has no Aeron connected");
        }
        final CountersReader counters = aeron.countersReader();
        final int hw = resolve(counters, p.highWatermarkCounterId(), NativeProtocol.HIGH_WATERMARK_COUNTER_TYPE_ID,
            metadata, partition);
        final int base = resolve(counters, p.segmentBaseCounterId(), NativeProtocol.SEGMENT_BASE_COUNTER_TYPE_ID,
            metadata, partition);
        if (hw < 0 || base < 0 || null == p.logDir() || p.logDir().isEmpty())
        {
            throw new RinglogException(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION, topic + "-" + partition +
                " has no high-watermark / segment-base counter or journal directory in this client's media driver (" +
                client.context().aeronDirectoryName() + "): a same-host reader needs the broker's driver");
        }
        return new SameHostReader(counters, aeron, hw, base, Path.of(p.logDir()), metadata.name(), partition, fromOffset);
    }

    private static int resolve(
        final CountersReader counters, final int id, final int typeId, final TopicMetadata m, final int partition)
    {
        if (id >= 0 && PartitionCounterKey.matches(counters, id, typeId, m.topicIdMsb(), m.topicIdLsb(), partition))
        {
            return id;
        }
        return PartitionCounterKey.find(counters, typeId, m.topicIdMsb(), m.topicIdLsb(), partition);
    }

    /** Told of offsets skipped because their segments were deleted before they were read. */
    public SameHostReader gapHandler(final OffsetGapHandler handler)
    {
        this.gapHandler = null == handler ? (from, to) -> { } : handler;
        return this;
    }

    /**
     * Deliver up to {@code limit} records below the high watermark from the position on.
     *
     * @return records delivered (0 when there is nothing new), or a negative code: {@link #UNSUPPORTED_COMPRESSION},
     * {@link #CORRUPT_BATCH}, {@link #COUNTERS_CLOSED}, {@link #STORAGE_ERROR}.
     * @throws RuntimeException what the handler threw; the record that threw is delivered again by the next poll.
     */
    public int poll(final RecordHandler handler, final int limit)
    {
        if (closed)
        {
            return COUNTERS_CLOSED;
        }
        if (null != aeron && aeron.isClosed())
        {
            return COUNTERS_CLOSED; // the CnC file is unmapped: reading its counters would fault
        }
        final long hw = counters.getCounterValue(highWatermarkCounterId); // acquire: batches below it are visible
        highWatermark = hw;
        if (nextOffset >= hw)
        {
            return countersAlive() ? 0 : COUNTERS_CLOSED;
        }
        final long activeBase = counters.getCounterValue(segmentBaseCounterId); // acquire, after the watermark

        this.handler = handler;
        int delivered = 0;
        try
        {
            while (delivered < limit && scanOffset < hw)
            {
                if (null == segment && !openSegmentHolding(scanOffset, activeBase))
                {
                    return null != lastError ? STORAGE_ERROR : delivered;
                }
                final MappedSegment s = segment;
                if (!s.isSealed() && s.baseOffset != activeBase)
                {
                    s.seal(); // rule 3: cut to its written length before the broker published a later base
                }
                final int size = s.batchSizeAt(position);
                if (size < 0)
                {
                    if (s.isSealed())
                    {
                        leaveSegment(); // its end: the next offset's segment comes next
                        continue;
                    }
                    return CORRUPT_BATCH; // the active segment must hold the batch below the watermark here
                }
                if (s.lastOffsetAt(position) >= hw)
                {
                    break; // the watermark is inside this batch: wait for the rest of it
                }
                final int result = reader.read(s.buffer, position, nextOffset, limit - delivered, tracker);
                if (result < 0)
                {
                    return result == BatchReader.UNSUPPORTED_COMPRESSION ? UNSUPPORTED_COMPRESSION : CORRUPT_BATCH;
                }
                delivered += result;
                if (!reader.isComplete())
                {
                    break;
                }
                position += size;
                scanOffset = s.lastOffsetAt(position - size) + 1;
                if (scanOffset > nextOffset)
                {
                    nextOffset = scanOffset;
                }
            }
        }
        catch (final IOException ex)
        {
            lastError = ex;
            return STORAGE_ERROR;
        }
        finally
        {
            this.handler = null;
        }
        return delivered;
    }

    private void onRecord(final RecordView record)
    {
        handler.onRecord(record);
        nextOffset = record.offset() + 1;
    }

    private boolean countersAlive()
    {
        return counters.getCounterState(highWatermarkCounterId) == CountersReader.RECORD_ALLOCATED &&
            counters.getCounterRegistrationId(highWatermarkCounterId) == highWatermarkRegistrationId &&
            counters.getCounterState(segmentBaseCounterId) == CountersReader.RECORD_ALLOCATED &&
            counters.getCounterRegistrationId(segmentBaseCounterId) == segmentBaseRegistrationId;
    }

    /**
     * Map the segment holding {@code offset}: the file named by it when there is one (the next segment after a
     * roll), else the directory's floor segment; when the offset's segments were deleted, the first one after the
     * gap, reporting the gap.
     *
     * @return true when a segment is mapped; false to try again later (lastError set on an I/O error).
     */
    private boolean openSegmentHolding(final long offset, final long activeBase) throws IOException
    {
        lastError = null;
        MappedSegment opened = MappedSegment.open(dir, offset);
        int startPosition = 0;
        long startOffset = offset;
        if (null == opened)
        {
            final long[] bases = SegmentDirectory.bases(dir);
            // The floor segment holds the offset, unless it is the one just finished (then the offset's own
            // segment is gone and the next one after the gap is where reading goes on).
            final long floor = SegmentDirectory.floor(bases, offset);
            final long base = floor >= 0 && floor > previousBase ? floor : SegmentDirectory.higher(bases, offset);
            if (base < 0)
            {
                return false;
            }
            opened = MappedSegment.open(dir, base);
            if (null == opened)
            {
                return false; // deleted between the listing and the open: list again on the next poll
            }
            if (base > offset)
            {
                reportGap(offset, base);
                startOffset = base;
            }
            else
            {
                startOffset = base;
                if (base != activeBase && base < activeBase)
                {
                    opened.seal();
                    startPosition = indexedStart(opened, offset);
                    if (startPosition > 0)
                    {
                        startOffset = opened.baseOffsetAt(startPosition);
                    }
                }
            }
        }
        segment = opened;
        segmentsOpened++;
        position = startPosition;
        scanOffset = startOffset;
        return true;
    }

    /** Rule 5: a sealed segment's index narrows the scan; the batch it names must exist and not be past the target. */
    private int indexedStart(final MappedSegment s, final long target)
    {
        final int p = SegmentDirectory.indexPosition(dir, s.baseOffset, target);
        if (p <= 0 || s.batchSizeAt(p) < 0)
        {
            return 0;
        }
        final long base = s.baseOffsetAt(p);
        return base >= s.baseOffset && base <= target ? p : 0;
    }

    private void reportGap(final long from, final long to)
    {
        final long start = Math.max(from, nextOffset);
        if (to > start)
        {
            skipped += to - start;
            nextOffset = to;
            gapHandler.onGap(start, to);
        }
    }

    private void leaveSegment()
    {
        if (null != segment)
        {
            previousBase = segment.baseOffset;
            segment.close();
            segment = null;
        }
    }

    /**
     * Move the position: to an offset, or to {@link #EARLIEST} (the first segment) or {@link #LATEST} (the high
     * watermark now). The segment is found when there is something to read from it.
     */
    public void seek(final long offset)
    {
        leaveSegment();
        previousBase = -1;
        final long target;
        if (offset == LATEST)
        {
            target = counters.getCounterValue(highWatermarkCounterId);
        }
        else if (offset == EARLIEST || offset < 0)
        {
            target = earliestBase();
        }
        else
        {
            target = offset;
        }
        nextOffset = target;
        scanOffset = target;
    }

    private long earliestBase()
    {
        try
        {
            final long[] bases = SegmentDirectory.bases(dir);
            return bases.length == 0 ? 0 : bases[0];
        }
        catch (final IOException ex)
        {
            lastError = ex;
            return 0;
        }
    }

    /** The next offset {@link #poll} will deliver. */
    public long position()
    {
        return nextOffset;
    }

    /** The high watermark as read by the last poll. */
    public long highWatermark()
    {
        return highWatermark;
    }

    /** Offsets skipped over gaps so far. */
    public long skippedOffsets()
    {
        return skipped;
    }

    /** Segments mapped so far. */
    public int segmentsOpened()
    {
        return segmentsOpened;
    }

    /** After {@link #UNSUPPORTED_COMPRESSION}: the codec's name. */
    public String compressionCodec()
    {
        return reader.compressionCodec();
    }

    /** After {@link #STORAGE_ERROR}: why. */
    public IOException lastError()
    {
        return lastError;
    }

    /** Unmap the current segment. Idempotent. */
    @Override
    public void close()
    {
        leaveSegment();
        closed = true;
    }
}
