package io.ringlog.tools.journal;

import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.batch.BatchValidator;
import io.ringlog.journal.batch.Crc32cChecksum;
import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.batch.RecordCursor;
import io.ringlog.journal.segment.SegmentFiles;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Walks the batches of one segment file ({@code NNNNNNNNNNNNNNNNNNNN.log}) straight from the disk, read-only, with
 * the journal's own flyweight and validator, and says where anything is wrong: the file position of the bad bytes
 * and the offset they belong to.
 * <p>
 * What it checks per batch: a header that fits the file, magic 2, the CRC32C over attributes..end (and, when it does
 * not match, which single byte would explain it, by {@link CrcLocator}), the records against the header's count
 * (uncompressed batches), the base offset against the previous batch's end (the base offset lies outside the CRC, so
 * this is the only check that catches a corrupt byte there), and the leader epoch (also outside the CRC) against
 * the partition's leader-epoch-checkpoint. After the last batch the file must hold only zeros (an active segment
 * is pre-sized; a cleanly closed one is cut to its data).
 * <p>
 * The file is mapped read-only and unmapped on {@link #close}. On a running broker the active segment's last batch
 * may be mid-write; scan a stopped broker's files for a definitive answer. Not thread-safe.
 */
final class SegmentScanner implements AutoCloseable
{
    /** What a scan reports, in file order. */
    interface Visitor
    {
        /**
         * A batch whose header fits the file; {@code intact} is false when a problem was reported for it.
         * {@code first} and {@code last} are its offsets as the chain of batches says (its own base offset may be
         * the corrupt byte).
         */
        void batch(int position, RecordBatch batch, long first, long last, boolean intact);

        /** Something wrong at {@code position} of the file; {@code where} names the offset(s) concerned. */
        void problem(int position, String where, String message);
    }

    private final Path file;
    private final long fileBaseOffset;
    private final int size;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
    private final RecordBatch batch = new RecordBatch();
    private final BatchValidator validator = new BatchValidator();
    private final Crc32cChecksum crc = new Crc32cChecksum();
    private final RecordCursor cursor = new RecordCursor();
    private int dataEnd;

    private SegmentScanner(final Path file) throws IOException
    {
        this.file = file;
        this.fileBaseOffset = SegmentFiles.parseLogFileName(file.getFileName().toString());
        channel = FileChannel.open(file, StandardOpenOption.READ);
        final long length = channel.size();
        if (length > Integer.MAX_VALUE)
        {
            channel.close();
            throw new IOException(file + " is larger than a segment can be (" + length + " bytes)");
        }
        size = (int)length;
        mapped = size == 0 ? null : channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        if (mapped != null)
        {
            buffer.wrap(mapped);
        }
    }

    static SegmentScanner open(final Path file) throws IOException
    {
        return new SegmentScanner(file);
    }

    Path file()
    {
        return file;
    }

    /** The base offset in the file's name, or -1 when the name is not a segment's. */
    long fileBaseOffset()
    {
        return fileBaseOffset;
    }

    int size()
    {
        return size;
    }

    /** Where the data ends after {@link #scan}: the first byte that is not part of a readable batch. */
    int dataEnd()
    {
        return dataEnd;
    }

    /** The batch at {@code position} as a read-only byte buffer, e.g. for kafka-clients' record decoding. */
    ByteBuffer batchBytes(final int position, final int length)
    {
        return mapped.duplicate().position(position).limit(position + length).slice().asReadOnlyBuffer();
    }

    /**
     * Walk every batch.
     *
     * @param expectedFirst the base offset the first batch must have, or -1 when unknown.
     * @param epochs        the partition's epochs, to check each batch's leader epoch against.
     * @return the offset after the last batch read (from the chain of offsets, so one corrupt base offset does not
     * shift every later expectation), or {@code expectedFirst} when there is none.
     */
    long scan(final long expectedFirst, final EpochHistory epochs, final Visitor visitor)
    {
        long expected = expectedFirst;
        int lastEpoch = Integer.MIN_VALUE;
        int position = 0;
        while (position < size)
        {
            final int remaining = size - position;
            if (remaining < RecordBatch.LOG_OVERHEAD ||
                (buffer.getLong(position) == 0 && buffer.getInt(position + RecordBatch.BATCH_LENGTH_OFFSET) == 0))
            {
                dataEnd = position;
                final int nonZero = firstNonZero(position);
                if (nonZero >= 0)
                {
                    visitor.problem(nonZero, offsets(expected, expected),
                        "non-zero bytes after the end of the data at position " + position +
                        " (a torn write, or a batch header zeroed by corruption)");
                }
                return expected;
            }

            batch.wrap(buffer, position);
            final int length = batch.batchLength();
            if (length < RecordBatch.HEADER_LENGTH - RecordBatch.LOG_OVERHEAD ||
                length > remaining - RecordBatch.LOG_OVERHEAD)
            {
                dataEnd = position;
                visitor.problem(position + RecordBatch.BATCH_LENGTH_OFFSET, offsets(expected, expected),
                    "batch length " + length + " does not fit (" + remaining + " bytes left from position " +
                    position + "): the batch header is corrupt or cut, the " + remaining +
                    " bytes from here on cannot be read");
                return expected;
            }

            final long base = batch.baseOffset();
            final long chainBase = expected >= 0 ? expected : base;
            final long last = chainBase + Math.max(0, batch.lastOffsetDelta());
            boolean intact = true;
            if (expected >= 0 && base != expected)
            {
                intact = false;
                visitor.problem(position + differingByte(expected, base, Long.BYTES), offsets(chainBase, last),
                    "base offset " + base + " where " + expected + " follows the previous batch " +
                    "(baseOffset is outside the CRC: a corrupt byte there shows only here)");
            }
            intact &= checkEpoch(position, chainBase, last, epochs, lastEpoch, visitor);
            lastEpoch = Math.max(lastEpoch, batch.partitionLeaderEpoch());
            intact &= checkContent(position, chainBase, last, visitor);
            visitor.batch(position, batch, chainBase, last, intact);

            expected = last + 1;
            position += length + RecordBatch.LOG_OVERHEAD;
        }
        dataEnd = position;
        return expected;
    }

    private boolean checkEpoch(
        final int position,
        final long base,
        final long last,
        final EpochHistory epochs,
        final int previous,
        final Visitor visitor)
    {
        final int epoch = batch.partitionLeaderEpoch();
        final long expected = epochs.epochAt(base);
        if (expected != EpochHistory.UNKNOWN && epoch != expected)
        {
            visitor.problem(position + RecordBatch.PARTITION_LEADER_EPOCH_OFFSET + differingByte(expected, epoch, 4),
                offsets(base, last), "leader epoch " + epoch + " where leader-epoch-checkpoint says " + expected +
                " (partitionLeaderEpoch is outside the CRC)");
            return false;
        }
        if (expected == EpochHistory.UNKNOWN && epoch < previous)
        {
            visitor.problem(position + RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, offsets(base, last),
                "leader epoch " + epoch + " is below the previous batch's " + previous);
            return false;
        }
        return true;
    }

    private boolean checkContent(final int position, final long base, final long last, final Visitor visitor)
    {
        if (batch.magic() != RecordBatch.MAGIC_V2)
        {
            visitor.problem(position + RecordBatch.MAGIC_OFFSET, offsets(base, last),
                "magic " + batch.magic() + " where 2 (RecordBatch v2) is the only format");
            return false;
        }
        final int status = validator.validate(buffer, position, size, Integer.MAX_VALUE, false);
        if (status == JournalStatus.OK)
        {
            return true;
        }
        final int covered = batch.sizeInBytes() - RecordBatch.CRC_COVERED_FROM;
        final int stored = (int)batch.crc();
        final int actual = crc.compute(buffer, position + RecordBatch.CRC_COVERED_FROM, covered);
        if (stored != actual)
        {
            reportCrc(position, base, last, covered, stored, actual, visitor);
        }
        else
        {
            visitor.problem(position + RecordBatch.RECORDS_OFFSET, offsets(base, last),
                "the records do not match the header (count " + batch.recordCount() + ", last offset delta " +
                batch.lastOffsetDelta() + ") though the CRC does: written wrong, not corrupted on disk");
        }
        return false;
    }

    private void reportCrc(
        final int position,
        final long base,
        final long last,
        final int covered,
        final int stored,
        final int actual,
        final Visitor visitor)
    {
        final String crcs = String.format("stored CRC 0x%08x, computed 0x%08x", stored, actual);
        final long located = CrcLocator.locate(covered, stored, actual);
        if (located >= 0)
        {
            final int at = position + RecordBatch.CRC_COVERED_FROM + (int)(located >>> 8);
            final int xor = (int)(located & 0xFF);
            final long offset = recordOffsetAt(position, base, at);
            visitor.problem(at, offset >= 0 ? "offset " + offset : offsets(base, last),
                String.format("CRC mismatch (%s): exactly one changed byte explains it, this one " +
                "(now 0x%02x, was 0x%02x)", crcs, buffer.getByte(at) & 0xFF, (buffer.getByte(at) ^ xor) & 0xFF));
            return;
        }
        final int diff = stored ^ actual;
        if (isOneByte(diff))
        {
            final int byteInField = 3 - Integer.numberOfTrailingZeros(diff) / 8;
            visitor.problem(position + RecordBatch.CRC_OFFSET + byteInField, offsets(base, last),
                "CRC mismatch (" + crcs + "): the stored CRC itself differs from the data's in one byte, this one");
            return;
        }
        visitor.problem(position + RecordBatch.CRC_COVERED_FROM, offsets(base, last),
            "CRC mismatch (" + crcs + "): more than one byte changed somewhere in positions " +
            (position + RecordBatch.CRC_COVERED_FROM) + ".." + (position + batch.sizeInBytes() - 1));
    }

    private static boolean isOneByte(final int diff)
    {
        for (int shift = 0; shift < 32; shift += 8)
        {
            if ((diff & ~(0xFF << shift)) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /** The offset of the record holding file position {@code at}, or -1 when the records cannot be walked to it. */
    private long recordOffsetAt(final int position, final long base, final int at)
    {
        final int recordsStart = position + RecordBatch.RECORDS_OFFSET;
        if (batch.isCompressed() || at < recordsStart)
        {
            return -1;
        }
        cursor.wrap(buffer, recordsStart, position + batch.sizeInBytes());
        int start = recordsStart;
        while (cursor.next())
        {
            if (at < cursor.position())
            {
                return at >= start ? base + cursor.offsetDelta() : -1;
            }
            start = cursor.position();
        }
        return -1;
    }

    /**
     * The first non-zero byte at or after {@code from}, or -1. An active segment is pre-sized (1 GiB by default) and
     * its tail reads as zero pages, so this goes eight bytes at a time: about 0.1 s per GiB here.
     */
    private int firstNonZero(final int from)
    {
        int i = from;
        for (; i < size && (i & 7) != 0; i++)
        {
            if (buffer.getByte(i) != 0)
            {
                return i;
            }
        }
        for (; i <= size - Long.BYTES; i += Long.BYTES)
        {
            if (buffer.getLong(i) != 0)
            {
                break;
            }
        }
        for (; i < size; i++)
        {
            if (buffer.getByte(i) != 0)
            {
                return i;
            }
        }
        return -1;
    }

    /** Index (big-endian, from 0) of the first byte where two {@code width}-byte numbers differ. */
    private static int differingByte(final long a, final long b, final int width)
    {
        final long diff = a ^ b;
        return diff == 0 ? 0 : (Long.numberOfLeadingZeros(diff) - (64 - width * 8)) / 8;
    }

    static String offsets(final long first, final long last)
    {
        if (first < 0)
        {
            return "offset unknown";
        }
        return first == last ? "offset " + first : "offsets " + first + ".." + last;
    }

    @Override
    public void close() throws IOException
    {
        if (mapped != null)
        {
            IoUtil.unmap(mapped);
        }
        channel.close();
    }
}
