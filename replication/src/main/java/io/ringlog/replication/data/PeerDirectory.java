package io.ringlog.replication.data;

/**
 * Where other brokers receive replication traffic: their {@code REPLICATION} endpoint as registered with the
 * controller quorum. Read on shard threads, written on the metadata thread.
 */
@FunctionalInterface
public interface PeerDirectory
{
    /** The Aeron channel of broker {@code brokerId}'s replication endpoint, or null when it is not registered. */
    String channel(int brokerId);
}
