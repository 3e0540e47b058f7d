package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14's protocol section against a real broker with kafka-clients: what ApiVersions advertises (Produce from v0
 * yet v0-v2 refused, no unstable versions unless configured), DescribeLogDirs, DescribeProducers, the ACL APIs
 * without an authorizer, and a transactional producer failing at once instead of blocking for max.block.ms.
 * librdkafka and kafkajs are checked by {@code InteropIT} (the {@code interop} profile).
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolApisTest
{
    private static final String TOPIC = "protocol-apis";

    private Path dir;
    private TestBroker broker;
    private Admin admin;

    @BeforeAll
    void start(@TempDir final Path dir) throws Exception
    {
        this.dir = dir;
        broker = new TestBroker(dir.resolve("data"));
        admin = broker.admin();
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short)1))).all().get(20, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop()
    {
        if (admin != null)
        {
            admin.close();
        }
        if (broker != null)
        {
            broker.close();
        }
    }

    @Test
    void produceIsAdvertisedFromV0AndV0ToV2AreStillRefused() throws Exception
    {
        final ApiVersionsResponseData versions = apiVersions(broker.broker.port());
        final ApiVersionsResponseData.ApiVersion produce = versions.apiKeys().find(ApiKeys.PRODUCE.id);
        assertEquals(0, produce.minVersion(), "Produce advertised from v0, as Kafka 4 (KAFKA-18659)");
        assertEquals(ApiKeys.PRODUCE.latestVersion(), produce.maxVersion());
        for (final short version : new short[]{ 0, 1, 2 })
        {
            // acks, timeout, no topics: a well-formed v0-v2 body; the broker closes the connection as Kafka 4 does.
            final byte[] body = ByteBuffer.allocate(10).putShort((short)1).putInt(1_000).putInt(0).array();
            try (RawKafkaClient client = new RawKafkaClient(broker.broker.port()))
            {
                try
                {
                    client.send(frame(ApiKeys.PRODUCE.id, version, body));
                }
                catch (final IOException ex)
                {
                    continue; // closed while writing
                }
                assertTrue(client.isClosedByPeer(), "Produce v" + version + " closes the connection");
            }
        }
        // And kafka-clients still produces (v13) on a fresh connection.
        try (KafkaProducer<String, String> producer = broker.producer())
        {
            assertEquals(TOPIC, producer.send(new ProducerRecord<>(TOPIC, 1, "k", "v")).get(20, TimeUnit.SECONDS).topic());
        }
    }

    @Test
    void unstableVersionsAreAdvertisedOnlyWhenEnabled() throws Exception
    {
        final ApiVersionsResponseData stable = apiVersions(broker.broker.port());
        for (final ApiVersionsResponseData.ApiVersion api : stable.apiKeys())
        {
            final ApiKeys key = ApiKeys.forId(api.apiKey());
            assertTrue(api.maxVersion() <= key.latestVersion(false),
                key.name + " advertised up to v" + api.maxVersion() + ", past its last stable version");
        }
        assertEquals(ApiKeys.INIT_PRODUCER_ID.latestVersion(false),
            stable.apiKeys().find(ApiKeys.INIT_PRODUCER_ID.id).maxVersion());
        for (final ApiKeys api : List.of(ApiKeys.DESCRIBE_LOG_DIRS, ApiKeys.DESCRIBE_PRODUCERS, ApiKeys.DESCRIBE_ACLS,
            ApiKeys.CREATE_ACLS, ApiKeys.DELETE_ACLS))
        {
            assertNotNull(stable.apiKeys().find(api.id), api.name + " advertised");
        }

        try (TestBroker unstable = new TestBroker(dir.resolve("unstable"), "unstable.api.versions.enable=true"))
        {
            assertEquals(ApiKeys.INIT_PRODUCER_ID.latestVersion(true),
                apiVersions(unstable.broker.port()).apiKeys().find(ApiKeys.INIT_PRODUCER_ID.id).maxVersion());
        }
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> new TestBroker(dir.resolve("bad"), "unstable.api.versions.enable=sometimes"));
        assertTrue(bad.getMessage().contains("unstable.api.versions.enable"), bad.getMessage());
    }

    @Test
    void describeLogDirsGivesEachPartitionsSizeInItsDir() throws Exception
    {
        try (KafkaProducer<String, String> producer = broker.producer())
        {
            for (int i = 0; i < 50; i++)
            {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "value-" + i));
            }
            producer.flush();
        }
        final Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions()
            .get(20, TimeUnit.SECONDS).get(1);
        final String logDir = dir.resolve("data").toAbsolutePath().normalize().toString();
        assertEquals(List.of(logDir), List.copyOf(dirs.keySet()));
        final LogDirDescription description = dirs.get(logDir);
        assertEquals(null, description.error());
        assertTrue(description.totalBytes().isPresent() && description.totalBytes().getAsLong() > 0);
        assertTrue(description.usableBytes().isPresent());

        final TopicPartition p0 = new TopicPartition(TOPIC, 0);
        final TopicPartition p1 = new TopicPartition(TOPIC, 1);
        final ReplicaInfo r0 = description.replicaInfos().get(p0);
        assertNotNull(r0, "partition 0 listed: " + description.replicaInfos().keySet());
        assertEquals(broker.broker.partitions().partition(TOPIC, 0).log().sizeInBytes(), r0.size());
        assertTrue(r0.size() > 50 * "value-0".length(), "50 records are in there: " + r0.size());
        assertEquals(0, r0.offsetLag());
        assertFalse(r0.isFuture());
        assertNotNull(description.replicaInfos().get(p1), "partition 1 listed, even if nearly empty");
        assertTrue(description.replicaInfos().keySet().stream().anyMatch(tp -> tp.topic().equals("__consumer_offsets")),
            "every partition held, internal ones too");

        // Asked for one partition: that one only (describeReplicaLogDirs sends a topic list).
        final var replica = admin.describeReplicaLogDirs(
            List.of(new org.apache.kafka.common.TopicPartitionReplica(TOPIC, 0, 1))).all().get(20, TimeUnit.SECONDS);
        assertEquals(logDir, replica.values().iterator().next().getCurrentReplicaLogDir());
    }

    @Test
    void describeProducersListsTheIdempotentProducersOfALeader() throws Exception
    {
        final String topic = "protocol-producers"; // alone: kafka-clients' producers are idempotent by default
        admin.createTopics(List.of(new NewTopic(topic, 2, (short)1))).all().get(20, TimeUnit.SECONDS);
        final long timestamp = 1_700_000_000_123L;
        try (KafkaProducer<String, String> producer = broker.producer(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
            ProducerConfig.ACKS_CONFIG, "all"))
        {
            for (int i = 0; i < 5; i++)
            {
                producer.send(new ProducerRecord<>(topic, 1, timestamp + i, "k", "v" + i)).get(20, TimeUnit.SECONDS);
            }
        }
        final TopicPartition p1 = new TopicPartition(topic, 1);
        final PartitionProducerState state = admin.describeProducers(List.of(p1)).partitionResult(p1)
            .get(20, TimeUnit.SECONDS);
        final List<ProducerState> producers = state.activeProducers();
        assertEquals(1, producers.size(), producers.toString());
        final ProducerState p = producers.get(0);
        assertTrue(p.producerId() >= 0, p.toString());
        assertEquals(0, p.producerEpoch());
        assertEquals(4, p.lastSequence(), "five records, one per batch, sequences 0-4");
        assertEquals(timestamp + 4, p.lastTimestamp(), "the newest batch's max timestamp");
        assertFalse(p.coordinatorEpoch().isPresent(), "coordinator epoch -1: no transaction");
        assertFalse(p.currentTransactionStartOffset().isPresent(), "no transaction open");

        final TopicPartition idle = new TopicPartition(topic, 0);
        assertEquals(List.of(), admin.describeProducers(List.of(idle)).partitionResult(idle).get(20, TimeUnit.SECONDS)
            .activeProducers(), "no producer wrote to partition 0");
        // A partition this broker does not hold (the Admin client would retry its leader look-up until it times
        // out, as against Kafka): asked directly, it is UNKNOWN_TOPIC_OR_PARTITION.
        try (RawKafkaClient client = new RawKafkaClient(broker.broker.port()))
        {
            final DescribeProducersRequestData request = new DescribeProducersRequestData();
            request.topics().add(new DescribeProducersRequestData.TopicRequest().setName("no-such-topic-here")
                .setPartitionIndexes(List.of(0)));
            final DescribeProducersResponseData answer =
                client.call(request, ApiKeys.DESCRIBE_PRODUCERS.latestVersion());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                answer.topics().get(0).partitions().get(0).errorCode());
        }
    }

    @Test
    void aclApisAnswerSecurityDisabledAsKafkaWithoutAnAuthorizer()
    {
        final AclBinding binding = new AclBinding(new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
        assertSecurityDisabled(admin.describeAcls(AclBindingFilter.ANY).values(), "describeAcls");
        assertSecurityDisabled(admin.createAcls(List.of(binding)).all(), "createAcls");
        assertSecurityDisabled(admin.deleteAcls(List.of(new AclBindingFilter(binding.pattern().toFilter(),
            AccessControlEntryFilter.ANY))).all(), "deleteAcls");
    }

    /** Not blocked for max.block.ms (60 s here): initTransactions() fails at once, saying why. */
    @Test
    void aTransactionalProducerFailsAtOnceSayingTransactionsAreUnsupported()
    {
        try (KafkaProducer<String, String> producer = broker.producer(
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1", ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000))
        {
            final long start = System.nanoTime();
            final KafkaException ex = assertThrows(KafkaException.class, producer::initTransactions);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < 5_000, "failed after " + tookMs + " ms");
            assertTrue(ex.getMessage().contains("Transactions are not supported by this Ringlog broker") &&
                ex.getMessage().contains("tx-1"), ex.getMessage());
        }
    }

    private static void assertSecurityDisabled(final Future<?> future, final String what)
    {
        final ExecutionException ex = assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS));
        assertInstanceOf(SecurityDisabledException.class, ex.getCause(), what);
        assertEquals("No Authorizer is configured.", ex.getCause().getMessage(), what);
    }

    private static ApiVersionsResponseData apiVersions(final int port) throws IOException
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            return client.call(new ApiVersionsRequestData().setClientSoftwareName("protocol-apis-test")
                .setClientSoftwareVersion("1"), ApiKeys.API_VERSIONS.latestVersion());
        }
    }

    /** A request frame, header v1 (Produce v0-v2 are not flexible). */
    private static byte[] frame(final short apiKey, final short version, final byte[] body)
    {
        final byte[] clientId = "raw".getBytes(StandardCharsets.US_ASCII);
        final int length = 2 + 2 + 4 + 2 + clientId.length + body.length;
        return ByteBuffer.allocate(4 + length).putInt(length).putShort(apiKey).putShort(version).putInt(1)
            .putShort((short)clientId.length).put(clientId).put(body).array();
    }
}
