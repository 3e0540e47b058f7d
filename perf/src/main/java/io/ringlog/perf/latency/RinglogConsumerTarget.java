package io.ringlog.perf.latency;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.consumer.RinglogConsumer;
import io.ringlog.client.record.RecordHandler;
import org.agrona.CloseHelper;

/**
 * The receiving side of the Ringlog targets that consume through the broker: a {@link RinglogConsumer} with the
 * partition assigned (no group), which sends the native {@code Subscribe} and gets the partition streamed to it as
 * {@code RecordsMessage}s: the broker's gateway tails the journal ({@code LogTailer}) up to the high watermark and
 * offers each new stretch on the session's egress, and {@link RinglogConsumer#poll} delivers the records where Aeron
 * put them. Positioned at the end ({@code auto.offset.reset=latest}, the partition empty) and streaming before
 * {@link #start} returns.
 * <p>
 * Each {@link #poll} is one {@code consumer.poll}, which runs one duty cycle of the client: the egress first (records
 * delivered), then the producer (the batch sent this turn goes out). Nothing else polls the client, so no
 * RecordsMessage is ever staged (copied) for later.
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
abstract class RinglogConsumerTarget extends RinglogTarget
{
    private RinglogConsumer consumer;

    RinglogConsumerTarget(final String name, final boolean udp)
    {
        super(name, udp);
    }

    @Override
    final void openReceiver(final RinglogClient client)
    {
        consumer = new RinglogConsumer(client);
        consumer.assign(InProcessBroker.TOPIC, 0);
        pollUntil(client, "the consumer's subscription to stream",
            () -> consumer.isStreaming(InProcessBroker.TOPIC, 0));
    }

    @Override
    final int pollReceiver(final RinglogClient client, final RecordHandler handler, final int limit)
    {
        return consumer.poll(handler, limit);
    }

    @Override
    final void closeReceiver()
    {
        CloseHelper.close(consumer); // ends the subscription (no group: nothing to commit)
    }

    /**
     * @return RecordsMessages copied into the consumer's staging ring: 0 when every record was read in place.
     */
    final long stagedMessages()
    {
        return null == consumer ? 0 : consumer.stagedMessageCount();
    }
}
