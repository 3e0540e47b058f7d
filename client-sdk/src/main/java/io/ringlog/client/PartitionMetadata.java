package io.ringlog.client;

/**
 * What the broker said about one partition in its last {@code MetadataResponse}. Immutable; replaced (not changed)
 * when metadata is refreshed, for example after a reconnect, when counter ids change with the broker's media driver.
 *
 * @param partition              the partition number.
 * @param leaderId               broker id of the leader.
 * @param leaderEpoch            the leader's epoch.
 * @param highWatermarkCounterId Aeron counter id of the high watermark in the broker's media driver, or -1.
 * @param segmentBaseCounterId   Aeron counter id of the active segment's base offset, or -1.
 * @param logDir                 absolute path of the partition's journal directory (for same-host readers).
 */
public record PartitionMetadata(
    int partition,
    int leaderId,
    int leaderEpoch,
    int highWatermarkCounterId,
    int segmentBaseCounterId,
    String logDir)
{
}
