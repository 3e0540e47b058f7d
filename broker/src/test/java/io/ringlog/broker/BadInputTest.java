package io.ringlog.broker;

import io.ringlog.broker.RawKafkaClient.OffsetValue;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input over raw sockets to a real broker: each case gets the Kafka error a client expects (or, for a frame that
 * cannot be read, a closed connection), and afterwards the broker still serves a fresh connection (ApiVersions and
 * Metadata) and every record written before the bad input is still there, in order. A full disk (a 64 MiB tmpfs,
 * mounted by the test, which needs root; skipped where the mount fails) answers KAFKA_STORAGE_ERROR to produce while
 * fetch still reads what was written, with one partition filling it and with eight at once. The full-disk cases run
 * the broker as a process, so that a fault in the broker cannot take the test JVM down with it.
 */
@Timeout(45)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest
{
    private static final int SOCKET_REQUEST_MAX_BYTES = 64 * 1024;
    /** Written before every case; must stay readable. */
    private static final String GOOD = "good";
    /** max.message.bytes=1000. */
    private static final String SMALL = "small";
    /** __consumer_offsets is created at start-up; one partition of it, so that the small disk's budget is known. */
    private static final String OFFSETS_ON_SMALL_DISK = "offsets.topic.num.partitions=1";
    /**
     * A disk for preallocated segments: __consumer_offsets, created at start-up, preallocates a 100 MiB segment per
     * partition, so 64 MiB would not even start the broker.
     */
    private static final int PREALLOCATED_DISK_MIB = 192;

    private TestBroker broker;
    private int port;
    /** The values of GOOD-0 in offset order. */
    private final List<String> written = new ArrayList<>();
    private BrokerProcess diskFullBroker;
    private Path mounted;

    @BeforeAll
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void start(@TempDir(cleanup = CleanupMode.ON_SUCCESS) final Path dir) throws Exception
    {
        BrokerProcess.ensureBuilt(); // for the full-disk case, which runs the broker as a process
        broker = new TestBroker(dir, "auto.create.topics.enable=false",
            "socket.request.max.bytes=" + SOCKET_REQUEST_MAX_BYTES);
        port = broker.broker.port();
        Clients.createTopic(broker.bootstrap(), GOOD, 1, Map.of());
        Clients.createTopic(broker.bootstrap(), SMALL, 1, Map.of("max.message.bytes", "1000"));
    }

    @AfterAll
    void stop()
    {
        broker.close();
    }

    /** Every case starts with records on the log that its bad input must not disturb. */
    @BeforeEach
    void writeGoodRecords() throws IOException
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            assertEquals(Errors.NONE.code(), appendGood(client, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, 5).errorCode());
        }
    }

    @AfterEach
    void stopDiskFullBroker() throws Exception
    {
        if (diskFullBroker != null)
        {
            diskFullBroker.close(); // the process holds the tmpfs files open and mapped
            diskFullBroker = null;
        }
        if (mounted != null)
        {
            final Path dir = mounted;
            mounted = null;
            // A lazy unmount if the plain one fails: never leave a mount behind.
            assertTrue(run("umount", dir.toString()) || run("umount", "-l", dir.toString()), "umount " + dir);
        }
    }

    @Test
    void aBatchWithAWrongCrcIsCorruptMessage() throws Exception
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            final PartitionProduceResponse plain = client.produce(GOOD, 0, -1, corrupt(RawKafkaClient.batch("x", "y")));
            assertEquals(Errors.CORRUPT_MESSAGE.code(), plain.errorCode(), "a plain batch with a bad CRC");
            assertEquals(-1, plain.baseOffset());

            // An idempotent producer's corrupt batch must not advance its sequence: the intact one is taken next.
            final long producerId = client.initProducerId().producerId();
            final PartitionProduceResponse bad = client.produce(GOOD, 0, -1,
                corrupt(RawKafkaClient.idempotentBatch(producerId, (short)0, 0, "i0", "i1")));
            assertEquals(Errors.CORRUPT_MESSAGE.code(), bad.errorCode(), "an idempotent batch with a bad CRC");
            assertEquals(Errors.NONE.code(), appendGood(client, producerId, (short)0, 0, 2).errorCode(),
                "the same batch intact");
        }
        assertServingAndNothingLost();
    }

    @Test
    void aSequenceGapIsOutOfOrderSequenceAndAStaleEpochIsInvalidProducerEpoch() throws Exception
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            final long id = client.initProducerId().producerId();
            assertEquals(Errors.NONE.code(), appendGood(client, id, (short)0, 0, 2).errorCode(), "sequence 0");
            final PartitionProduceResponse gap = client.produce(GOOD, 0, -1,
                RawKafkaClient.idempotentBatch(id, (short)0, 7, "lost", "lost"));
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), gap.errorCode(), "sequence 7 after 0..1");
            assertEquals(Errors.NONE.code(), appendGood(client, id, (short)0, 2, 2).errorCode(), "sequence 2");

            assertEquals(Errors.NONE.code(), appendGood(client, id, (short)1, 0, 1).errorCode(), "a bumped epoch");
            final PartitionProduceResponse stale = client.produce(GOOD, 0, -1,
                RawKafkaClient.idempotentBatch(id, (short)0, 4, "lost"));
            assertEquals(Errors.INVALID_PRODUCER_EPOCH.code(), stale.errorCode(), "the old epoch after the bump");
        }
        assertServingAndNothingLost();
    }

    /** Append {@code count} good records to GOOD-0 as producer {@code id}, remembering them when they are taken. */
    private PartitionProduceResponse appendGood(final RawKafkaClient client, final long id, final short epoch,
        final int sequence, final int count) throws IOException
    {
        final String[] values = new String[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = "good-" + (written.size() + i);
        }
        final PartitionProduceResponse response = client.produce(GOOD, 0, -1,
            RawKafkaClient.idempotentBatch(id, epoch, sequence, values));
        if (response.errorCode() == Errors.NONE.code())
        {
            assertEquals(written.size(), response.baseOffset());
            written.addAll(List.of(values));
        }
        return response;
    }

    @Test
    void aBatchOverTheTopicsMaxMessageBytesIsMessageTooLarge() throws Exception
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            final PartitionProduceResponse fits = client.produce(SMALL, 0, -1, RawKafkaClient.batch("small"));
            assertEquals(Errors.NONE.code(), fits.errorCode(), "a batch under 1000 bytes");
            final long end = fits.baseOffset() + 1;
            final PartitionProduceResponse tooLarge = client.produce(SMALL, 0, -1,
                RawKafkaClient.batch("x".repeat(1_200)));
            assertEquals(Errors.MESSAGE_TOO_LARGE.code(), tooLarge.errorCode(), "a batch over max.message.bytes");
            final List<OffsetValue> small = client.readAll(SMALL, 0);
            assertEquals(end, small.size(), "only the batch that fits is in " + SMALL + ": " + small.size());
        }
        assertServingAndNothingLost();
    }

    @Test
    void produceToAnUnknownTopicIsUnknownTopicOrPartitionAndCreatesNothing() throws Exception
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                client.produce("no-such-topic", 0, -1, RawKafkaClient.batch("lost")).errorCode(), "unknown topic");
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                client.produce(GOOD, 7, -1, RawKafkaClient.batch("lost")).errorCode(), "unknown partition");

            // Produce v13 names topics by id.
            final ProduceRequestData byId = RawKafkaClient.produceRequest(null, 0, -1, RawKafkaClient.batch("lost"));
            byId.topicData().iterator().next().setTopicId(Uuid.randomUuid());
            final ProduceResponseData answer = client.call(byId, (short)13);
            assertEquals(Errors.UNKNOWN_TOPIC_ID.code(),
                answer.responses().iterator().next().partitionResponses().get(0).errorCode(), "unknown topic id");

            final MetadataResponseData metadata = client.call(new MetadataRequestData().setTopics(null), (short)12);
            assertNull(metadata.topics().find("no-such-topic"), "auto.create.topics.enable=false created nothing");
        }
        assertServingAndNothingLost();
    }

    @Test
    void invalidAcksIsInvalidRequiredAcks() throws Exception
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            assertEquals(Errors.INVALID_REQUIRED_ACKS.code(),
                client.produce(GOOD, 0, 2, RawKafkaClient.batch("lost")).errorCode(), "acks=2");
        }
        assertServingAndNothingLost();
    }

    /** The transport README: versions kafka-clients cannot parse close the connection; others are answered 35. */
    @Test
    void unsupportedVersionsAreAnsweredUnsupportedVersionOrClosed() throws Exception
    {
        // Metadata v99: no generated class reads it, so the connection is closed.
        assertClosed(frame(ApiKeys.METADATA.id, (short)99, true, new byte[]{ 1, 0, 0 }), "Metadata v99");
        // Produce v2: removed from kafka-clients 4.x (and from Kafka 4.0), so closed too.
        final ByteBuffer v2Body = ByteBuffer.allocate(10).putShort((short)1).putInt(1_000).putInt(0);
        assertClosed(frame(ApiKeys.PRODUCE.id, (short)2, false, v2Body.array()), "Produce v2");

        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            // ApiVersions above the broker's: a v0 answer with 35 and its ApiVersions range, so the client retries lower.
            client.send(frame(ApiKeys.API_VERSIONS.id, (short)99, true, new byte[]{ 0 }));
            final ApiVersionsResponseData versions = (ApiVersionsResponseData)client.readResponse(
                ApiKeys.API_VERSIONS.id, (short)0, 1);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), versions.errorCode(), "ApiVersions v99");
            assertNotNull(versions.apiKeys().find(ApiKeys.API_VERSIONS.id), "the answer gives the ApiVersions range");

            // An api kafka-clients writes that this broker does not list: that api's own error answer, with 35.
            final ApiVersionsResponseData listed = client.call(new ApiVersionsRequestData()
                .setClientSoftwareName("raw-test").setClientSoftwareVersion("1"), (short)3);
            final ApiKeys unserved = unservedApi(listed);
            final short version = unserved.latestVersion();
            final ByteBuffer body = client.callForBody(unserved.messageType.newRequest(), version);
            final Map<Errors, Integer> errors =
                AbstractResponse.parseResponse(unserved, new ByteBufferAccessor(body), version).errorCounts();
            assertTrue(errors.containsKey(Errors.UNSUPPORTED_VERSION), unserved + " v" + version + ": " + errors);
            client.assertServes(GOOD); // the same connection goes on
        }
        assertServingAndNothingLost();
    }

    @Test
    void aFrameOverSocketRequestMaxBytesClosesTheConnection() throws Exception
    {
        // Only the length prefix: refused before a body is read or allocated.
        assertClosed(ByteBuffer.allocate(4).putInt(SOCKET_REQUEST_MAX_BYTES + 1).array(), "length over the limit");
        assertClosed(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array(), "length Integer.MAX_VALUE");
        // A whole, well-formed Produce request over the limit: closed, and its records not appended.
        final ByteBuffer produce = KafkaMessages.serializeRequest(
            RawKafkaClient.produceRequest(GOOD, 0, -1, RawKafkaClient.batch("y".repeat(SOCKET_REQUEST_MAX_BYTES))),
            RawKafkaClient.PRODUCE_VERSION, 1, "big");
        assertClosed(RawKafkaClient.bytes(produce), "a Produce request over the limit");
        assertServingAndNothingLost();
    }

    @Test
    void malformedFramesCloseTheConnection() throws Exception
    {
        assertClosed(ByteBuffer.allocate(4).putInt(-5).array(), "negative length");
        assertClosed(new byte[4], "zero length");
        assertClosed(new byte[]{ 0, 0, 0, 3, 0, 18, 0 }, "a header cut short (3 bytes)");
        // ApiVersions v3 (header v2): correlation id, client id and tagged fields missing.
        assertClosed(new byte[]{ 0, 0, 0, 6, 0, 18, 0, 3, 0, 0 }, "a header without its client id");
        // A client id longer than the frame.
        assertClosed(new byte[]{ 0, 0, 0, 10, 0, 3, 0, 1, 0, 0, 0, 1, 0, 100 }, "a client id past the frame");
        assertClosed("GET / HTTP/1.1\r\nHost: ringlog\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "HTTP");
        assertClosed(new byte[]{ 0, 0, 0, 12, 0x7f, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2 }, "an unknown api key");
        // A Metadata v12 header followed by a body that does not parse.
        assertClosed(frame(ApiKeys.METADATA.id, (short)12, true, new byte[]{ (byte)0xff, (byte)0xff, 7 }),
            "a Metadata body that does not parse");
        assertServingAndNothingLost();
    }

    @Test
    void aFullDiskAnswersKafkaStorageErrorWhileFetchStillReads(
        @TempDir(cleanup = CleanupMode.ON_SUCCESS) final Path dir) throws Exception
    {
        final Path tmpfs = mountTmpfs(dir, 64);
        // Ballast: removed later to show appends resume once space is freed.
        final Path ballast = tmpfs.resolve("ballast");
        Files.write(ballast, new byte[16 * 1024 * 1024]);

        diskFullBroker = BrokerProcess.start(dir.resolve("run"), BrokerProcess.listenerAndData(
            BrokerProcess.freePort(), tmpfs.resolve("data"), "log.segment.bytes=1048576",
            "log.dir.reserve.bytes=8388608", "log.index.size.max.bytes=65536", OFFSETS_ON_SMALL_DISK));
        final String topic = "fill";
        Clients.createTopic(diskFullBroker.bootstrap(), topic, 1, Map.of());

        final List<String> acknowledged = new ArrayList<>();
        try (RawKafkaClient client = new RawKafkaClient(diskFullBroker.port()))
        {
            short error = Errors.NONE.code();
            for (int request = 0; request < 1_000 && error == Errors.NONE.code(); request++)
            {
                final String[] values = fillValues(acknowledged.size(), 60);
                final PartitionProduceResponse response = client.produce(topic, 0, 1, RawKafkaClient.batch(values));
                error = response.errorCode();
                if (error == Errors.NONE.code())
                {
                    assertEquals(acknowledged.size(), response.baseOffset());
                    acknowledged.addAll(List.of(values));
                }
            }
            assertEquals(Errors.KAFKA_STORAGE_ERROR.code(), error, "the answer once the disk is full");
            assertTrue(acknowledged.size() > 10 * 60, "the disk took some data first: " + acknowledged.size());
            assertEquals(Errors.KAFKA_STORAGE_ERROR.code(), client.produce(topic, 0, 1,
                RawKafkaClient.batch(fillValues(acknowledged.size(), 60))).errorCode(), "and again");

            assertValues(acknowledged, client.readAll(topic, 0), "read while the disk is full");
            client.assertServes(topic);
        }
        try (KafkaProducer<String, String> producer = Clients.producer(diskFullBroker.bootstrap(),
            "acks", "1", "enable.idempotence", false, "retries", 0))
        {
            // Larger than the room left in the active segment (the refused batch did not fit), so it needs a new
            // segment: refused too. A record that still fits the active segment would be taken, rightly.
            final String large = "z".repeat(100 * 1024);
            final ExecutionException ex = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>(topic, 0, null, large)).get(30, TimeUnit.SECONDS));
            assertInstanceOf(KafkaStorageException.class, ex.getCause(), "what kafka-clients makes of it");
        }

        Files.delete(ballast);
        try (RawKafkaClient client = new RawKafkaClient(diskFullBroker.port()))
        {
            final String[] values = fillValues(acknowledged.size(), 60);
            final PartitionProduceResponse response = client.produce(topic, 0, 1, RawKafkaClient.batch(values));
            assertEquals(Errors.NONE.code(), response.errorCode(), "appends resume once space is freed");
            assertEquals(acknowledged.size(), response.baseOffset());
            acknowledged.addAll(List.of(values));
            assertValues(acknowledged, client.readAll(topic, 0), "read after space was freed");
        }
    }

    /**
     * The same small disk filled by eight partitions at once, with segments larger than the journal's free-space
     * check step (16 MiB): each partition asks for free space only once per step it appends, so between them they
     * may take more than the reserve, and a store through the mapping into a hole the disk can no longer back faults
     * (SIGBUS). Every produce must still be answered, NONE or KAFKA_STORAGE_ERROR, and everything acknowledged must
     * be read back.
     */
    @ParameterizedTest(name = "log.preallocate={0}, log.segment.bytes={1}, a disk of {2} MiB")
    @CsvSource({ "false, 33554432, 64", "true, 4194304, " + PREALLOCATED_DISK_MIB })
    void aDiskFilledByManyPartitionsAtOnceAnswersKafkaStorageErrorAndNeverFaults(final boolean preallocate,
        final int segmentBytes, final int diskMebibytes, @TempDir(cleanup = CleanupMode.ON_SUCCESS) final Path dir)
        throws Exception
    {
        final Path tmpfs = mountTmpfs(dir, diskMebibytes);
        diskFullBroker = BrokerProcess.start(dir.resolve("run"), BrokerProcess.listenerAndData(
            BrokerProcess.freePort(), tmpfs.resolve("data"), "log.segment.bytes=" + segmentBytes,
            "log.dir.reserve.bytes=8388608", "log.index.size.max.bytes=65536", OFFSETS_ON_SMALL_DISK, "log.preallocate=" + preallocate));
        final String topic = "many";
        final int partitions = 8;
        Clients.createTopic(diskFullBroker.bootstrap(), topic, partitions, Map.of());

        final List<List<String>> acknowledged = new ArrayList<>();
        for (int p = 0; p < partitions; p++)
        {
            acknowledged.add(new ArrayList<>());
        }
        final boolean[] full = new boolean[partitions];
        int fullCount = 0;
        try (RawKafkaClient client = new RawKafkaClient(diskFullBroker.port()))
        {
            for (int request = 0; request < 2_000 && fullCount < partitions; request++)
            {
                final int p = request % partitions;
                if (full[p])
                {
                    continue;
                }
                final String[] values = fillValues(acknowledged.get(p).size(), 250);
                final PartitionProduceResponse response;
                try
                {
                    response = client.produce(topic, p, 1, RawKafkaClient.batch(values));
                }
                catch (final SocketTimeoutException ex)
                {
                    throw new AssertionError("produce to " + topic + "-" + p + " was not answered; broker errors:\n" +
                        brokerErrors(diskFullBroker), ex);
                }
                if (response.errorCode() == Errors.KAFKA_STORAGE_ERROR.code())
                {
                    full[p] = true;
                    fullCount++;
                    continue;
                }
                assertEquals(Errors.NONE.code(), response.errorCode(), () -> "produce to " + topic + "-" + p +
                    " (NONE or KAFKA_STORAGE_ERROR expected); broker errors:\n" + brokerErrors(diskFullBroker));
                assertEquals(acknowledged.get(p).size(), response.baseOffset());
                acknowledged.get(p).addAll(List.of(values));
            }
            assertEquals(partitions, fullCount, "every partition was refused in the end");
            for (int p = 0; p < partitions; p++)
            {
                assertValues(acknowledged.get(p), client.readAll(topic, p), topic + "-" + p);
            }
            client.assertServes(topic);
        }
    }

    /**
     * A topic whose preallocated segments do not fit the disk: CreateTopics is refused with KAFKA_STORAGE_ERROR, and
     * as a whole: no half-created topic in the metadata, no partition directories holding the space, and the disk
     * still takes a topic that fits. The topic already there goes on serving, and the broker restarts on the
     * directory.
     */
    @Test
    void aTopicThatDoesNotFitTheDiskIsRefusedWhole(@TempDir(cleanup = CleanupMode.ON_SUCCESS) final Path dir)
        throws Exception
    {
        final Path tmpfs = mountTmpfs(dir, PREALLOCATED_DISK_MIB);
        final Path data = tmpfs.resolve("data");
        final String[] overrides = BrokerProcess.listenerAndData(BrokerProcess.freePort(), data,
            "log.segment.bytes=8388608", "log.dir.reserve.bytes=8388608", "log.index.size.max.bytes=65536", OFFSETS_ON_SMALL_DISK,
            "log.preallocate=true");
        diskFullBroker = BrokerProcess.start(dir.resolve("run"), overrides);
        final String bootstrap = diskFullBroker.bootstrap();
        Clients.createTopic(bootstrap, "fits", 1, Map.of());

        // More 8 MiB segments than the space left holds, whatever the broker took at start-up.
        final int tooMany = (int)(tmpfs.toFile().getUsableSpace() / 8388608) + 2;
        final ExecutionException refused = assertThrows(ExecutionException.class,
            () -> Clients.createTopic(bootstrap, "too-big", tooMany, Map.of()));
        final MetadataResponseData metadata;
        final short produced;
        try (RawKafkaClient client = new RawKafkaClient(diskFullBroker.port()))
        {
            metadata = client.call(new MetadataRequestData().setTopics(null), (short)12);
            produced = client.produce("fits", 0, -1, RawKafkaClient.batch("still")).errorCode();
        }
        final List<String> leftBehind;
        try (Stream<Path> children = Files.list(data))
        {
            leftBehind = children.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("too-big"))
                .sorted().toList();
        }
        // Every consequence checked and reported, not only the first.
        assertAll(
            () -> assertInstanceOf(KafkaStorageException.class, refused.getCause(), "CreateTopics on a full disk"),
            () -> assertNull(metadata.topics().find("too-big"), "no half-created topic in the metadata"),
            () -> assertEquals(List.of(), leftBehind, "partition directories left behind, holding the space"),
            () -> assertEquals(Errors.NONE.code(), produced, "the topic already there takes records"),
            () -> Clients.createTopic(bootstrap, "a-topic-that-fits", 1, Map.of()),
            () ->
            {
                // A topic the broker could not open must not stop it from starting again on this directory.
                diskFullBroker.terminate(Duration.ofSeconds(20));
                diskFullBroker = BrokerProcess.start(dir.resolve("restart"), overrides);
            });
    }

    /**
     * The first api, by key, that a broker may serve and kafka-clients writes, but that this broker does not list
     * (what the broker serves grows; the case must not depend on which). Its default request must be writable.
     */
    private static ApiKeys unservedApi(final ApiVersionsResponseData listed)
    {
        for (final ApiKeys key : ApiKeys.apisForListener(ApiMessageType.ListenerType.BROKER))
        {
            if (listed.apiKeys().find(key.id) == null)
            {
                try
                {
                    KafkaMessages.serializeRequest(key.messageType.newRequest(), key.latestVersion(), 1, "raw-test");
                    return key;
                }
                catch (final RuntimeException ex)
                {
                    // its empty request cannot be written at this version: try the next api
                }
            }
        }
        // Not a skip: if the broker ever serves every api, this case must be rewritten (an unknown key is another case).
        return fail("this broker lists every api kafka-clients writes: no unserved api left to send");
    }

    /** A fresh connection does ApiVersions and Metadata, and GOOD-0 holds every record written to it, in order. */
    private void assertServingAndNothingLost() throws IOException
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            client.assertServes(GOOD);
            assertValues(written, client.readAll(GOOD, 0), GOOD);
        }
    }

    /** A fresh connection sends {@code bytes}; the broker closes it without an answer. */
    private void assertClosed(final byte[] bytes, final String what) throws IOException
    {
        try (RawKafkaClient client = new RawKafkaClient(port))
        {
            try
            {
                client.send(bytes);
            }
            catch (final IOException ex)
            {
                return; // closed while we were still writing
            }
            assertTrue(client.isClosedByPeer(), "the broker closes the connection on " + what);
        }
    }

    /** Mount a tmpfs of {@code mebibytes} under {@code dir}, unmounted after the test; skipped where that fails. */
    private Path mountTmpfs(final Path dir, final int mebibytes) throws Exception
    {
        final Path tmpfs = Files.createDirectories(dir.resolve("tmpfs"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + mebibytes + "m", "tmpfs", tmpfs.toString()),
            "cannot mount a tmpfs (needs root)");
        mounted = tmpfs;
        return tmpfs;
    }

    /** Run a command, its output going to the test's; whether it succeeded within 30 s. */
    private static boolean run(final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }

    /**
     * The broker's log lines at ERROR and the lines that continue them (stack traces): what a post-mortem starts
     * with. The broker may log after it answers, so this gives it a moment to.
     */
    private static String brokerErrors(final BrokerProcess broker)
    {
        Conditions.holdsWithin(Duration.ofSeconds(2), () -> broker.stderr().contains(" ERROR "));
        final StringBuilder errors = new StringBuilder();
        boolean inError = false;
        for (final String line : broker.stderr().lines().toList())
        {
            inError = line.contains(" ERROR ") || (inError && !line.startsWith("["));
            if (inError && errors.length() < 4_000)
            {
                errors.append(line).append('\n');
            }
        }
        return errors.toString();
    }

    private static void assertValues(final List<String> expected, final List<OffsetValue> read, final String what)
    {
        assertEquals(expected.size(), read.size(), "records in " + what);
        for (int i = 0; i < expected.size(); i++)
        {
            assertEquals(new OffsetValue(i, expected.get(i)), read.get(i), what + " at " + i);
        }
    }

    /** A request frame by hand: length, header v1 (or v2 with empty tagged fields), then {@code body}. */
    private static byte[] frame(final short apiKey, final short version, final boolean flexible, final byte[] body)
    {
        final byte[] clientId = "raw".getBytes(StandardCharsets.US_ASCII);
        final int length = 2 + 2 + 4 + 2 + clientId.length + (flexible ? 1 : 0) + body.length;
        final ByteBuffer frame = ByteBuffer.allocate(4 + length).putInt(length)
            .putShort(apiKey).putShort(version).putInt(1).putShort((short)clientId.length).put(clientId);
        if (flexible)
        {
            frame.put((byte)0);
        }
        return frame.put(body).array();
    }

    /** The batch with one byte of its last record flipped: the CRC no longer matches. */
    private static MemoryRecords corrupt(final MemoryRecords records)
    {
        final byte[] bytes = RawKafkaClient.bytes(records.buffer());
        bytes[bytes.length - 2] ^= 0x5a;
        return MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
    }

    private static String[] fillValues(final int from, final int count)
    {
        final String[] values = new String[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = String.format("%08d", from + i) + "-".repeat(1_000);
        }
        return values;
    }
}
