package io.ringlog.journal;

import io.ringlog.journal.epoch.LeaderEpochCache;
import io.ringlog.journal.segment.SegmentFiles;
import io.ringlog.journal.storage.DiskSpace;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk: appends answer {@link JournalStatus#STORAGE_FULL}, write nothing, and leave the log readable; a roll
 * that cannot get its space leaves the old segment active; once space is back, appends go on at the right offsets.
 * <p>
 * Two kinds of disk. A simulated one: a {@link DiskSpace} whose free bytes the test sets, against the journal's own
 * thresholds ({@code log.dir.reserve.bytes} + {@link PartitionLog#SPACE_CHECK_STEP} + the append for a sparse
 * segment; reserve + {@code segment.bytes} or the step, + two index files, for a new segment). And a real one: an
 * 8 MiB tmpfs mounted for the test, filled up for real, where a store into an unbacked page of a mapping raises
 * SIGBUS. The scenarios that could raise it run in a child JVM, so that a journal bug fails the test instead of
 * killing the test JVM.
 */
@Timeout(60)
class DiskFullTest
{
    private static final String TOPIC = "full";
    private static final long RESERVE = 1024 * 1024;
    private static final int SEGMENT_BYTES = 64 * 1024;
    private static final int INDEX_BYTES = 4096;
    private static final long PLENTY = Long.MAX_VALUE / 4;

    @TempDir
    Path dir;

    private final AtomicLong free = new AtomicLong(PLENTY);
    private final DiskSpace disk = d -> free.get();
    private final CachedEpochClock clock = new CachedEpochClock();
    private Path mountPoint;

    @AfterEach
    void unmountEvenOnFailure() throws Exception
    {
        if (mountPoint != null)
        {
            if (run("umount", mountPoint.toString()) != 0)
            {
                run("umount", "-l", mountPoint.toString());
            }
            mountPoint = null;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A simulated disk
    // ---------------------------------------------------------------------------------------------------------------

    /** The first append into a sparse segment asks for reserve + step + its length, to the byte. */
    @Test
    void appendToASparseSegmentNeedsTheReserveAndAStepOfFreeSpace() throws Exception
    {
        final UnsafeBuffer batch = batch(3, 100, 1);
        try (PartitionLog log = open(config(false)))
        {
            free.set(RESERVE + PartitionLog.SPACE_CHECK_STEP + batch.capacity() - 1);
            assertEquals(JournalStatus.STORAGE_FULL, TestBatches.append(log, batch, 1));
            assertEquals(0, log.logEndOffset());
            assertEmpty(log, 0);
            assertEquals(-1, log.latestEpoch(), "no epoch is recorded by a failed append");
            assertTrue(log.epochEntries().isEmpty());
            assertFalse(Files.exists(log.dir().resolve(LeaderEpochCache.FILE_NAME)) &&
                Files.readAllLines(log.dir().resolve(LeaderEpochCache.FILE_NAME)).size() > 2, "no epoch checkpointed");

            free.set(RESERVE + PartitionLog.SPACE_CHECK_STEP + batch.capacity());
            final AppendResult result = new AppendResult();
            assertEquals(JournalStatus.OK, log.appendAsLeader(batch, 0, batch.capacity(), 1, result));
            assertEquals(0, result.firstOffset());
            assertEquals(3, log.logEndOffset());
            assertEquals(1, log.latestEpoch());
        }
    }

    /**
     * Sparse segments: a roll that cannot get its space answers STORAGE_FULL, again and again, for a leader and a
     * follower, with or without a new epoch; the old segment stays active (not trimmed) and readable; no file is
     * created. Once space is back, the roll happens and offsets go on where they stopped.
     */
    @Test
    void rollWithoutSpaceLeavesTheOldSegmentActiveAndResumesWhenSpaceIsBack() throws Exception
    {
        rollWithoutSpace(false, RESERVE + PartitionLog.SPACE_CHECK_STEP + 2L * INDEX_BYTES);
    }

    /** The same with preallocated segments, whose roll needs room for a whole segment. */
    @Test
    void preallocatedRollWithoutSpaceLeavesTheOldSegmentActiveAndResumesWhenSpaceIsBack() throws Exception
    {
        rollWithoutSpace(true, RESERVE + SEGMENT_BYTES + 2L * INDEX_BYTES);
    }

    private void rollWithoutSpace(final boolean preallocate, final long rollNeeds) throws Exception
    {
        final List<byte[]> written = new ArrayList<>();
        try (PartitionLog log = open(config(preallocate)))
        {
            final UnsafeBuffer batch = batch(10, 500, 1); // about 5.2 KiB: 12 fit in a segment
            while (log.segmentBaseOffsets().length == 1)
            {
                final long before = log.logEndOffset();
                assertEquals(JournalStatus.OK, TestBatches.append(log, batch, 1));
                if (log.segmentBaseOffsets().length == 1)
                {
                    written.add(read(log, before));
                }
            }
            // Now in the second segment; fill it to just short of another roll.
            final long secondBase = log.segmentBaseOffsets()[1];
            written.add(read(log, secondBase));
            while (segmentRemaining(log) >= batch.capacity())
            {
                final long before = log.logEndOffset();
                assertEquals(JournalStatus.OK, TestBatches.append(log, batch, 1));
                written.add(read(log, before));
            }

            free.set(rollNeeds - 1);
            final long end = log.logEndOffset();
            final List<String> filesBefore = files(log.dir());
            final AppendResult result = new AppendResult();
            for (int attempt = 0; attempt < 3; attempt++)
            {
                assertEquals(JournalStatus.STORAGE_FULL, TestBatches.append(log, batch, 1), "roll without space");
                assertEquals(JournalStatus.STORAGE_FULL, TestBatches.append(log, batch, 7), "roll without space, new epoch");
                final UnsafeBuffer follower = batch(10, 500, 1);
                follower.putLong(0, end, io.ringlog.journal.batch.RecordBatch.BYTE_ORDER);
                assertEquals(JournalStatus.STORAGE_FULL, log.appendAsFollower(follower, 0, follower.capacity(), result),
                    "follower roll without space");
            }
            assertEquals(end, log.logEndOffset(), "nothing written");
            assertEquals(1, log.latestEpoch(), "no epoch recorded by failed appends");
            assertArrayEquals(new long[] {0, secondBase}, log.segmentBaseOffsets(), "the old segment stays active");
            assertEquals(filesBefore, files(log.dir()), "no file created or removed");
            assertEquals(SEGMENT_BYTES, Files.size(SegmentFiles.logFile(log.dir(), secondBase)), "the active segment is not trimmed");
            assertReadable(log, written);
            assertEmpty(log, end);

            free.set(rollNeeds);
            assertEquals(JournalStatus.OK, log.appendAsLeader(batch, 0, batch.capacity(), 7, result));
            assertEquals(end, result.firstOffset(), "offsets go on where they stopped");
            assertArrayEquals(new long[] {0, secondBase, end}, log.segmentBaseOffsets(), "rolled at the log end");
            assertEquals(end, result.segmentBaseOffset());
            written.add(read(log, end));
            for (int i = 0; i < 20; i++)
            {
                final long before = log.logEndOffset();
                assertEquals(JournalStatus.OK, TestBatches.append(log, batch, 7));
                written.add(read(log, before));
            }
            assertEquals(List.of("[1, 0]", "[7, " + end + "]"), log.epochEntries().stream().map(java.util.Arrays::toString).toList());
            assertReadable(log, written);
        }
        try (PartitionLog log = open(config(preallocate)))
        {
            assertReadable(log, written);
        }
    }

    /** Truncating fully needs a new segment: without space it answers STORAGE_FULL and keeps the log as it was. */
    @Test
    void truncateFullyWithoutSpaceKeepsTheLog() throws Exception
    {
        final List<byte[]> written = new ArrayList<>();
        try (PartitionLog log = open(config(false)))
        {
            for (int i = 0; i < 5; i++)
            {
                final long before = log.logEndOffset();
                assertEquals(JournalStatus.OK, TestBatches.append(log, batch(4, 50, i), 1));
                written.add(read(log, before));
            }
            free.set(0);
            assertEquals(JournalStatus.STORAGE_FULL, log.truncateFullyAndStartAt(1000));
            assertEquals(20, log.logEndOffset());
            assertEquals(0, log.logStartOffset());
            assertReadable(log, written);
        }
    }

    /** A log re-opened on a full disk is readable; appends answer STORAGE_FULL until space is back. */
    @Test
    void reopenedOnAFullDiskTheLogIsReadableAndRefusesAppends() throws Exception
    {
        final List<byte[]> written = new ArrayList<>();
        try (PartitionLog log = open(config(false)))
        {
            for (int i = 0; i < 30; i++)
            {
                final long before = log.logEndOffset();
                assertEquals(JournalStatus.OK, TestBatches.append(log, batch(5, 300, i), 1));
                written.add(read(log, before));
            }
        }
        free.set(0);
        final long end;
        try (PartitionLog log = open(config(false)))
        {
            end = log.logEndOffset();
            assertEquals(150, end);
            assertReadable(log, written);
            assertEquals(JournalStatus.STORAGE_FULL, TestBatches.append(log, batch(1, 10, 0), 2));
            assertEquals(end, log.logEndOffset());
            free.set(PLENTY);
            final AppendResult result = new AppendResult();
            final UnsafeBuffer more = batch(2, 10, 0);
            assertEquals(JournalStatus.OK, log.appendAsLeader(more, 0, more.capacity(), 2, result));
            assertEquals(end, result.firstOffset());
            written.add(read(log, end));
            assertReadable(log, written);
        }
    }

    /**
     * A preallocated log re-opened has its active segment re-extended to {@code segment.bytes}; the blocks trimmed
     * at close are not reserved again, so the tail is a hole. Appends into it must be checked against the free space
     * like those into a sparse segment; otherwise, on a full disk, the first store into the hole is a SIGBUS (see
     * {@link #reopenedPreallocatedSegmentOnAFullTmpfsDoesNotKillTheJvm}).
     */
    @Test
    void reopenedPreallocatedLogReservesItsTailAgain() throws Exception
    {
        try (PartitionLog log = open(config(true)))
        {
            assertEquals(JournalStatus.OK, TestBatches.append(log, batch(5, 300, 0), 1));
        }
        free.set(RESERVE);
        try (PartitionLog log = open(config(true)))
        {
            // Re-opening zero-filled the trimmed tail again (the real disk had room), so the blocks are reserved and
            // the append cannot fault, whatever the simulated free space says: no space check is needed.
            assertEquals(5, log.logEndOffset());
            assertEquals(JournalStatus.OK, TestBatches.append(log, batch(5, 300, 1), 1));
            assertEquals(10, log.logEndOffset());
        }
    }

    /**
     * Opening a new log maps a new segment, which needs the same space as a roll. Without it, open must not create
     * the segment (with {@code preallocate}, writing {@code segment.bytes} of zeros into the reserve).
     */
    @Test
    void openingANewLogWithoutSpaceForASegmentCreatesNoSegment() throws Exception
    {
        free.set(RESERVE);
        final IOException refused = assertThrows(IOException.class, () ->
        {
            try (PartitionLog log = open(config(true)))
            {
                fail("opened " + log + " with " + free.get() + " bytes free, a segment needs " +
                    (RESERVE + SEGMENT_BYTES + 2L * INDEX_BYTES) + "; files: " + files(log.dir()));
            }
        });
        assertTrue(refused.getMessage() != null, "the refusal says why");
        assertFalse(Files.exists(SegmentFiles.logFile(dir.resolve(TOPIC + "-0"), 0)), "no segment created");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A real, small tmpfs
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Fill an 8 MiB tmpfs (with 1 MiB of other data on it) with preallocated 1 MiB segments: the journal answers
     * STORAGE_FULL at the roll it has no room for, the log stays readable; after the other data is deleted the log
     * reopens, takes appends at the right offsets, and reopens again.
     */
    @Test
    void fillingASmallTmpfsAnswersStorageFullAndTheLogStaysReadable() throws Exception
    {
        final Path mount = mountTmpfs();
        final Path other = mount.resolve("other-data");
        Files.write(other, new byte[1024 * 1024]);
        final LogConfig config = LogConfig.builder()
            .preallocate(true)
            .segmentBytes(1024 * 1024)
            .segmentIndexBytes(64 * 1024)
            .reserveBytes(64 * 1024)
            .build();
        final List<byte[]> written = new ArrayList<>();
        final UnsafeBuffer batch = batch(8, 1000, 1); // about 8.3 KiB
        long end;
        try (PartitionLog log = PartitionLog.open(mount, TOPIC, 0, config))
        {
            int code = JournalStatus.OK;
            for (int i = 0; i < 2_000 && code == JournalStatus.OK; i++)
            {
                final long before = log.logEndOffset();
                code = TestBatches.append(log, batch, 1);
                if (code == JournalStatus.OK)
                {
                    written.add(read(log, before));
                }
            }
            assertEquals(JournalStatus.STORAGE_FULL, code, "the tmpfs filled up");
            assertTrue(log.segmentBaseOffsets().length >= 3, "segments: " + log.segmentBaseOffsets().length);
            end = log.logEndOffset();
            for (int i = 0; i < 5; i++)
            {
                assertEquals(JournalStatus.STORAGE_FULL, TestBatches.append(log, batch, 2));
            }
            assertEquals(end, log.logEndOffset());
            assertEquals(1, log.latestEpoch());
            assertReadable(log, written);
        }

        Files.delete(other);
        try (PartitionLog log = PartitionLog.open(mount, TOPIC, 0, config))
        {
            assertEquals(end, log.logEndOffset());
            assertReadable(log, written);
            final AppendResult result = new AppendResult();
            for (int i = 0; i < 100; i++) // the first one rolls
            {
                assertEquals(JournalStatus.OK, log.appendAsLeader(batch, 0, batch.capacity(), 2, result), "append " + i);
                assertEquals(end, result.firstOffset());
                written.add(read(log, end));
                end = log.logEndOffset();
            }
            assertReadable(log, written);
        }
        try (PartitionLog log = PartitionLog.open(mount, TOPIC, 0, config))
        {
            assertEquals(end, log.logEndOffset());
            assertReadable(log, written);
        }
    }

    /**
     * Other data (another partition, say) fills the tmpfs after a preallocated segment was created. The segment's
     * index files are pre-sized but not allocated, so every index entry written into a new page of them needs a
     * page the disk no longer has. The appends may succeed or answer STORAGE_FULL; the JVM must not die (SIGBUS) and
     * no append may throw.
     */
    @Test
    void otherDataFillingTheTmpfsAfterASegmentWasCreatedDoesNotKillTheJvm() throws Exception
    {
        assertChildSurvives("index-pages", mountTmpfs());
    }

    /**
     * A preallocated log is closed (its active segment trimmed), other data fills the tmpfs, the log is reopened
     * (the active segment re-extended as a hole) and appended to. The appends must answer STORAGE_FULL, not SIGBUS.
     */
    @Test
    void reopenedPreallocatedSegmentOnAFullTmpfsDoesNotKillTheJvm() throws Exception
    {
        assertChildSurvives("reopen-preallocated", mountTmpfs());
    }

    /** The scenarios that may raise SIGBUS, in a JVM of their own. */
    static final class Child
    {
        /** Appends answered OK so far: the fault of a store into an unbacked page is reported late (asynchronously). */
        private static volatile int appended;

        public static void main(final String[] args)
        {
            try
            {
                final Path mount = Path.of(args[1]);
                final String outcome = switch (args[0])
                {
                    case "index-pages" -> indexPages(mount);
                    case "reopen-preallocated" -> reopenPreallocated(mount);
                    default -> throw new IllegalArgumentException(args[0]);
                };
                System.out.println("SURVIVED: " + outcome);
                System.out.flush();
                System.exit(0);
            }
            catch (final Throwable t)
            {
                System.out.println("THREW after " + appended + " appends answered OK: " + t);
                t.printStackTrace(System.out);
                System.out.flush();
                System.exit(3);
            }
        }

        private static String indexPages(final Path mount) throws IOException
        {
            final LogConfig config = LogConfig.builder()
                .preallocate(true)
                .segmentBytes(1024 * 1024)
                .segmentIndexBytes(256 * 1024)
                .indexIntervalBytes(0) // an index entry per batch: a new index page every 341 to 512 batches
                .reserveBytes(0)
                .build();
            try (PartitionLog log = PartitionLog.open(mount, TOPIC, 0, config))
            {
                check(TestBatches.append(log, TestBatches.batch(Compression.NONE, 1, 1, 10), 1), "first append");
                final long filled = fill(mount.resolve("other-data"));
                final StringBuilder outcome = new StringBuilder("filled " + filled + " bytes of other data; ");
                return outcome.append(appendUntilRefused(log, 3_000, 1, 10)).toString();
            }
        }

        private static String reopenPreallocated(final Path mount) throws IOException
        {
            final LogConfig config = LogConfig.builder()
                .preallocate(true)
                .segmentBytes(2 * 1024 * 1024)
                .segmentIndexBytes(64 * 1024)
                .reserveBytes(0)
                .build();
            try (PartitionLog log = PartitionLog.open(mount, TOPIC, 0, config))
            {
                for (int i = 0; i < 10; i++)
                {
                    check(TestBatches.append(log, TestBatches.batch(Compression.NONE, 1_000L * i, 8, 1000), 1), "append " + i);
                }
            }
            final long filled = fill(mount.resolve("other-data"));
            try (PartitionLog log = PartitionLog.open(mount, TOPIC, 0, config))
            {
                return "filled " + filled + " bytes of other data; reopened at " + log.logEndOffset() + "; " +
                    appendUntilRefused(log, 300, 8, 1000);
            }
        }

        /** Append until an append is refused; STORAGE_FULL is the right refusal. */
        private static String appendUntilRefused(final PartitionLog log, final int max, final int records, final int valueSize)
        {
            for (int i = 0; i < max; i++)
            {
                final int code = TestBatches.append(log, TestBatches.batch(Compression.NONE, 10_000L + i, records, valueSize), 1);
                if (code == JournalStatus.OK)
                {
                    appended++;
                }
                else
                {
                    if (code != JournalStatus.STORAGE_FULL)
                    {
                        throw new AssertionError("append " + i + " answered " + JournalStatus.describe(code));
                    }
                    return i + " appends OK, then STORAGE_FULL";
                }
            }
            return max + " appends OK";
        }

        private static void check(final int code, final String what)
        {
            if (code != JournalStatus.OK)
            {
                throw new AssertionError(what + " answered " + JournalStatus.describe(code));
            }
        }

        /** Write a file until the file system is full; the bytes written. */
        private static long fill(final Path file)
        {
            long written = 0;
            final byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(file))
            {
                for (int size = chunk.length; size > 0; )
                {
                    try
                    {
                        out.write(chunk, 0, size);
                        out.flush();
                        written += size;
                    }
                    catch (final IOException full)
                    {
                        size /= 2; // fill the last pages too
                    }
                }
            }
            catch (final IOException ex)
            {
                // The close of a full file may fail: what was written stays.
            }
            return written;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private PartitionLog open(final LogConfig config) throws IOException
    {
        return PartitionLog.open(dir, TOPIC, 0, config, disk, clock);
    }

    private static LogConfig config(final boolean preallocate)
    {
        return LogConfig.builder()
            .preallocate(preallocate)
            .segmentBytes(SEGMENT_BYTES)
            .segmentIndexBytes(INDEX_BYTES)
            .indexIntervalBytes(256)
            .reserveBytes(RESERVE)
            .build();
    }

    private static UnsafeBuffer batch(final int records, final int valueSize, final int i)
    {
        return TestBatches.direct(TestBatches.batch(Compression.NONE, 1_000L * i, records, valueSize));
    }

    private static int segmentRemaining(final PartitionLog log) throws IOException
    {
        final long[] bases = log.segmentBaseOffsets();
        final LogSlice slice = new LogSlice();
        final long last = bases[bases.length - 1];
        long size = 0;
        for (long next = last; next < log.logEndOffset(); next = slice.nextOffset())
        {
            assertEquals(JournalStatus.OK, log.slice(next, Integer.MAX_VALUE, log.logEndOffset(), slice));
            size += slice.length();
        }
        return (int)(SEGMENT_BYTES - size);
    }

    /** The bytes of the batch at {@code offset}. */
    private static byte[] read(final PartitionLog log, final long offset)
    {
        final LogSlice slice = new LogSlice();
        assertEquals(JournalStatus.OK, log.slice(offset, 1, log.logEndOffset(), slice));
        assertEquals(offset, slice.baseOffset());
        final byte[] bytes = new byte[slice.length()];
        slice.buffer().getBytes(0, bytes);
        return bytes;
    }

    /** The log holds exactly these batches, in order, from offset 0. */
    private static void assertReadable(final PartitionLog log, final List<byte[]> batches)
    {
        final LogSlice slice = new LogSlice();
        long next = 0;
        for (final byte[] expected : batches)
        {
            assertEquals(JournalStatus.OK, log.slice(next, 1, log.logEndOffset(), slice), "slice(" + next + ")");
            assertEquals(next, slice.baseOffset());
            final byte[] read = new byte[slice.length()];
            slice.buffer().getBytes(0, read);
            assertArrayEquals(expected, read, "batch at " + next);
            next = slice.nextOffset();
        }
        assertEquals(log.logEndOffset(), next, "the log ends after the batches");
        assertEmpty(log, next);
    }

    private static void assertEmpty(final PartitionLog log, final long offset)
    {
        final LogSlice slice = new LogSlice();
        assertEquals(JournalStatus.OK, log.slice(offset, Integer.MAX_VALUE, Long.MAX_VALUE, slice));
        assertTrue(slice.isEmpty(), "nothing at " + offset + ": " + slice);
    }

    private static List<String> files(final Path dir) throws IOException
    {
        try (Stream<Path> list = Files.list(dir))
        {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Path mountTmpfs() throws Exception
    {
        final Path mount = Files.createDirectories(dir.resolve("tmpfs"));
        final boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here (needs root): the real-disk cases are skipped");
        mountPoint = mount;
        return mount;
    }

    private static int run(final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return -1;
        }
        if (process.exitValue() != 0)
        {
            System.err.println(String.join(" ", command) + ": " + output);
        }
        return process.exitValue();
    }

    /** Run a {@link Child} scenario in a JVM of its own, with the flags of this one; it must end normally. */
    private void assertChildSurvives(final String scenario, final Path mount) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < flags.size(); i++)
        {
            final String flag = flags.get(i);
            if (flag.equals("-ea") || flag.startsWith("--add-") || flag.startsWith("--enable-native-access") ||
                flag.startsWith("--sun-misc-unsafe-memory-access"))
            {
                command.add(flag);
                if (!flag.contains("=") && !flag.equals("-ea") && i + 1 < flags.size())
                {
                    command.add(flags.get(++i));
                }
            }
        }
        final Path errorFile = dir.resolve("hs_err_" + scenario + ".log");
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:ErrorFile=" + errorFile,
            "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
            Child.class.getName(), scenario, mount.toString()));
        final Process child = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(40, TimeUnit.SECONDS), "the child JVM did not finish");
        final int exit = child.exitValue();
        if (exit != 0 || !output.contains("SURVIVED"))
        {
            String crash = "";
            if (Files.exists(errorFile))
            {
                try (Stream<String> lines = Files.lines(errorFile))
                {
                    crash = "\n--- " + errorFile.getFileName() + " ---\n" + String.join("\n", lines.limit(12).toList());
                }
            }
            fail("scenario " + scenario + ": the child JVM exited with " + exit + "\n--- output ---\n" +
                tail(output, 40) + crash);
        }
        System.out.println("DiskFullTest " + scenario + ": " + output.trim());
    }

    private static String tail(final String text, final int lines)
    {
        final String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }
}
