package io.ringlog.broker.metrics;

import io.ringlog.broker.kafka.metrics.ResponseErrors;
import io.ringlog.broker.kafka.metrics.LatencyHistogram;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Prometheus endpoint of a real broker: off by default, and a scrape with the expected series when on, their
 * values checked against what real kafka-clients (and a few raw requests) did.
 */
@Timeout(90)
class MetricsEndpointTest
{
    private static final Duration SCRAPE_WAIT = Duration.ofSeconds(20);

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
        try (RingBroker broker = RingBroker.start(config(0)))
        {
            final int port = broker.metricsPort();
            assertTrue(port > 0, "metrics.port=0 binds a free port: " + port);
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

            final HttpResponse<String> scrape = scrapeResponse(port);
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
            // The control plane of a one-member quorum: this node leads it, nobody is fenced, nothing is offline.
            assertEquals(1.0, value(body, "ringlog_controller_active"), body);
            assertEquals(1.0, value(body, "ringlog_controller_active_id"), body);
            assertEquals(1.0, value(body, "ringlog_quorum_connected"), body);
            assertEquals(0.0, value(body, "ringlog_fenced_brokers"), body);
            assertEquals(0.0, value(body, "ringlog_offline_partitions"), body);
            assertEquals(0.0, value(body, "ringlog_metadata_lag"), body);
            assertTrue(value(body, "ringlog_metadata_applied_position") > 0, body);
            assertTrue(value(body, "ringlog_controller_epoch") >= 0, body);
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

    /**
     * One broker, real clients: 10 records produced one request at a time to partition 0 of a topic with
     * {@code flush.messages=1}, all 10 read by a consumer of a group, which commits 7; a raw Produce and a raw Fetch
     * to a partition that does not exist. The scrape must show exactly those records and bytes in and out, a lag of
     * 3, both errors under their code, latency histograms counting every request, and fsyncs.
     */
    @Test
    void aScrapeCountsTrafficLatencyErrorsLagAndFlushes() throws Exception
    {
        final int records = 10;
        final int committed = 7;
        try (RingBroker broker = RingBroker.start(config(0, "group.initial.rebalance.delay.ms", "0",
            "sequencer.ring.size", "512")))
        {
            final int port = broker.metricsPort();
            final String bootstrap = "127.0.0.1:" + broker.port();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)))
            {
                admin.createTopics(List.of(new NewTopic("traffic", 2, (short)1)
                    .configs(Map.of("flush.messages", "1")))).all().get();
            }

            try (KafkaProducer<String, String> producer = producer(bootstrap))
            {
                for (int i = 0; i < records; i++)
                {
                    producer.send(new ProducerRecord<>("traffic", 0, "key-" + i, "value " + i)).get();
                }
            }

            final TopicPartition p0 = new TopicPartition("traffic", 0);
            try (KafkaConsumer<String, String> consumer = consumer(bootstrap, "scraped-group"))
            {
                consumer.subscribe(List.of("traffic"));
                final List<ConsumerRecord<String, String>> read = new ArrayList<>();
                final long deadline = System.nanoTime() + SCRAPE_WAIT.toNanos();
                while (read.size() < records)
                {
                    assertTrue(System.nanoTime() < deadline, "consumed " + read.size() + " of " + records);
                    consumer.poll(Duration.ofMillis(100)).forEach(read::add);
                }
                assertEquals(records, read.size());
                consumer.commitSync(Map.of(p0, new OffsetAndMetadata(committed)));

                final Map<String, String> errors = rawRequestsToAMissingPartition(broker.port(), "traffic", 9);
                assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.name(), errors.get("Produce"));
                assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.name(), errors.get("Fetch"));

                final String p0Labels = "{partition=\"0\",topic=\"traffic\"}";
                final String p1Labels = "{partition=\"1\",topic=\"traffic\"}";
                final String lagLabels = "{group=\"scraped-group\",partition=\"0\",topic=\"traffic\"}";
                final String body = awaitScrape(port, b ->
                    value(b, "ringlog_partition_fetched_records_total" + p0Labels) == records &&
                    value(b, "ringlog_consumer_group_lag" + lagLabels) == records - committed &&
                    value(b, "ringlog_kafka_errors_total{api=\"Fetch\",error=\"UNKNOWN_TOPIC_OR_PARTITION\"}") == 1 &&
                    value(b, "ringlog_journal_flush_seconds_count") > 0);

                // Records and bytes in, per partition: what the producer sent, and exactly the log's own size.
                assertEquals(records, value(body, "ringlog_partition_produced_records_total" + p0Labels), body);
                assertEquals(value(body, "ringlog_partition_size_bytes" + p0Labels),
                    value(body, "ringlog_partition_produced_bytes_total" + p0Labels), body);
                assertTrue(value(body, "ringlog_partition_produced_bytes_total" + p0Labels) > records * 7, body);
                assertEquals(0, value(body, "ringlog_partition_produced_records_total" + p1Labels), body);
                // ... and out: every record read once, in the same batches, so the same bytes.
                assertEquals(value(body, "ringlog_partition_produced_bytes_total" + p0Labels),
                    value(body, "ringlog_partition_fetched_bytes_total" + p0Labels), body);
                assertEquals(0, value(body, "ringlog_partition_fetched_bytes_total" + p1Labels), body);

                // Consumer-group lag: high watermark 10 minus committed 7; the group holds its one member.
                assertEquals(committed, value(body, "ringlog_consumer_group_committed_offset" + lagLabels), body);
                assertEquals(1, value(body, "ringlog_consumer_group_members{group=\"scraped-group\"}"), body);
                assertEquals(1, value(body,
                    "ringlog_consumer_group_state{group=\"scraped-group\",state=\"Stable\"}"), body);
                assertTrue(Double.isNaN(value(body, "ringlog_consumer_group_lag{group=\"scraped-group\"," +
                    "partition=\"1\",topic=\"traffic\"}")), "no commit on partition 1, so no lag series");

                // Errors by code: the raw produce's, and the consumer's first JoinGroup (KIP-394 asks it to rejoin).
                assertEquals(1, value(body,
                    "ringlog_kafka_errors_total{api=\"Produce\",error=\"UNKNOWN_TOPIC_OR_PARTITION\"}"), body);
                assertTrue(value(body,
                    "ringlog_kafka_errors_total{api=\"JoinGroup\",error=\"MEMBER_ID_REQUIRED\"}") >= 1, body);
                assertTrue(body.contains("# TYPE ringlog_kafka_errors_total counter"), body);

                // Latency: one observation per request, the acks=all wait included; buckets cumulative to +Inf.
                final double produces = value(body, "ringlog_kafka_request_seconds_count{api=\"Produce\"}");
                assertTrue(produces >= records + 1, "produce requests timed: " + produces);
                assertEquals(produces,
                    value(body, "ringlog_kafka_request_seconds_bucket{api=\"Produce\",le=\"+Inf\"}"), body);
                assertTrue(value(body, "ringlog_kafka_request_seconds_sum{api=\"Produce\"}") > 0, body);
                assertTrue(value(body, "ringlog_kafka_request_seconds_count{api=\"Fetch\"}") >= 2, body);
                assertTrue(value(body, "ringlog_kafka_request_seconds_count{api=\"OffsetCommit\"}") >= 1, body);
                assertTrue(value(body, "ringlog_kafka_request_seconds_count{api=\"ApiVersions\"}") >= 1, body);
                assertTrue(body.contains("# TYPE ringlog_kafka_request_seconds histogram"), body);
                assertCumulative(body, "ringlog_kafka_request_seconds_bucket{api=\"Produce\",le=");

                // Sequencer ring: its size, and nothing waiting in it once the producer is done.
                assertEquals(512, value(body, "ringlog_partition_ring_size" + p0Labels), body);
                assertEquals(0, value(body, "ringlog_partition_ring_occupancy" + p0Labels), body);

                // fsyncs: flush.messages=1 asks one per append; the flusher may merge some, never skip them all.
                assertTrue(value(body, "ringlog_journal_flush_seconds_count") >= 1, body);
                assertTrue(value(body, "ringlog_journal_flush_seconds_sum") > 0, body);
                assertEquals(value(body, "ringlog_journal_flush_seconds_count"),
                    value(body, "ringlog_journal_flush_seconds_bucket{le=\"+Inf\"}"), body);
                assertEquals(0, value(body, "ringlog_consumer_group_snapshot_timeouts_total"), body);
            }
        }
    }

    /** Every api the broker answers has its errors counted the way Kafka counts them, not by the fallback. */
    @Test
    void everyAnsweredApiHasItsErrorsCounted() throws Exception
    {
        try (RingBroker broker = RingBroker.start(config(-1)))
        {
            final ApiVersionsResponseData versions = rawCall(broker.port(), new ApiVersionsRequestData()
                .setClientSoftwareName("metrics-test").setClientSoftwareVersion("1"), (short)3);
            assertTrue(versions.apiKeys().size() > 20, versions.toString());
            for (final ApiVersionsResponseData.ApiVersion api : versions.apiKeys())
            {
                final boolean hotPath = api.apiKey() == ApiKeys.PRODUCE.id || api.apiKey() == ApiKeys.FETCH.id;
                assertTrue(hotPath || ResponseErrors.isListed(api.apiKey()),
                    ApiKeys.forId(api.apiKey()) + " is answered but ResponseErrors does not name it");
            }
        }
    }

    /**
     * A Produce and a Fetch for partition {@code missing} of {@code topic}, raw (kafka-clients check partitions
     * against metadata and never send them).
     *
     * @return the partition error of each answer, by api name.
     */
    private static Map<String, String> rawRequestsToAMissingPartition(final int port, final String topic,
        final int missing) throws IOException
    {
        final ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
            new ProduceRequestData.PartitionProduceData().setIndex(missing).setRecords(MemoryRecords.withRecords(
                Compression.NONE, new SimpleRecord("lost".getBytes(StandardCharsets.UTF_8)))))));
        final ProduceResponseData produced = rawCall(port,
            new ProduceRequestData().setAcks((short)1).setTimeoutMs(10_000).setTopicData(topics), (short)12);
        final FetchResponseData fetched = rawCall(port, new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0)
            .setMinBytes(1).setMaxBytes(1 << 20).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic)
                .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(missing).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20))))), (short)12);
        final Map<String, String> errors = new HashMap<>();
        errors.put("Produce", Errors.forCode(produced.responses().iterator().next().partitionResponses().get(0)
            .errorCode()).name());
        errors.put("Fetch", Errors.forCode(fetched.responses().get(0).partitions().get(0).errorCode()).name());
        return errors;
    }

    /** One request on a connection of its own, answered within 10 s. */
    @SuppressWarnings("unchecked")
    private static <T extends ApiMessage> T rawCall(final int port, final ApiMessage request, final short version)
        throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            final ByteBuffer frame = KafkaMessages.serializeRequest(request, version, 1, "metrics-test");
            final byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            socket.getOutputStream().write(bytes);
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            final ByteBuffer body = ByteBuffer.wrap(answer);
            final ResponseHeaderData header = new ResponseHeaderData(new ByteBufferAccessor(body),
                KafkaApis.responseHeaderVersion(request.apiKey(), version));
            assertEquals(1, header.correlationId());
            return (T)KafkaMessages.parseResponse(request.apiKey(), version, body.slice());
        }
    }

    private static KafkaProducer<String, String> producer(final String bootstrap)
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<String, String> consumer(final String bootstrap, final String group)
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Each {@code prefix...} bucket line counts at least as many as the one before: Prometheus' cumulative le. */
    private static void assertCumulative(final String body, final String prefix)
    {
        double previous = 0;
        int buckets = 0;
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(prefix))
            {
                final double count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                assertTrue(count >= previous, "not cumulative at " + line);
                previous = count;
                buckets++;
            }
        }
        assertEquals(LatencyHistogram.BUCKETS, buckets, body);
    }

    /** Scrape until {@code ready} holds (the counters are written on the broker's threads a moment after the fact). */
    private static String awaitScrape(final int port, final Predicate<String> ready) throws Exception
    {
        final long deadline = System.nanoTime() + SCRAPE_WAIT.toNanos();
        String body = scrapeResponse(port).body();
        while (!ready.test(body))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("the scrape never showed what was expected:\n" + body);
            }
            LockSupport.parkNanos(10_000_000);
            body = scrapeResponse(port).body();
        }
        return body;
    }

    private static HttpResponse<String> scrapeResponse(final int port) throws Exception
    {
        return HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private BrokerConfig config(final int metricsPort, final String... more)
    {
        final Map<String, String> config = new HashMap<>(Map.of(
            "listeners", "PLAINTEXT://127.0.0.1:0",
            "log.dirs", dir.toString(),
            "offsets.topic.num.partitions", "1",
            "native.enabled", "false", // Kafka traffic only: no media driver in Aeron's default dir
            "metrics.port", Integer.toString(metricsPort)));
        for (int i = 0; i < more.length; i += 2)
        {
            config.put(more[i], more[i + 1]);
        }
        return BrokerConfig.from(config);
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

}
