package io.ringlog.journal.epoch;

/**
 * Answer to "where does my epoch end?" (Kafka's OffsetForLeaderEpoch): the largest epoch at or below the one asked
 * for, and the offset after its last record (the start offset of the next epoch, or the log end offset for the
 * latest). Both are {@link #UNDEFINED} when the epoch is older than any the log knows.
 *
 * @param leaderEpoch the epoch found.
 * @param endOffset   the first offset after that epoch.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset)
{
    public static final int UNDEFINED = -1;
    public static final EpochEndOffset UNDEFINED_EPOCH = new EpochEndOffset(UNDEFINED, UNDEFINED);
}
