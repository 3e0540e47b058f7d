package io.ringlog.tools.client;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RecordHeaders;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendCompletionHandler;
import io.ringlog.client.producer.SendResult;
import io.ringlog.tools.CliException;
import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * Sending with the native producer from the command line: {@link #send} retries while the producer answers
 * {@code BACK_PRESSURED} or {@code NOT_CONNECTED} (polling the client, idling with a back-off that parks, never
 * spins) until {@code --timeout}; completions are counted here, the first failure kept by its error name.
 * <p>
 * One thread: the one that owns the client (completions run inside its polls).
 */
public final class NativeSends implements SendCompletionHandler
{
    private final Duration timeout;
    private final LongConsumer onAcked;
    private final IdleStrategy idle;
    private long acked;
    private long failed;
    private short firstError = NativeErrors.NONE;
    private String firstWhere;

    /**
     * @param timeout    how long one record may wait for room or a session.
     * @param onAcked    told each acknowledged record's token (perf: its due time).
     * @param maxParkNs  the longest park between polls while waiting.
     */
    public NativeSends(final Duration timeout, final LongConsumer onAcked, final long maxParkNs)
    {
        this.timeout = timeout;
        this.onAcked = onAcked;
        this.idle = new BackoffIdleStrategy(10, 5, 1_000, maxParkNs);
    }

    /** The producer's topic handle; an unknown topic is "no topic 'x'". */
    public static ProducerTopic topic(final RinglogProducer producer, final String topic)
    {
        try
        {
            return producer.topic(topic);
        }
        catch (final RinglogException ex)
        {
            if (ex.errorCode() == NativeErrors.UNKNOWN_TOPIC_OR_PARTITION)
            {
                throw new CliException("no topic '" + topic + "'", CliException.FAILED, ex);
            }
            throw ex;
        }
    }

    /**
     * Take one record, waiting (polling {@code client}) while there is no room or no session.
     *
     * @throws CliException naming the {@link SendResult} when it cannot be taken.
     */
    public void send(
        final RinglogClient client,
        final RinglogProducer producer,
        final ProducerTopic topic,
        final int partition,
        final byte[] key,
        final byte[] value,
        final RecordHeaders headers,
        final long token)
    {
        int result = producer.send(topic, partition, key, value, headers, RinglogProducer.NOW, token);
        if (result == SendResult.BACK_PRESSURED || result == SendResult.NOT_CONNECTED)
        {
            final long deadlineNs = System.nanoTime() + timeout.toNanos();
            idle.reset();
            do
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new CliException(SendResult.name(result) + ": could not send to " + topic.name() +
                        " within " + DurationConverter.format(timeout));
                }
                idle.idle(client.poll());
                result = producer.send(topic, partition, key, value, headers, RinglogProducer.NOW, token);
            }
            while (result == SendResult.BACK_PRESSURED || result == SendResult.NOT_CONNECTED);
        }
        switch (result)
        {
            case SendResult.OK -> { }
            case SendResult.UNKNOWN_PARTITION -> throw CliException.usage("topic " + topic.name() +
                " has no partition " + partition + " (it has " + topic.partitionCount() + ")");
            case SendResult.RECORD_TOO_LARGE -> throw new CliException("RECORD_TOO_LARGE: a record of " +
                (value == null ? 0 : value.length) + " bytes does not fit in a batch of batch.size bytes " +
                "(--batch-size; the native producer's largest record)");
            default -> throw new CliException(SendResult.name(result) + ": could not send to " + topic.name());
        }
    }

    @Override
    public void onComplete(
        final String topic, final int partition, final long offset, final short errorCode, final long token)
    {
        if (errorCode == NativeErrors.NONE)
        {
            acked++;
            onAcked.accept(token);
        }
        else
        {
            if (failed++ == 0)
            {
                firstError = errorCode;
                firstWhere = topic + "-" + partition;
            }
        }
    }

    public long acked()
    {
        return acked;
    }

    /** @throws CliException "N of M record(s) failed: ERROR_NAME (topic-partition)" when any send failed. */
    public void throwIfAny(final long total)
    {
        if (failed > 0)
        {
            throw new CliException(failed + " of " + total + " record(s) failed: " + NativeErrors.name(firstError) +
                " (" + firstWhere + ")");
        }
    }
}
