package io.ringlog.journal;

/**
 * A record found by time: its timestamp, its offset, and the leader epoch of its batch (Kafka's ListOffsets answer).
 *
 * @param timestamp   of the record.
 * @param offset      of the record.
 * @param leaderEpoch of the batch holding it.
 */
public record TimestampOffset(long timestamp, long offset, int leaderEpoch)
{
}
