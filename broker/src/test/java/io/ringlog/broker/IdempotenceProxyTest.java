package io.ringlog.broker;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idempotent KafkaProducer (acks=all, five requests in flight, short request timeout) writes through a proxy that
 * loses some Produce answers after the broker has appended the batches. The producer retries them with the same
 * producer id, epoch and sequences; the broker must answer each retry with the offsets of the original append and
 * not append it again. At the end every send has succeeded at the offset its place implies, and each partition holds
 * every record exactly once, in the order sent.
 */
@Timeout(60)
class IdempotenceProxyTest
{
    private static final int RECORDS = 5_000;
    private static final int PARTITIONS = 3;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private LossyProxy proxy;
    private TestBroker broker;

    @AfterEach
    void stop()
    {
        if (broker != null)
        {
            broker.close();
        }
        if (proxy != null)
        {
            proxy.close();
        }
    }

    /** Every 7th answer is lost and its connection stalls: the request times out (1.5 s) and is sent again. */
    @Test
    void retriesAfterARequestTimeoutAreAnsweredWithTheOriginalOffsets() throws Exception
    {
        writeThroughLossyProxy(7, LossyProxy.Loss.STALL, "stall");
    }

    /** Every 5th answer is lost with its connection: every request in flight on it is sent again at once. */
    @Test
    void retriesAfterALostConnectionAreAnsweredWithTheOriginalOffsets() throws Exception
    {
        writeThroughLossyProxy(5, LossyProxy.Loss.CLOSE, "close");
    }

    private void writeThroughLossyProxy(final int loseEvery, final LossyProxy.Loss loss, final String topic)
        throws Exception
    {
        proxy = new LossyProxy(loseEvery, loss);
        broker = new TestBroker(dir, "advertised.listeners=PLAINTEXT://127.0.0.1:" + proxy.port());
        proxy.forwardTo(broker.broker.port());
        final String bootstrap = "127.0.0.1:" + proxy.port();
        Clients.createTopic(bootstrap, topic, PARTITIONS, Map.of());

        final double retries;
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap,
            "enable.idempotence", true, "acks", "all", "retries", Integer.MAX_VALUE,
            "max.in.flight.requests.per.connection", 5, "request.timeout.ms", 1_500, "delivery.timeout.ms", 60_000,
            "retry.backoff.ms", 20, "linger.ms", 5, "batch.size", 1_024))
        {
            final List<Future<RecordMetadata>> sent = Clients.sendNumbered(producer, topic, PARTITIONS, 0, RECORDS);
            producer.flush();
            // The offset each send reports is the broker's answer, the retried ones included.
            Clients.assertAcknowledgedInPlace(sent, PARTITIONS, 0);
            retries = metric(producer.metrics(), "record-retry-total");
        }
        assertTrue(proxy.lost() >= 4, "the proxy lost some answers: " + proxy.lost() + " of " +
            proxy.produceAnswers());
        assertTrue(retries > 0, "the producer retried: " + retries);

        assertArrayEquals(Clients.numberedCounts(RECORDS, PARTITIONS), Clients.assertNumberedInOrder(
            Clients.readAll(bootstrap, topic, PARTITIONS, Duration.ofSeconds(30)), PARTITIONS),
            "each record once per partition");
    }

    private static double metric(final Map<MetricName, ? extends Metric> metrics, final String name)
    {
        for (final Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet())
        {
            if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics"))
            {
                return ((Number)e.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no producer metric " + name);
    }
}
