package io.ringlog.client.record;

/**
 * Receives records from a poll. The view and the bytes it points at are valid only during the call.
 * <p>
 * If the handler throws, the poll stops and the exception reaches the poller's caller; the record that threw was
 * not consumed, so the next poll delivers it again (at-least-once).
 */
@FunctionalInterface
public interface RecordHandler
{
    void onRecord(RecordView record);
}
