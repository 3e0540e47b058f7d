package io.ringlog.broker.kafka.group;

/**
 * One committed offset, as OffsetFetch answers it and as the offset record stores it.
 *
 * @param offset            the next offset the group will read.
 * @param leaderEpoch       the leader epoch of the record before it, or -1.
 * @param metadata          the client's text, or null.
 * @param commitTimestampMs the coordinator's clock when the commit was written.
 */
record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs)
{
}
