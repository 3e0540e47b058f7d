package io.ringlog.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LogTailer}: catches up across segments and then follows a moving limit on the same loop, never hands out a
 * batch reaching the limit, offers a refused region again, caps its work per poll, and says when its position left
 * the log.
 */
@Timeout(30)
class LogTailerTest
{
    @TempDir
    Path dir;

    @Test
    void catchesUpAcrossSegmentsThenFollowsTheLimit() throws Exception
    {
        final int segmentBytes = 64 * 1024;
        final LogConfig config = LogConfig.builder().segmentBytes(segmentBytes).build();
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, config))
        {
            final int batchSize = TestBatches.batch(10, 200).remaining();
            final int batches = 3 * segmentBytes / batchSize; // about three segments
            for (int i = 0; i < batches; i++)
            {
                assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(10, 200), 0));
            }
            assertTrue(log.segmentBaseOffsets().length >= 3, "rolled");

            final LogTailer tailer = new LogTailer(log, 25); // inside the third batch
            final List<long[]> seen = new ArrayList<>();
            final LogTailer.Sink sink = slice ->
            {
                seen.add(new long[] {slice.baseOffset(), slice.nextOffset(), slice.length()});
                return true;
            };
            final long limit = 10L * batches - 10; // the last batch is not committed yet
            int polls = 0;
            while (tailer.position() < limit)
            {
                assertTrue(tailer.poll(limit, 4 * batchSize, 3, sink) > 0);
                polls++;
            }
            assertEquals(limit, tailer.position());
            assertEquals(20, seen.get(0)[0], "the first region starts with the batch holding the offset");
            for (int i = 1; i < seen.size(); i++)
            {
                assertEquals(seen.get(i - 1)[1], seen.get(i)[0], "regions follow each other");
                assertTrue(seen.get(i)[2] <= 4 * batchSize);
            }
            assertTrue(polls >= seen.size() / 3, "at most three regions a poll");
            assertEquals(0, tailer.poll(limit, 4 * batchSize, 3, sink), "nothing below the limit is left");

            // The limit moves (the high watermark passed the last batch; then a new batch arrives): same loop.
            assertEquals(1, tailer.poll(10L * batches, 4 * batchSize, 3, sink));
            assertEquals(10L * batches, tailer.position());
            TestBatches.append(log, TestBatches.batch(10, 200), 0);
            assertEquals(0, tailer.poll(10L * batches, 4 * batchSize, 3, sink), "not past the limit");
            assertEquals(1, tailer.poll(10L * batches + 10, 4 * batchSize, 3, sink));
        }
    }

    @Test
    void aRefusedRegionIsOfferedAgainAndALostPositionIsReported() throws Exception
    {
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, LogConfig.defaults()))
        {
            for (int i = 0; i < 5; i++)
            {
                TestBatches.append(log, TestBatches.batch(10, 100), 0);
            }
            final LogTailer tailer = new LogTailer(log, 0);
            final List<Long> offered = new ArrayList<>();
            assertEquals(0, tailer.poll(50, 1, 10, slice ->
            {
                offered.add(slice.baseOffset());
                return false; // back-pressured
            }));
            assertEquals(0, tailer.position());
            assertEquals(2, tailer.poll(50, 1, 2, slice -> offered.add(slice.baseOffset())));
            assertEquals(List.of(0L, 0L, 10L), offered, "the refused region came again");
            assertEquals(20, tailer.position());

            tailer.seek(40);
            assertEquals(1, tailer.poll(50, 1, 10, slice -> slice.baseOffset() == 40));
            assertEquals(50, tailer.position());

            tailer.seek(10);
            TestBatches.append(log, TestBatches.batch(10, 100), 0);
            log.deleteRecordsBefore(30);
            assertEquals(JournalStatus.OFFSET_OUT_OF_RANGE, tailer.poll(60, 1, 10, slice -> true));
        }
    }
}
