package io.ringlog.broker.metrics;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Prometheus endpoint of a real broker: off by default, and a scrape with the expected series when on. */
@Timeout(60)
class MetricsEndpointTest
{
    @TempDir
    Path dir;

    @Test
    void offByDefault() throws IOException
    {
        try (BrokerMetrics metrics = BrokerMetrics.start(BrokerConfig.defaults()))
        {
            assertEquals(-1, metrics.port());
        }
    }

    @Test
    void metricsPortIsCheckedAsAConfigKey()
    {
        final IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
            () -> BrokerConfig.from(Map.of("metrics.port", "70000")));
        assertEquals("invalid value '70000' for config metrics.port: must be at most 65535", tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BrokerConfig.from(Map.of("metrics.port", "-2")));
        assertEquals(-1, BrokerConfig.defaults().get(BrokerConfig.METRICS_PORT));
    }

    @Test
    void aScrapeAnswersWithBrokerPartitionShardAndJvmSeries() throws Exception
    {
        final int port = freePort();
        try (RingBroker broker = RingBroker.start(config(port)))
        {
            final String bootstrap = "127.0.0.1:" + broker.port();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)))
            {
                admin.createTopics(List.of(new NewTopic("scraped", 2, (short)1))).all().get();
            }
            final Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p))
            {
                for (int i = 0; i < 3; i++)
                {
                    producer.send(new ProducerRecord<>("scraped", 1, null, "record " + i)).get();
                }
            }

            final HttpResponse<String> scrape = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            final String body = scrape.body();
            for (final String series : new String[]{
                "ringlog_partition_log_end_offset{partition=\"1\",topic=\"scraped\"} 3.0",
                "ringlog_partition_high_watermark{partition=\"1\",topic=\"scraped\"} 3.0",
                "ringlog_partition_log_start_offset{partition=\"1\",topic=\"scraped\"} 0.0",
                "ringlog_partition_log_end_offset{partition=\"0\",topic=\"scraped\"} 0.0",
                "ringlog_partition_back_pressured_total{partition=\"1\",topic=\"scraped\"} 0.0",
                "ringlog_partition_segments{partition=\"1\",topic=\"scraped\"} 1.0",
                "ringlog_sequencer_shard_partitions{shard=\"0\"} ",
                "ringlog_sequencer_shard_max_duty_cycle_seconds{shard=\"0\"} ",
                "ringlog_kafka_requests_total ",
                "ringlog_kafka_received_bytes_total ",
                "ringlog_kafka_connections_accepted_total ",
                "jvm_memory_used_bytes{area=\"heap\"} ",
                "# HELP ringlog_partition_log_end_offset ",
                "# TYPE ringlog_kafka_requests_total counter",
            })
            {
                assertTrue(body.contains(series), () -> "no '" + series + "' in\n" + body);
            }
            assertTrue(body.matches("(?s).*\\nringlog_partition_size_bytes\\{partition=\"1\",topic=\"scraped\"} " +
                "[1-9][0-9.E]*\\n.*"), body);
            assertTrue(value(body, "ringlog_kafka_requests_total") > 0, body);
        }
    }

    @Test
    void aPortInUseStopsTheStartNamingTheKey() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final IOException ex = assertThrows(IOException.class,
                () -> RingBroker.start(config(taken.getLocalPort())).close());
            assertTrue(ex.getMessage().startsWith("cannot bind metrics.port " + taken.getLocalPort()),
                ex.getMessage());
        }
    }

    private BrokerConfig config(final int metricsPort)
    {
        return BrokerConfig.from(Map.of(
            "listeners", "PLAINTEXT://127.0.0.1:0",
            "log.dirs", dir.toString(),
            "offsets.topic.num.partitions", "1",
            "metrics.port", Integer.toString(metricsPort)));
    }

    private static double value(final String body, final String name)
    {
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        return Double.NaN;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
