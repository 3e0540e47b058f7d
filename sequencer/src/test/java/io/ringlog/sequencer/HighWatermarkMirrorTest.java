package io.ringlog.sequencer;

import io.ringlog.journal.PartitionLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The high-watermark mirror: counters a same-host reader polls. Values follow the high watermark and the active
 * segment; a reader that loads the high watermark and then the segment base never sees a high watermark in a
 * segment it has not heard of (the segment base is written first); detached counters are left alone.
 */
@Timeout(60)
class HighWatermarkMirrorTest
{
    @TempDir
    Path dir;

    private Harness harness;
    private final CountersManager counters = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(4 * 1024)));

    @AfterEach
    void close()
    {
        harness.closeExpectingNoErrors();
    }

    @Test
    void followsTheHighWatermarkAndTheActiveSegment() throws Exception
    {
        harness = new Harness("mirror", SequencerConfig.defaults());
        final PartitionSequencer partition = new PartitionSequencer(
            PartitionLog.open(dir, "mirror", 0, Harness.logConfig().segmentBytes(4096).build()), 0, 1,
            SequencerConfig.defaults());
        final AtomicCounter hw = counters.newCounter("hw");
        final AtomicCounter base = counters.newCounter("base");
        hw.set(-7);
        base.set(-7);
        partition.mirrorHighWatermark(hw, base).join(); // before joining the shard: at once
        assertEquals(0, hw.get());
        assertEquals(0, base.get());
        assertSame(hw, partition.highWatermarkCounter());
        harness.shard.addPartition(partition).join();

        final Answers answers = new Answers(40);
        for (int i = 0; i < 40; i++)
        {
            Harness.offer(partition, Batches.plain(2, 200, 1_000 + i), 1, 30_000, i, answers);
            answers.expect(i, ProduceStatus.OK);
            assertEquals(partition.highWatermark(), hw.get());
            assertEquals(partition.log().activeSegmentBaseOffset(), base.get());
        }
        assertTrue(partition.log().segmentBaseOffsets().length > 3, "rolled several times");

        // Replication drives it now: acks=1 appends do not move it; a proposal does, and the counters with it.
        partition.setInSyncReplicas(2).join();
        Harness.offer(partition, Batches.plain(1, 10, 5_000), 1, 30_000, 0, new Answers(1));
        Harness.await(() -> partition.logEndOffset() == 81, "appended");
        assertEquals(80, hw.get());
        assertEquals(81L, partition.proposeHighWatermark(81).join());
        assertEquals(81, hw.get());

        // Detached: the shard leaves the old counters alone (they may be freed once the future completes).
        partition.mirrorHighWatermark(null, null).join();
        assertNull(partition.highWatermarkCounter());
        Harness.offer(partition, Batches.plain(1, 10, 6_000), 1, 30_000, 0, new Answers(1));
        Harness.await(() -> partition.logEndOffset() == 82, "appended");
        partition.proposeHighWatermark(82).join();
        assertEquals(81, hw.get());
    }

    @Test
    void aReaderNeverSeesAHighWatermarkBeyondTheSegmentItKnows() throws Exception
    {
        harness = new Harness("mirror-order", SequencerConfig.defaults());
        final PartitionSequencer partition = new PartitionSequencer(
            PartitionLog.open(dir, "order", 0, Harness.logConfig().segmentBytes(2048).build()), 0, 1,
            SequencerConfig.defaults());
        final AtomicCounter hw = counters.newCounter("hw");
        final AtomicCounter base = counters.newCounter("base");
        partition.mirrorHighWatermark(hw, base).join();
        harness.shard.addPartition(partition).join();

        // A reader loading as a same-host reader must: high watermark, then segment base, each with acquire.
        final AtomicBoolean stop = new AtomicBoolean();
        final List<long[]> seen = new ArrayList<>();
        final Thread reader = new Thread(() ->
        {
            long last = -1;
            while (!stop.get())
            {
                final long h = hw.getAcquire();
                final long b = base.getAcquire();
                if (h != last)
                {
                    seen.add(new long[] {h, b});
                    last = h;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000); // sample often, never spin
            }
        }, "mirror-reader");
        reader.start();
        final int batches = 200;
        final Answers answers = new Answers(batches);
        for (int i = 0; i < batches; i++)
        {
            Harness.offer(partition, Batches.plain(1, 300, 1_000 + i), 1, 30_000, i, answers);
            if (i % 8 == 7)
            {
                answers.expect(i, ProduceStatus.OK); // spread the appends over time, so the reader samples many
            }
        }
        Harness.await(() -> hw.get() == batches, "all appended");
        stop.set(true);
        reader.join();

        final long[] bases = partition.log().segmentBaseOffsets();
        assertTrue(bases.length > 20, "many rolls: " + bases.length);
        assertTrue(seen.size() > 10, "the reader saw the high watermark move: " + seen.size());
        for (final long[] pair : seen)
        {
            final long highWatermark = pair[0];
            final long segmentBase = pair[1];
            if (highWatermark > 0)
            {
                assertTrue(segmentBase >= floor(bases, highWatermark - 1), "high watermark " + highWatermark +
                    " lies in the segment at " + floor(bases, highWatermark - 1) + " but the reader knew only " +
                    segmentBase);
            }
        }
    }

    private static long floor(final long[] bases, final long offset)
    {
        long result = bases[0];
        for (final long b : bases)
        {
            if (b <= offset)
            {
                result = b;
            }
        }
        return result;
    }
}
