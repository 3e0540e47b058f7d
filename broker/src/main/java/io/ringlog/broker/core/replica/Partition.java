package io.ringlog.broker.core.replica;

import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.PartitionSequencer;

import java.util.UUID;

/**
 * A partition this broker leads: its journal, its sequencer (the only way to write it), and the shard that owns
 * it. Immutable references; the values behind them are published by their owners (the journal's offsets by the
 * shard, the high watermark by the sequencer). Any thread may read.
 *
 * @param topic      the topic's name.
 * @param topicId    the topic's id.
 * @param index      the partition number.
 * @param log        its journal.
 * @param sequencer  its single-writer pipeline.
 * @param shardIndex the shard whose thread writes it.
 */
public record Partition(String topic, UUID topicId, int index, PartitionLog log, PartitionSequencer sequencer,
    int shardIndex)
{
    /** Records below this offset are visible to consumers. */
    public long highWatermark()
    {
        return sequencer.highWatermark();
    }

    public int leaderEpoch()
    {
        return sequencer.leaderEpoch();
    }

    @Override
    public String toString()
    {
        return topic + "-" + index;
    }
}
