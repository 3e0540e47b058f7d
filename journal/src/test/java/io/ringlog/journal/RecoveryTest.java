package io.ringlog.journal;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.epoch.LeaderEpochCache;
import io.ringlog.journal.segment.SegmentFiles;
import io.ringlog.journal.storage.DiskSpace;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash recovery, batch by batch. A log of a few dozen batches of varied sizes (some compressed) is written with a
 * small {@code index.interval.bytes}, and its files are copied while it is still open: that copy is what a kill -9
 * leaves (the mapped pages are in the page cache, and the active {@code .log} is pre-sized with zeros after its
 * data). The copy is then damaged on purpose (torn at every byte of the last batches, garbage after the last batch,
 * a stale or CRC-broken batch, missing or corrupt indexes, a corrupt batch in an older segment) and re-opened.
 * <p>
 * The rule every case checks: exactly the batches before the first damaged byte survive (Kafka's rule, also for an
 * older segment: everything after the first bad batch is dropped); each is readable at every one of its offsets with
 * the bytes it had; the last segment's file is cut right after them (zeros beyond); the leader epoch checkpoint holds
 * no epoch that starts at or past the recovered end; appends continue at the recovered end; a second reopen is
 * stable.
 * <p>
 * Failures are collected over all the cases of a test and reported together, so that one bug does not hide another.
 */
@Timeout(60)
class RecoveryTest
{
    private static final String TOPIC = "crash";
    private static final int PARTITION = 0;
    private static final String PARTITION_DIR = TOPIC + "-" + PARTITION;
    private static final int NEW_EPOCH = 99;
    private static final long AFTER_RECOVERY_TIMESTAMP = 9_000_000_000L;
    private static final int MIN_IN_LAST_SEGMENT = 8;
    private static final String[] CODECS = {"none", "none", "none", "gzip", "lz4", "snappy", "zstd"};

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    private int caseCounter;

    // ---------------------------------------------------------------------------------------------------------------
    // Tests
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void aCleanlyClosedLogReopensWhole() throws Exception
    {
        final Image image = write("clean", config(64 * 1024), varied(30, 1));
        final Cases cases = new Cases();
        cases.run("the crash copy, undamaged", () -> assertRecovered(image, image.files, true));
        cases.run("the cleanly closed original", () ->
        {
            try (PartitionLog log = open(image.root, image.config))
            {
                assertEquals(image.batches.get(image.batches.size() - 1).lastOffset + 1, log.logEndOffset());
                assertReadable(log, image.batches, "clean");
            }
        });
        cases.assertAllPassed();
    }

    /**
     * (a) The last segment's {@code .log} torn at every byte position inside its last three batches: either the file
     * itself is shorter, or (as after a kill -9 of a pre-sized, mapped file) it keeps its length with zeros from the
     * tear on.
     */
    @Test
    void tornTailAtEveryBytePositionOfTheLastThreeBatches() throws Exception
    {
        final List<Spec> specs = varied(33, 2);
        specs.add(new Spec("none", 1, 3, 3));   // about 75 bytes
        specs.add(new Spec("gzip", 4, 20, 4));  // a compressed batch, a new epoch
        specs.add(new Spec("none", 2, 30, 5));  // another new epoch
        final Image image = write("torn", config(64 * 1024), specs);
        assertEquals(1, image.segmentBases.length, "one segment");

        final Stored firstOfTail = image.batches.get(image.batches.size() - 3);
        final int dataEnd = image.dataEnd(image.lastSegment());
        final String logName = firstOfTail.logName();
        final Cases cases = new Cases();
        for (int cut = firstOfTail.position; cut <= dataEnd; cut++)
        {
            final int at = cut;
            final boolean full = (cut - firstOfTail.position) % 9 == 0 || cut == dataEnd;
            cases.run("file cut at " + at, () -> assertRecovered(image, image.with(logName, f -> Arrays.copyOf(f, at)), full));
            cases.run("zeros from " + at, () -> assertRecovered(image, image.with(logName, f -> zeroFrom(f, at, dataEnd)), full));
        }
        cases.assertAllPassed();
    }

    /** (a) again, over several segments: tears at a stride over the whole last segment, and an emptied last segment. */
    @Test
    void tornTailOfTheLastOfSeveralSegments() throws Exception
    {
        final Image image = write("torn-segments", config(4096), varied(60, 3));
        assertTrue(image.segmentBases.length >= 4, "several segments: " + Arrays.toString(image.segmentBases));

        final long last = image.lastSegment();
        final String logName = logName(last);
        final int dataEnd = image.dataEnd(last);
        final Cases cases = new Cases();
        for (int cut = 0; cut <= dataEnd; cut += 13)
        {
            final int at = cut;
            final boolean full = cut % 4 == 0;
            cases.run("file cut at " + at, () -> assertRecovered(image, image.with(logName, f -> Arrays.copyOf(f, at)), full));
            cases.run("zeros from " + at, () -> assertRecovered(image, image.with(logName, f -> zeroFrom(f, at, dataEnd)), full));
        }
        cases.run("file cut at the end of the data", () ->
            assertRecovered(image, image.with(logName, f -> Arrays.copyOf(f, dataEnd)), true));
        cases.assertAllPassed();
    }

    /**
     * (b) The tail after the last complete batch overwritten, both right after the last batch (in the zeroed,
     * pre-sized space) and over the last batch itself: garbage, a header that looks right with a wrong CRC, a stale
     * copy of an earlier batch at its old offset or at an overlapping offset, and a copy of a batch at the right
     * offset with one byte flipped (at every byte of its header but for the base offset and epoch, which the CRC does
     * not cover, and at every fifth byte of its records).
     */
    @Test
    void garbageAfterTheLastCompleteBatchIsCut() throws Exception
    {
        final Image image = write("garbage", config(64 * 1024), varied(36, 4));
        final Stored last = image.batches.get(image.batches.size() - 1);
        final Stored previous = image.batches.get(image.batches.size() - 2);
        final Stored first = image.batches.get(0);
        final String logName = last.logName();
        final Cases cases = new Cases();

        for (final int at : new int[] {last.end(), last.position})
        {
            final String where = at == last.end() ? "after the last batch" : "over the last batch";
            final long nextOffset = at == last.end() ? last.lastOffset + 1 : last.baseOffset;
            for (final int length : new int[] {1, 11, 12, 61, 300, 2000})
            {
                for (int seed = 0; seed < 3; seed++)
                {
                    final byte[] garbage = randomBytes(length, 31L * length + seed);
                    final boolean full = seed == 0;
                    cases.run(where + ": " + length + " random bytes, seed " + seed,
                        () -> assertRecovered(image, image.with(logName, f -> overwrite(f, at, garbage)), full));
                }
            }
            cases.run(where + ": a header with a plausible length and a wrong CRC", () ->
            {
                final byte[] fake = first.bytes.clone();
                final ByteBuffer b = ByteBuffer.wrap(fake);
                b.putLong(0, nextOffset);
                b.putInt(17, b.getInt(17) ^ 0x5A5A5A5A);
                assertRecovered(image, image.with(logName, f -> overwrite(f, at, fake)), true);
            });
            cases.run(where + ": a stale copy of the first batch at its old offset", () ->
                assertRecovered(image, image.with(logName, f -> overwrite(f, at, first.bytes)), true));
            cases.run(where + ": a stale copy of the previous batch at its old offset", () ->
                assertRecovered(image, image.with(logName, f -> overwrite(f, at, previous.bytes)), true));
            cases.run(where + ": a copy of the first batch stamped to overlap the log", () ->
            {
                final byte[] stale = first.bytes.clone();
                ByteBuffer.wrap(stale).putLong(0, nextOffset - 1);
                assertRecovered(image, image.with(logName, f -> overwrite(f, at, stale)), true);
            });
            final Stored model = at == last.end() ? previous : last;
            for (int i = 8; i < model.size(); i += i < RecordBatch.HEADER_LENGTH ? 1 : 5)
            {
                if (i >= 12 && i < 16)
                {
                    continue; // the partition leader epoch lies outside the CRC
                }
                final int flipped = i;
                cases.run(where + ": a batch at the right offset with byte " + i + " flipped", () ->
                {
                    final byte[] bad = model.bytes.clone();
                    ByteBuffer.wrap(bad).putLong(0, nextOffset);
                    bad[flipped] ^= 0x10;
                    assertRecovered(image, image.with(logName, f -> overwrite(f, at, bad)), flipped % 16 == 0);
                });
            }
        }
        cases.assertAllPassed();
    }

    /** (c) Missing index files are rebuilt, for the active segment and for older ones, alone or with a torn tail. */
    @Test
    void missingIndexesAreRebuilt() throws Exception
    {
        final Image image = write("no-index", config(4096), varied(60, 5));
        final long last = image.lastSegment();
        final long middle = image.segmentBases[image.segmentBases.length / 2];
        final Cases cases = new Cases();
        for (final long base : new long[] {last, middle, image.segmentBases[0]})
        {
            final String which = base == last ? "the active segment" : "older segment " + base;
            final String index = indexName(base);
            final String timeIndex = timeIndexName(base);
            cases.run(which + ": .index deleted", () -> assertRecovered(image, image.without(index), true));
            cases.run(which + ": .timeindex deleted", () -> assertRecovered(image, image.without(timeIndex), true));
            cases.run(which + ": both deleted", () -> assertRecovered(image, image.without(index, timeIndex), true));
        }
        cases.run("every index deleted", () ->
        {
            final List<String> all = new ArrayList<>();
            for (final long base : image.segmentBases)
            {
                all.add(indexName(base));
                all.add(timeIndexName(base));
            }
            assertRecovered(image, image.without(all.toArray(new String[0])), true);
        });
        final Stored lastBatch = image.batches.get(image.batches.size() - 1);
        cases.run("active segment's indexes deleted and its last batch torn", () ->
        {
            final Map<String, byte[]> damaged = image.without(indexName(last), timeIndexName(last));
            damaged.put(lastBatch.logName(), Arrays.copyOf(damaged.get(lastBatch.logName()), lastBatch.end() - 1));
            assertRecovered(image, damaged, true);
        });
        cases.run("index files are rebuilt with entries", () ->
        {
            final Map<String, byte[]> damaged = image.without(indexName(middle), timeIndexName(middle));
            final Path root = materialize(damaged);
            try (PartitionLog log = open(root, image.config))
            {
                assertReadable(log, image.batches, "rebuilt");
            }
            final Path dir = root.resolve(PARTITION_DIR);
            assertTrue(Files.size(dir.resolve(indexName(middle))) >= 16,
                "the rebuilt offset index of a segment of " + image.dataEnd(middle) + " bytes has entries");
            assertTrue(Files.size(dir.resolve(timeIndexName(middle))) >= 12, "the rebuilt time index has entries");
            deleteTree(root);
        });
        cases.assertAllPassed();
    }

    /**
     * (d) Corrupt index files: garbage, the last or a middle entry pointing past the end of the data, a negative or
     * misaligned position, a file cut to a length that is not a multiple of the entry size or to nothing, and a time
     * index with garbage or an absurd timestamp. Every batch survives and every offset and timestamp is found.
     */
    @Test
    void corruptIndexesAreNotTrusted() throws Exception
    {
        final Image image = write("bad-index", config(4096), varied(60, 6));
        final long last = image.lastSegment();
        final long middle = image.segmentBases[image.segmentBases.length / 2];
        final Cases cases = new Cases();
        for (final long base : new long[] {last, middle})
        {
            final String which = base == last ? "the active segment" : "older segment " + base;
            final String index = indexName(base);
            final String timeIndex = timeIndexName(base);
            final int entries = offsetIndexEntries(image.files.get(index));
            final int timeEntries = timeIndexEntries(image.files.get(timeIndex));
            final int dataEnd = image.dataEnd(base);
            assertTrue(entries >= 3, which + " has index entries: " + entries);

            cases.run(which + ": .index full of garbage", () ->
                assertRecovered(image, image.with(index, f -> randomBytes(f.length, 7)), true));
            cases.run(which + ": .index with garbage after its entries", () ->
                assertRecovered(image, image.with(index, f -> overwrite(f, entries * 8, randomBytes(64, 8))), true));
            cases.run(which + ": last index entry points past the end of the data", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries - 1) * 8 + 4, dataEnd + 4096)), true));
            cases.run(which + ": last index entry points just past the end of the data", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries - 1) * 8 + 4, dataEnd)), true));
            cases.run(which + ": last index entry has a negative position", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries - 1) * 8 + 4, -64)), true));
            cases.run(which + ": last index entry has a misaligned position", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries - 1) * 8 + 4,
                    ByteBuffer.wrap(f).getInt((entries - 1) * 8 + 4) + 5)), true));
            cases.run(which + ": a middle index entry points past the end of the data", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries / 2) * 8 + 4, dataEnd + 4096)), true));
            cases.run(which + ": a middle index entry has a negative position", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries / 2) * 8 + 4, -64)), true));
            cases.run(which + ": last index entry names an offset beyond the segment", () ->
                assertRecovered(image, image.with(index, f -> putInt(f, (entries - 1) * 8, 1_000_000)), true));
            cases.run(which + ": .index cut to a length that is not a multiple of 8", () ->
                assertRecovered(image, image.with(index, f -> Arrays.copyOf(f, entries * 8 - 3)), true));
            cases.run(which + ": .index cut to nothing", () ->
                assertRecovered(image, image.with(index, f -> new byte[0]), true));
            cases.run(which + ": .timeindex full of garbage", () ->
                assertRecovered(image, image.with(timeIndex, f -> randomBytes(f.length, 9)), true));
            cases.run(which + ": .timeindex cut to a length that is not a multiple of 12", () ->
                assertRecovered(image, image.with(timeIndex, f -> Arrays.copyOf(f, timeEntries * 12 - 5)), true));
            cases.run(which + ": last time index entry holds an absurd timestamp", () ->
                assertRecovered(image, image.with(timeIndex, f -> putLong(f, (timeEntries - 1) * 12, Long.MAX_VALUE / 2)),
                    true));
            cases.run(which + ": last time index entry names an offset beyond the segment", () ->
                assertRecovered(image, image.with(timeIndex, f -> putInt(f, (timeEntries - 1) * 12 + 8, 1_000_000)), true));
        }
        cases.assertAllPassed();
    }

    /**
     * A corrupt batch in an older segment (its first, one in the middle, its last) that was never known to be on disk
     * (the crash came before the fsync of its roll, so no recovery point covers it): the log keeps everything before
     * it and drops it and everything after, the later segments included (Kafka's rule). A segment below the recovery
     * point is trusted, as Kafka trusts it: {@link #olderSegmentBelowTheRecoveryPointIsTrusted}.
     */
    @Test
    void corruptBatchInAnOlderSegmentDropsItAndEverythingAfter() throws Exception
    {
        final Image image = write("old-corrupt", config(4096), varied(60, 7));
        final long victim = image.segmentBases[1];
        final List<Stored> inVictim = image.inSegment(victim);
        assertTrue(inVictim.size() >= 5, "the segment holds several batches: " + inVictim.size());
        final Cases cases = new Cases();
        for (final Stored bad : List.of(inVictim.get(0), inVictim.get(inVictim.size() / 2), inVictim.get(inVictim.size() - 1)))
        {
            for (final int i : new int[] {RecordBatch.CRC_OFFSET, bad.size() - 1, 9})
            {
                cases.run("batch at offset " + bad.baseOffset + " of segment " + victim + ", byte " + i + " flipped", () ->
                    assertRecovered(image, neverForced(image.with(bad.logName(), f -> flip(f, bad.position + i))), true));
            }
            cases.run("batch at offset " + bad.baseOffset + " of segment " + victim + " zeroed (a lost page)", () ->
                assertRecovered(image, neverForced(image.with(bad.logName(), f -> zeroFrom(f, bad.position, bad.end()))), true));
        }
        cases.assertAllPassed();
    }

    /**
     * Once a roll's fsync has completed the recovery point moves past the sealed segment, and a crash recovery no
     * longer re-reads it: damage there (a disk fault, not a crash) is found by the consumers' CRC checks, as in Kafka.
     */
    @Test
    void olderSegmentBelowTheRecoveryPointIsTrusted() throws Exception
    {
        final Image image = write("old-trusted", config(4096), varied(60, 7));
        final long victim = image.segmentBases[1];
        final Stored bad = image.inSegment(victim).get(0);
        final Map<String, byte[]> damaged = image.with(bad.logName(), f -> flip(f, bad.position + bad.size() - 1));
        assertTrue(damaged.containsKey("recovery-point-checkpoint"), "the rolls' fsyncs wrote a recovery point");
        final Path root = materialize(damaged);
        try (PartitionLog log = PartitionLog.open(root, TOPIC, 0, config(4096)))
        {
            assertEquals(image.batches.get(image.batches.size() - 1).lastOffset + 1, log.logEndOffset());
        }
    }

    /** The image as if the crash came before any roll's fsync: no recovery point, so every segment is re-read. */
    private static Map<String, byte[]> neverForced(final Map<String, byte[]> files)
    {
        files.remove("recovery-point-checkpoint");
        return files;
    }

    /** The same rule in the active segment, for a batch well before the last index entry (a page lost by the OS). */
    @Test
    void corruptBatchBeforeTheLastIndexEntryOfTheActiveSegmentDropsItAndEverythingAfter() throws Exception
    {
        final Image image = write("active-corrupt", config(64 * 1024), varied(40, 8));
        final Stored bad = image.batches.get(image.batches.size() / 2);
        final Cases cases = new Cases();
        cases.run("batch at offset " + bad.baseOffset + ", a CRC-covered byte flipped", () ->
            assertRecovered(image, image.with(bad.logName(), f -> flip(f, bad.position + bad.size() - 1)), true));
        cases.run("batch at offset " + bad.baseOffset + " zeroed", () ->
            assertRecovered(image, image.with(bad.logName(), f -> zeroFrom(f, bad.position, bad.end())), true));
        cases.assertAllPassed();
    }

    /** A crash between creating the next segment and trimming the old one leaves an older segment pre-sized. */
    @Test
    void olderSegmentLeftPreSizedByACrashDuringARollIsTrimmed() throws Exception
    {
        final Image image = write("roll-crash", config(4096), varied(40, 9));
        final long older = image.segmentBases[image.segmentBases.length - 2];
        final String logName = logName(older);
        final Map<String, byte[]> damaged = image.with(logName, f -> Arrays.copyOf(f, image.config.segmentBytes()));
        damaged.put(indexName(older), Arrays.copyOf(damaged.get(indexName(older)), image.config.segmentIndexBytes()));
        damaged.put(timeIndexName(older), Arrays.copyOf(damaged.get(timeIndexName(older)), image.config.segmentIndexBytes() / 12 * 12));
        final Cases cases = new Cases();
        cases.run("older segment pre-sized with zeros", () -> assertRecovered(image, damaged, true));
        cases.run("and trimmed to its data", () ->
        {
            final Path root = materialize(damaged);
            try (PartitionLog log = open(root, image.config))
            {
                assertEquals(image.dataEnd(older), Files.size(root.resolve(PARTITION_DIR).resolve(logName)));
            }
            deleteTree(root);
        });
        cases.assertAllPassed();
    }

    /** A segment file missing in the middle: the log ends where the gap begins. */
    @Test
    void missingSegmentInTheMiddleDropsTheSegmentsAfterIt() throws Exception
    {
        final Image image = write("gap", config(4096), varied(50, 10));
        final long missing = image.segmentBases[2];
        final Cases cases = new Cases();
        cases.run(".log of segment " + missing + " deleted", () -> assertRecovered(image, image.without(logName(missing)), true));
        cases.run("segment " + missing + " deleted with its indexes", () ->
            assertRecovered(image, image.without(logName(missing), indexName(missing), timeIndexName(missing)), true));
        cases.assertAllPassed();
    }

    /**
     * The leader epoch checkpoint after recovery holds no epoch that starts at or after the recovered end: epochs
     * begin in each of the last batches, and the log is torn at every third byte of them.
     */
    @Test
    void leaderEpochCheckpointHoldsNoEpochPastTheRecoveredEnd() throws Exception
    {
        final List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            specs.add(new Spec(CODECS[i % CODECS.length], 1 + i % 5, 10 + 17 * i, 1 + i / 5));
        }
        specs.add(new Spec("none", 2, 5, 10));
        specs.add(new Spec("lz4", 3, 5, 11));
        specs.add(new Spec("none", 1, 5, 12));
        final Image image = write("epochs", config(64 * 1024), specs);
        assertEquals(12, image.epochs.get(image.epochs.size() - 1)[0]);

        final Stored firstOfTail = image.batches.get(image.batches.size() - 3);
        final String logName = firstOfTail.logName();
        final int dataEnd = image.dataEnd(image.lastSegment());
        final Cases cases = new Cases();
        for (int cut = firstOfTail.position; cut <= dataEnd; cut += 3)
        {
            final int at = cut;
            cases.run("zeros from " + at, () ->
            {
                assertRecovered(image, image.with(logName, f -> zeroFrom(f, at, dataEnd)), at % 5 == 0);
                // The checkpoint file itself, as the next start would read it.
                final Path root = materialize(image.with(logName, f -> zeroFrom(f, at, dataEnd)));
                final long end;
                try (PartitionLog log = open(root, image.config))
                {
                    end = log.logEndOffset();
                    assertEquals(end, log.endOffsetForEpoch(log.latestEpoch()).endOffset());
                }
                for (final long[] entry : readEpochCheckpoint(root.resolve(PARTITION_DIR)))
                {
                    assertTrue(entry[1] < end, "epoch " + entry[0] + " starts at " + entry[1] + ", end is " + end);
                }
                deleteTree(root);
            });
        }
        cases.assertAllPassed();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The model: a written log, its crash image, and what must survive a damage
    // ---------------------------------------------------------------------------------------------------------------

    /** One batch to append. */
    record Spec(String codec, int records, int valueSize, int epoch)
    {
    }

    /** One batch as the log stored it. */
    record Stored(long segmentBase, int position, long baseOffset, long lastOffset, long maxTimestamp, byte[] bytes)
    {
        int size()
        {
            return bytes.length;
        }

        int end()
        {
            return position + bytes.length;
        }

        String logName()
        {
            return RecoveryTest.logName(segmentBase);
        }
    }

    /** A log written, then copied while open (the crash image), then closed. */
    static final class Image
    {
        final Path root;
        final LogConfig config;
        final Map<String, byte[]> files;
        final List<Stored> batches;
        final long[] segmentBases;
        final List<long[]> epochs;

        Image(final Path root, final LogConfig config, final Map<String, byte[]> files, final List<Stored> batches,
            final long[] segmentBases, final List<long[]> epochs)
        {
            this.root = root;
            this.config = config;
            this.files = files;
            this.batches = batches;
            this.segmentBases = segmentBases;
            this.epochs = epochs;
        }

        long lastSegment()
        {
            return segmentBases[segmentBases.length - 1];
        }

        List<Stored> inSegment(final long base)
        {
            return batches.stream().filter(b -> b.segmentBase == base).toList();
        }

        int dataEnd(final long base)
        {
            return inSegment(base).stream().mapToInt(Stored::end).max().orElse(0);
        }

        /** A copy of the files with one file changed. */
        Map<String, byte[]> with(final String name, final UnaryOperator<byte[]> change)
        {
            final Map<String, byte[]> copy = new TreeMap<>(files);
            copy.put(name, change.apply(files.get(name).clone()));
            return copy;
        }

        /** A copy of the files without some. */
        Map<String, byte[]> without(final String... names)
        {
            final Map<String, byte[]> copy = new TreeMap<>(files);
            for (final String name : names)
            {
                assertTrue(copy.remove(name) != null, name);
            }
            return copy;
        }
    }

    /** What recovery must produce from a damaged image. */
    record Expected(int survivors, long end, long[] segmentBases, long lastSegment, int cut)
    {
    }

    /** Kafka's rule: the batches up to the first one whose bytes are not intact survive, nothing after. */
    private static Expected expected(final Image image, final Map<String, byte[]> damaged)
    {
        int survivors = 0;
        for (final Stored b : image.batches)
        {
            final byte[] file = damaged.get(b.logName());
            if (file == null || file.length < b.end() || !Arrays.equals(file, b.position, b.end(), b.bytes, 0, b.size()))
            {
                break;
            }
            survivors++;
        }
        final long end = survivors == 0 ? image.segmentBases[0] : image.batches.get(survivors - 1).lastOffset + 1;
        long lastSegment;
        int cut;
        if (survivors == image.batches.size())
        {
            lastSegment = image.lastSegment();
            cut = image.dataEnd(lastSegment);
        }
        else
        {
            final Stored firstBad = image.batches.get(survivors);
            lastSegment = firstBad.segmentBase;
            cut = firstBad.position;
            if (!damaged.containsKey(logName(lastSegment)))
            {
                // The whole segment file is gone: the one before it ends the log.
                lastSegment = survivors == 0 ? image.segmentBases[0] : image.batches.get(survivors - 1).segmentBase;
                cut = survivors == 0 ? 0 : image.dataEnd(lastSegment);
            }
        }
        final long last = lastSegment;
        final long[] bases = Arrays.stream(image.segmentBases).filter(b -> b <= last).toArray();
        return new Expected(survivors, end, bases, lastSegment, cut);
    }

    private static LogConfig config(final int segmentBytes)
    {
        return LogConfig.builder()
            .segmentBytes(segmentBytes)
            .segmentIndexBytes(16 * 1024)
            .indexIntervalBytes(256)
            .reserveBytes(0)
            .build();
    }

    /** Batches of varied sizes and codecs; epochs rise every eight batches. */
    private static List<Spec> varied(final int count, final long seed)
    {
        final Random random = new Random(seed);
        final List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final boolean large = random.nextInt(8) == 0;
            final int valueSize = large ? 300 + random.nextInt(400) : 1 + random.nextInt(100);
            final int records = large ? 1 + random.nextInt(3) : 1 + random.nextInt(9);
            specs.add(new Spec(CODECS[random.nextInt(CODECS.length)], records, valueSize, 1 + i / 8));
        }
        return specs;
    }

    private static PartitionLog open(final Path root, final LogConfig config) throws IOException
    {
        return PartitionLog.open(root, TOPIC, PARTITION, config, DiskSpace.FILE_SYSTEM, SystemEpochClock.INSTANCE);
    }

    private Image write(final String name, final LogConfig config, final List<Spec> specs) throws IOException
    {
        final Path root = tmp.resolve(name);
        final List<Stored> stored = new ArrayList<>();
        final Map<String, byte[]> files;
        final long[] bases;
        final List<long[]> epochs;
        try (PartitionLog log = open(root, config))
        {
            final AppendResult result = new AppendResult();
            long timestamp = 1_000_000L;
            final List<Spec> all = new ArrayList<>(specs);
            for (int i = 0; i < all.size(); i++)
            {
                final Spec spec = all.get(i);
                final UnsafeBuffer batch = TestBatches.direct(
                    TestBatches.batch(Compression.of(spec.codec()).build(), timestamp, spec.records(), spec.valueSize()));
                timestamp += 1_000;
                assertEquals(JournalStatus.OK, log.appendAsLeader(batch, 0, batch.capacity(), spec.epoch(), result));
                assertEquals(1, result.batchCount());
                stored.add(new Stored(result.segmentBaseOffset(), result.position(), result.firstOffset(),
                    result.lastOffset(), result.maxTimestamp(), new byte[batch.capacity()]));
                final long active = result.segmentBaseOffset();
                if (i == all.size() - 1 && stored.stream().filter(b -> b.segmentBase == active).count() < MIN_IN_LAST_SEGMENT)
                {
                    all.add(new Spec("none", 1 + i % 4, 40, spec.epoch())); // the active segment gets a few index entries
                }
            }
            final LogSlice slice = new LogSlice();
            for (final Stored b : stored)
            {
                assertEquals(JournalStatus.OK, log.slice(b.baseOffset, 1, log.logEndOffset(), slice));
                assertEquals(b.size(), slice.length());
                slice.buffer().getBytes(0, b.bytes);
            }
            bases = log.segmentBaseOffsets();
            epochs = log.epochEntries();
            files = readFiles(root.resolve(PARTITION_DIR)); // the crash: a copy taken while the log is open
        }
        return new Image(root, config, files, stored, bases, epochs);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The checks
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Re-open a damaged image and check the recovered log; with {@code full}, also append after recovery and reopen
     * a second time.
     */
    private void assertRecovered(final Image image, final Map<String, byte[]> damaged, final boolean full) throws IOException
    {
        final Expected e = expected(image, damaged);
        final List<Stored> survivors = new ArrayList<>(image.batches.subList(0, e.survivors()));
        final Path root = materialize(damaged);
        final Path dir = root.resolve(PARTITION_DIR);
        AssertionError timestamps = null;
        try (PartitionLog log = open(root, image.config))
        {
            assertEquals(e.end(), log.logEndOffset(), "log end offset (" + e.survivors() + " batches survive)");
            assertArrayEquals(e.segmentBases(), log.segmentBaseOffsets(), "segments");
            assertReadable(log, survivors, "recovered");
            assertEpochs(image, log, e.end());
            assertCut(dir, damaged, e);
            try
            {
                assertTimestamps(log, survivors);
            }
            catch (final AssertionError ex)
            {
                timestamps = ex; // reported after the other checks, so that it hides none of them
            }
            if (full)
            {
                survivors.addAll(appendAfterRecovery(log, e.end()));
                assertReadable(log, survivors, "recovered and appended to");
            }
        }
        if (!full)
        {
            throwIfFailed(timestamps);
            deleteTree(root);
            return;
        }
        long total = 0;
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(SegmentFiles.LOG_SUFFIX)).toList())
            {
                total += Files.size(file);
            }
        }
        assertEquals(survivors.stream().mapToLong(Stored::size).sum(), total, "the closed segments hold exactly the batches");
        try (PartitionLog log = open(root, image.config))
        {
            assertEquals(survivors.get(survivors.size() - 1).lastOffset + 1, log.logEndOffset(), "second reopen");
            assertReadable(log, survivors, "reopened a second time");
            assertTimestamps(log, survivors);
            assertEquals(NEW_EPOCH, log.latestEpoch());
            assertEquals(e.end(), log.epochEntries().get(log.epochEntries().size() - 1)[1]);
        }
        throwIfFailed(timestamps);
        deleteTree(root);
    }

    private static void throwIfFailed(final AssertionError deferred)
    {
        if (deferred != null)
        {
            throw deferred;
        }
    }

    /** Every offset of every batch is found, in a batch with the bytes stored; nothing is found after them. */
    private static void assertReadable(final PartitionLog log, final List<Stored> batches, final String what)
    {
        final LogSlice slice = new LogSlice();
        final long end = log.logEndOffset();
        for (final Stored b : batches)
        {
            for (long offset = b.baseOffset; offset <= b.lastOffset; offset++)
            {
                assertEquals(JournalStatus.OK, log.slice(offset, 1, end, slice), what + ": slice(" + offset + ")");
                assertEquals(b.baseOffset, slice.baseOffset(), what + ": batch holding offset " + offset);
                assertEquals(b.lastOffset + 1, slice.nextOffset(), what + ": next offset after " + offset);
                assertEquals(b.size(), slice.length(), what + ": size of the batch at " + b.baseOffset);
            }
            final byte[] read = new byte[b.size()];
            slice.buffer().getBytes(0, read);
            assertArrayEquals(b.bytes, read, what + ": bytes of the batch at " + b.baseOffset);
        }
        assertEquals(JournalStatus.OK, log.slice(end, Integer.MAX_VALUE, end + 1000, slice));
        assertTrue(slice.isEmpty(), what + ": nothing at the log end offset " + end + ": " + slice);
        assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, log.slice(end + 1, Integer.MAX_VALUE, end + 1000, slice));

        // One sequential read, as a consumer does: the same batches, in order, and nothing else.
        long next = log.logStartOffset();
        int i = 0;
        while (next < end)
        {
            assertEquals(JournalStatus.OK, log.slice(next, 64 * 1024, end, slice));
            assertTrue(!slice.isEmpty(), what + ": sequential read stuck at " + next);
            int position = 0;
            while (position < slice.length())
            {
                final Stored b = batches.get(i++);
                final byte[] read = new byte[b.size()];
                slice.buffer().getBytes(position, read);
                assertArrayEquals(b.bytes, read, what + ": sequential read, batch at " + b.baseOffset);
                position += b.size();
            }
            next = slice.nextOffset();
        }
        assertEquals(batches.size(), i, what + ": batches read in sequence");
    }

    /** Look-ups by time answer as the surviving batches say, whatever the time index held. */
    private static void assertTimestamps(final PartitionLog log, final List<Stored> batches)
    {
        final Optional<TimestampOffset> max = log.maxTimestamp(TestBatches.KAFKA_DECOMPRESSOR);
        if (batches.isEmpty())
        {
            assertTrue(max.isEmpty(), "no max timestamp in an empty log: " + max);
            return;
        }
        final Stored last = batches.get(batches.size() - 1);
        assertEquals(Optional.of(last.maxTimestamp), max.map(TimestampOffset::timestamp), "max timestamp");
        assertEquals(Optional.of(last.lastOffset), max.map(TimestampOffset::offset), "offset of the max timestamp");
        for (final Stored b : List.of(batches.get(0), batches.get(batches.size() / 2), last))
        {
            final Optional<TimestampOffset> found = log.offsetForTimestamp(b.maxTimestamp, TestBatches.KAFKA_DECOMPRESSOR);
            assertEquals(Optional.of(b.lastOffset), found.map(TimestampOffset::offset), "offset for timestamp " + b.maxTimestamp);
        }
        assertTrue(log.offsetForTimestamp(last.maxTimestamp + 1, TestBatches.KAFKA_DECOMPRESSOR).isEmpty(),
            "no record after the last timestamp");
    }

    /** The epochs are those of the image that start below the recovered end, in memory and in the checkpoint. */
    private static void assertEpochs(final Image image, final PartitionLog log, final long end) throws IOException
    {
        final List<long[]> expected = image.epochs.stream().filter(e -> e[1] < end).toList();
        assertEquals(describe(expected), describe(log.epochEntries()), "leader epochs after recovery to " + end);
        assertEquals(describe(expected), describe(readEpochCheckpoint(log.dir())), "leader epoch checkpoint file");
    }

    /** The last segment's file holds the surviving bytes and zeros after them, nothing stale. */
    private static void assertCut(final Path dir, final Map<String, byte[]> damaged, final Expected e) throws IOException
    {
        final String name = logName(e.lastSegment());
        final byte[] onDisk = Files.readAllBytes(dir.resolve(name));
        assertTrue(onDisk.length >= e.cut(), name + " is " + onDisk.length + " bytes, shorter than its data " + e.cut());
        assertArrayEquals(Arrays.copyOf(damaged.get(name), e.cut()), Arrays.copyOf(onDisk, e.cut()), name + " data kept");
        for (int i = e.cut(); i < onDisk.length; i++)
        {
            if (onDisk[i] != 0)
            {
                fail(name + " is not cut at " + e.cut() + ": byte " + i + " of " + onDisk.length + " is " + onDisk[i]);
            }
        }
        try (Stream<Path> files = Files.list(dir))
        {
            final List<String> logs = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
            assertEquals(Arrays.stream(e.segmentBases()).mapToObj(RecoveryTest::logName).toList(), logs, "segment files");
        }
    }

    /** Two batches appended after recovery start at the recovered end, with a new epoch; returns them as stored. */
    private static List<Stored> appendAfterRecovery(final PartitionLog log, final long end)
    {
        final List<Stored> appended = new ArrayList<>();
        final AppendResult result = new AppendResult();
        long expected = end;
        for (final Spec spec : List.of(new Spec("none", 3, 25, NEW_EPOCH), new Spec("gzip", 2, 40, NEW_EPOCH)))
        {
            final UnsafeBuffer batch = TestBatches.direct(TestBatches.batch(
                Compression.of(spec.codec()).build(), AFTER_RECOVERY_TIMESTAMP + appended.size() * 10L, spec.records(),
                spec.valueSize()));
            assertEquals(JournalStatus.OK, log.appendAsLeader(batch, 0, batch.capacity(), NEW_EPOCH, result), "append after recovery");
            assertEquals(expected, result.firstOffset(), "appends continue at the recovered end");
            expected = result.lastOffset() + 1;
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(result.firstOffset(), 1, log.logEndOffset(), slice));
            final byte[] bytes = new byte[slice.length()];
            slice.buffer().getBytes(0, bytes);
            assertEquals(batch.capacity(), bytes.length);
            appended.add(new Stored(result.segmentBaseOffset(), result.position(), result.firstOffset(), result.lastOffset(),
                result.maxTimestamp(), bytes));
        }
        assertEquals(expected, log.logEndOffset());
        return appended;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Files
    // ---------------------------------------------------------------------------------------------------------------

    static String logName(final long base)
    {
        return SegmentFiles.baseName(base) + SegmentFiles.LOG_SUFFIX;
    }

    static String indexName(final long base)
    {
        return SegmentFiles.baseName(base) + SegmentFiles.INDEX_SUFFIX;
    }

    static String timeIndexName(final long base)
    {
        return SegmentFiles.baseName(base) + SegmentFiles.TIME_INDEX_SUFFIX;
    }

    private static Map<String, byte[]> readFiles(final Path dir) throws IOException
    {
        final Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir))
        {
            for (final Path file : list.toList())
            {
                if (Files.isRegularFile(file))
                {
                    files.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
        }
        return files;
    }

    private Path materialize(final Map<String, byte[]> files) throws IOException
    {
        final Path root = tmp.resolve("case-" + (++caseCounter));
        final Path dir = Files.createDirectories(root.resolve(PARTITION_DIR));
        for (final Map.Entry<String, byte[]> file : files.entrySet())
        {
            Files.write(dir.resolve(file.getKey()), file.getValue());
        }
        return root;
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> walk = Files.walk(root))
        {
            for (final Path p : walk.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static List<long[]> readEpochCheckpoint(final Path dir) throws IOException
    {
        final Path file = dir.resolve(LeaderEpochCache.FILE_NAME);
        final List<long[]> entries = new ArrayList<>();
        if (!Files.exists(file))
        {
            return entries;
        }
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        final int count = Integer.parseInt(lines.get(1).trim());
        for (int i = 0; i < count; i++)
        {
            final String[] parts = lines.get(2 + i).trim().split("\\s+");
            entries.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
        }
        return entries;
    }

    private static String describe(final List<long[]> epochs)
    {
        return epochs.stream().map(Arrays::toString).toList().toString();
    }

    /** Entries of a Kafka offset index: relative offsets increase strictly; a zero entry past the first ends them. */
    private static int offsetIndexEntries(final byte[] file)
    {
        final ByteBuffer b = ByteBuffer.wrap(file);
        int n = 0;
        long previous = Long.MIN_VALUE;
        while ((n + 1) * 8 <= file.length)
        {
            final int key = b.getInt(n * 8);
            if (key <= previous || (n > 0 && key == 0 && b.getInt(n * 8 + 4) == 0))
            {
                break;
            }
            previous = key;
            n++;
        }
        return n;
    }

    private static int timeIndexEntries(final byte[] file)
    {
        final ByteBuffer b = ByteBuffer.wrap(file);
        int n = 0;
        long previous = Long.MIN_VALUE;
        while ((n + 1) * 12 <= file.length)
        {
            final long key = b.getLong(n * 12);
            if (key <= previous || (n > 0 && key == 0 && b.getInt(n * 12 + 8) == 0))
            {
                break;
            }
            previous = key;
            n++;
        }
        return n;
    }

    private static byte[] zeroFrom(final byte[] file, final int from, final int to)
    {
        Arrays.fill(file, Math.min(from, file.length), Math.min(to, file.length), (byte)0);
        return file;
    }

    private static byte[] overwrite(final byte[] file, final int at, final byte[] bytes)
    {
        final byte[] out = file.length >= at + bytes.length ? file : Arrays.copyOf(file, at + bytes.length);
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return out;
    }

    private static byte[] flip(final byte[] file, final int at)
    {
        file[at] ^= 0x01;
        return file;
    }

    private static byte[] putInt(final byte[] file, final int at, final int value)
    {
        ByteBuffer.wrap(file).putInt(at, value);
        return file;
    }

    private static byte[] putLong(final byte[] file, final int at, final long value)
    {
        ByteBuffer.wrap(file).putLong(at, value);
        return file;
    }

    private static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * The cases open and close a log some 3,000 times, each close forcing files to disk: on /dev/shm (tmpfs) when
     * the machine has it, those fsyncs cost nothing and the class runs in seconds. The damage is in the files'
     * contents, so the file system does not matter to what is tested.
     */
    static final class InMemoryTempDir implements TempDirFactory
    {
        @Override
        public Path createTempDirectory(final AnnotatedElementContext element, final ExtensionContext context)
            throws IOException
        {
            final Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm) ?
                Files.createTempDirectory(shm, "ringlog-recovery-") : Files.createTempDirectory("ringlog-recovery-");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cases: run them all, report every failure at the end
    // ---------------------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Case
    {
        void run() throws Exception;
    }

    private static final class Cases
    {
        /** Failures grouped by kind (the message without its numbers): count and first example of each. */
        private final Map<String, List<String>> failures = new TreeMap<>();
        private int count;
        private int failed;

        void run(final String name, final Case c)
        {
            count++;
            try
            {
                c.run();
            }
            catch (final AssertionError | Exception ex)
            {
                failed++;
                final List<String> where = Arrays.stream(ex.getStackTrace())
                    .filter(f -> f.getClassName().startsWith("io.ringlog.journal") && !f.getClassName().contains("RecoveryTest"))
                    .limit(4).map(f -> f.getClassName().replaceAll(".*\\.", "") + "." + f.getMethodName() + ":" + f.getLineNumber())
                    .toList();
                final String detail = ex + (ex instanceof AssertionError || where.isEmpty() ? "" : " at " + where);
                final String kind = String.valueOf(ex.getMessage()).replaceAll("-?\\d+", "N").replaceAll("==>.*", "");
                final String frames = ex instanceof AssertionError ? "" : where.subList(0, Math.min(2, where.size())).toString();
                failures.computeIfAbsent(ex.getClass().getSimpleName() + ": " + kind + frames, k -> new ArrayList<>())
                    .add(name + " -> " + detail);
            }
        }

        void assertAllPassed()
        {
            if (failed > 0)
            {
                final StringBuilder report = new StringBuilder();
                report.append(failed).append(" of ").append(count).append(" cases failed, in ")
                    .append(failures.size()).append(" kinds:");
                for (final List<String> kind : failures.values())
                {
                    report.append("\n  ").append(kind.size()).append(" x, e.g. ").append(kind.get(0));
                }
                fail(report.toString());
            }
        }
    }
}
