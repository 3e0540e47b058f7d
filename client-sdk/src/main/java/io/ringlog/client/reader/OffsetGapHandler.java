package io.ringlog.client.reader;

/**
 * Told when a {@link SameHostReader} had to skip offsets it was asked for, because retention (or DeleteRecords)
 * removed their segments before the reader got to them, or because it was asked to start below the log's first
 * segment. Called on the reader's thread, from inside {@code poll} or {@code seek}.
 */
@FunctionalInterface
public interface OffsetGapHandler
{
    /**
     * @param fromOffset the first offset skipped (the reader's position at the time).
     * @param toOffset   the offset the reader goes on from (exclusive end of the gap).
     */
    void onGap(long fromOffset, long toOffset);
}
