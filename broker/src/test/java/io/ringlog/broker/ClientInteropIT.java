package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * librdkafka (the Debian {@code kcat}) and kafkajs against a real broker: what kafka-clients cannot show.
 * <ul>
 *   <li>kcat {@code -z gzip|snappy|lz4|zstd}: every stored batch carries the codec, read back from the segment file
 *       itself (librdkafka 2.0.2 sent them uncompressed while Produce was advertised from v3, KAFKA-18659);</li>
 *   <li>a transactional producer fails at once, not after its timeout: kcat ({@code -X transactional.id}) and
 *       kafkajs ({@code producer.transaction()}).</li>
 * </ul>
 * Run only by {@code mvn verify -Pinterop}, after {@code .ci/run} has installed kcat and kafkajs. A missing tool is
 * a failure that says how to install it, never a skip. Every child process is bounded by a timeout and killed at
 * the end.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientInteropIT
{
    /** How long one tool run may take; each finishes in well under a second when things work. */
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
    /** A transactional producer must fail faster than this (kcat's own init_transactions timeout is 5 s). */
    private static final long FAIL_FAST_MS = 4_000;
    private static final int RECORDS = 300;

    private final List<Process> children = new ArrayList<>();
    private Path dataDir;
    private TestBroker broker;
    private Admin admin;
    private String kcat;
    private String node;
    private Path kafkajsModules;

    @BeforeAll
    void start(@TempDir final Path dir) throws Exception
    {
        kcat = executable("kcat", "apt-get update && apt-get install -y kcat");
        node = executable("node", "apt-get install -y nodejs (Node.js 18 or later)");
        kafkajsModules = Path.of(System.getProperty("ringlog.interop.node.modules", "target/node/node_modules"))
            .toAbsolutePath();
        if (!Files.isRegularFile(kafkajsModules.resolve("kafkajs/package.json")))
        {
            fail("kafkajs is not installed in " + kafkajsModules + ": run npm install --prefix " +
                kafkajsModules.getParent() + " kafkajs@2.2.4 (.ci/run does)");
        }
        dataDir = dir.resolve("data");
        broker = new TestBroker(dataDir);
        admin = broker.admin();
    }

    @AfterAll
    void stop()
    {
        children.forEach(Process::destroyForcibly);
        for (final Process p : children)
        {
            try
            {
                p.waitFor(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
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
    void kcatStoresGzipBatches() throws Exception
    {
        assertKcatStoresCodec("gzip", 1);
    }

    @Test
    void kcatStoresSnappyBatches() throws Exception
    {
        assertKcatStoresCodec("snappy", 2);
    }

    @Test
    void kcatStoresLz4Batches() throws Exception
    {
        assertKcatStoresCodec("lz4", 3);
    }

    @Test
    void kcatStoresZstdBatches() throws Exception
    {
        assertKcatStoresCodec("zstd", 4);
    }

    @Test
    void kcatTransactionalProducerFailsAtOnce() throws Exception
    {
        final String topic = "interop-kcat-txn";
        createTopic(topic);
        final long start = System.nanoTime();
        final Result result = run(List.of(kcat, "-P", "-b", broker.bootstrap(), "-t", topic,
            "-X", "transactional.id=tx-kcat"), "one\n");
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("kcat transactional producer, " + tookMs + " ms: " + result);
        assertTrue(result.exitCode != 0, "kcat must fail: " + result);
        assertTrue(tookMs < FAIL_FAST_MS, "kcat failed after " + tookMs + " ms: " + result);
        assertTrue(result.stderr.contains("Transactions are not supported by this Ringlog broker") &&
            result.stderr.contains("tx-kcat"), result.toString());
        assertEquals(0, admin.listOffsets(Map.of(new TopicPartition(topic, 0),
            org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get(20, TimeUnit.SECONDS)
            .get(new TopicPartition(topic, 0)).offset(), "nothing written");
    }

    @Test
    void kafkajsTransactionalProducerFailsAtOnce() throws Exception
    {
        createTopic("interop-kafkajs-txn");
        final Path script = Path.of("src/test/js/kafkajs-transaction.js").toAbsolutePath();
        final long start = System.nanoTime();
        final Result result = run(List.of(node, script.toString(), broker.bootstrap(), "tx-kafkajs"), "");
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, result.exitCode, result.toString());
        System.out.println("kafkajs transactional producer: " + result);
        // kafkajs gives up on any FindCoordinator error but COORDINATOR_NOT_AVAILABLE at once, and its broker pool
        // drops the error itself: all it can say is KafkaJSGroupCoordinatorNotFound, never the broker's message.
        assertTrue(result.stdout.contains("\"failed\":true") &&
            result.stdout.contains("\"name\":\"KafkaJSGroupCoordinatorNotFound\""), result.toString());
        final int at = result.stdout.indexOf("\"ms\":");
        final long failedAfterMs = Long.parseLong(result.stdout.substring(at + 5).split("[,}]")[0]);
        assertTrue(failedAfterMs < FAIL_FAST_MS, "kafkajs failed after " + failedAfterMs + " ms: " + result);
        assertTrue(tookMs < 15_000, "node ran for " + tookMs + " ms: " + result);
    }

    private void assertKcatStoresCodec(final String codec, final int codecId) throws Exception
    {
        final String topic = "interop-kcat-" + codec;
        createTopic(topic);
        final StringBuilder lines = new StringBuilder();
        for (int i = 0; i < RECORDS; i++)
        {
            lines.append("record ").append(i).append(" of a compressible, repetitive, compressible payload\n");
        }
        final Result result = run(List.of(kcat, "-P", "-b", broker.bootstrap(), "-t", topic, "-p", "0", "-z", codec,
            "-X", "linger.ms=50"), lines.toString());
        assertEquals(0, result.exitCode, result.toString());

        final List<Integer> codecs = storedBatchCodecs(dataDir.resolve(topic + "-0"));
        assertFalse(codecs.isEmpty(), "no batch stored for " + topic);
        assertEquals(List.of(codecId), codecs.stream().distinct().toList(),
            "the codec of every stored batch (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd): " + codecs);

        // And the records read back whole through kafka-clients, which decompresses them.
        try (KafkaConsumer<String, String> consumer = broker.consumer())
        {
            final TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final List<String> values = new ArrayList<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (values.size() < RECORDS && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
                {
                    values.add(r.value());
                }
            }
            assertEquals(RECORDS, values.size());
            assertEquals("record 299 of a compressible, repetitive, compressible payload", values.get(RECORDS - 1));
        }
    }

    /**
     * The compression codec (attributes & 7) of every batch in the partition's segment files, read from the files
     * as the journal wrote them: baseOffset (8), batchLength (4), partitionLeaderEpoch (4), magic (1), crc (4),
     * attributes (2). Segments are pre-sized, so the first zero length ends a segment.
     */
    private static List<Integer> storedBatchCodecs(final Path partitionDir) throws IOException
    {
        final List<Integer> codecs = new ArrayList<>();
        final List<Path> segments;
        try (Stream<Path> files = Files.list(partitionDir))
        {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (final Path segment : segments)
        {
            try (FileChannel channel = FileChannel.open(segment))
            {
                final ByteBuffer header = ByteBuffer.allocate(23).order(ByteOrder.BIG_ENDIAN);
                long position = 0;
                while (position + header.capacity() <= channel.size())
                {
                    header.clear();
                    channel.read(header, position);
                    final int length = header.getInt(8);
                    if (length <= 0)
                    {
                        break;
                    }
                    assertEquals(2, header.get(16), "magic of the batch at " + position + " in " + segment);
                    codecs.add(header.getShort(21) & 0x07);
                    position += 12 + length;
                }
            }
        }
        return codecs;
    }

    private void createTopic(final String topic) throws Exception
    {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short)1))).all().get(20, TimeUnit.SECONDS);
    }

    /** Run a tool with {@code stdin}, bounded by {@link #TOOL_TIMEOUT}; killed if it overruns. */
    private Result run(final List<String> command, final String stdin) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NODE_PATH", kafkajsModules.toString());
        final Path out = Files.createTempFile(dataDir.getParent(), "tool", ".out");
        final Path err = Files.createTempFile(dataDir.getParent(), "tool", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        final Process process = builder.start();
        children.add(process);
        try
        {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            if (!process.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                fail(command.get(0) + " did not finish in " + TOOL_TIMEOUT + ": " + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    /** The tool's path on PATH, or a failure that says how to install it. */
    private static String executable(final String name, final String install)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return fail(name + " is not on PATH (" + System.getenv("PATH") + "); the interop profile needs it: " + install);
    }

    private record Result(int exitCode, String stdout, String stderr)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + ", stdout: " + stdout.strip() + ", stderr: " + stderr.strip();
        }
    }
}
