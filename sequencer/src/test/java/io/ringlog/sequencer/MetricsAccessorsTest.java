package io.ringlog.sequencer;

import io.ringlog.journal.PartitionLog;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the broker's metrics read from a partition's sequencer: ring occupancy (offers the shard has not taken) and
 * the records and bytes appended (leader appends only: a duplicate is answered, not appended, and not counted). The
 * test thread plays both sides, so each step is exact.
 */
@Timeout(30)
class MetricsAccessorsTest
{
    @TempDir
    Path dir;

    private int answered;

    @Test
    void occupancyAndAppendCountersFollowTheShard() throws Exception
    {
        final SequencerConfig config = SequencerConfig.builder().ringSize(8).build();
        final SequencerShard shard = new SequencerShard("metrics", config, SystemEpochClock.INSTANCE, Throwable::printStackTrace);
        final PartitionSequencer partition = new PartitionSequencer(
            PartitionLog.open(dir, "metrics", 0, Harness.logConfig().build()), 0, 1, config);
        shard.addPartition(partition);
        shard.doWork();
        final ProduceCompletion completion = (correlation, slot, status, base, time, start) -> answered++;

        assertEquals(8, partition.ringSize());
        assertEquals(0, partition.ringOccupancy());
        final UnsafeBuffer plain = Batches.plain(3, 50, 1_000);
        final UnsafeBuffer idempotent = Batches.idempotent(5, 0, 0, 2);
        assertEquals(ProduceStatus.OK, partition.offer(plain, 0, plain.capacity(), 1, 1_000, 0, 0, completion));
        assertEquals(ProduceStatus.OK, partition.offer(idempotent, 0, idempotent.capacity(), 1, 1_000, 0, 0, completion));
        assertEquals(ProduceStatus.OK, partition.offer(idempotent, 0, idempotent.capacity(), 1, 1_000, 0, 0, completion));
        assertEquals(3, partition.ringOccupancy(), "three offers wait for the shard");
        assertEquals(0, partition.appendCounters().records());

        while (answered < 3)
        {
            shard.doWork();
        }
        assertEquals(0, partition.ringOccupancy());
        assertEquals(5, partition.appendCounters().records(), "3 + 2; the retried batch is a duplicate");
        assertEquals(plain.capacity() + idempotent.capacity(), partition.appendCounters().bytes());
        assertEquals(partition.log().sizeInBytes(), partition.appendCounters().bytes());
        shard.onClose();
    }
}
