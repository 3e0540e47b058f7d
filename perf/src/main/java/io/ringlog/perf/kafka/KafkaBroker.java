package io.ringlog.perf.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Apache Kafka 4.3.1 in KRaft mode, one node as both broker and controller, from the Maven Central jars that
 * {@code perf/kafka-dist/pom.xml} copies: storage formatted with {@code kafka.tools.StorageTool format --standalone},
 * then {@code kafka.Kafka server.properties} with the heap and GC flags of Kafka's own {@code kafka-server-start.sh}
 * (1 GiB, G1 with 20 ms pauses). Listeners on 127.0.0.1, on ports free when it starts. The broker settings are
 * those its {@code config/server.properties} ships with, bar what a single node needs (replication factors 1).
 */
final class KafkaBroker extends BrokerProcess
{
    /** {@code KAFKA_HEAP_OPTS} and {@code KAFKA_JVM_PERFORMANCE_OPTS} of kafka-server-start.sh / kafka-run-class.sh. */
    static final List<String> JVM_FLAGS = List.of("-Xms1g", "-Xmx1g", "-server", "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true");

    private final KafkaDist dist;
    private final Path runDir;

    /**
     * @param dist    Kafka's classpath and logging config.
     * @param dataDir fresh directory for its data.
     * @param runDir  where its logs and config go.
     */
    KafkaBroker(final KafkaDist dist, final Path dataDir, final Path runDir)
    {
        super("kafka", dataDir, runDir.resolve("kafka-broker.log"));
        this.dist = dist;
        this.runDir = runDir;
    }

    @Override
    public void start() throws IOException
    {
        final int clientPort = freePort();
        int controllerPort = freePort();
        while (controllerPort == clientPort)
        {
            controllerPort = freePort();
        }
        final Path config = runDir.resolve("kafka-server.properties");
        Files.writeString(config, serverProperties(clientPort, controllerPort, dataDir.resolve("logs")),
            StandardCharsets.UTF_8);

        final ToolRun format = ToolRun.run(dist.java(), dist.jvmFlags("WARN", List.of("-Xmx256m")), dist.classpath(),
            "kafka.tools.StorageTool",
            List.of("format", "--cluster-id", clusterId(), "--config", config.toString(), "--standalone"),
            runDir.resolve("kafka-format.log"), 120);
        if (!format.ok())
        {
            throw new IOException("kafka-storage format failed: " + ToolOutput.failureReason(format.output()));
        }

        final List<String> command = new ArrayList<>();
        command.add(dist.java());
        command.addAll(dist.jvmFlags("INFO", JVM_FLAGS));
        command.add("-cp");
        command.add(dist.classpath());
        command.add("kafka.Kafka");
        command.add(config.toString());
        launch(new ProcessBuilder(command));
        awaitLine(line -> line.contains("Kafka Server started"), START_LIMIT_SECS);
        awaitPort(clientPort);
        port(clientPort);
    }

    /**
     * The server.properties of a single KRaft node.
     *
     * @param clientPort     PLAINTEXT listener.
     * @param controllerPort CONTROLLER listener.
     * @param logDir         its log.dirs.
     * @return the file's content.
     */
    static String serverProperties(final int clientPort, final int controllerPort, final Path logDir)
    {
        return String.join(System.lineSeparator(),
            "# written by io.ringlog.perf.kafka.KafkaBroker: one KRaft node, broker and controller",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + clientPort,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs=" + logDir,
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "# as Kafka's config/server.properties ships them",
            "num.network.threads=3",
            "num.io.threads=8",
            "socket.send.buffer.bytes=102400",
            "socket.receive.buffer.bytes=102400",
            "socket.request.max.bytes=104857600",
            "num.recovery.threads.per.data.dir=1",
            "log.retention.hours=168",
            "log.segment.bytes=1073741824",
            "log.retention.check.interval.ms=300000",
            "");
    }

    /**
     * A cluster id as {@code kafka-storage random-uuid} makes one: a random UUID in URL-safe base64 without
     * padding, never starting with '-' (which a command line would take for an option).
     *
     * @return 22 characters.
     */
    static String clusterId()
    {
        while (true)
        {
            final UUID uuid = UUID.randomUUID();
            final ByteBuffer bytes = ByteBuffer.allocate(16);
            bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            final String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
            if (!id.startsWith("-"))
            {
                return id;
            }
        }
    }

    /**
     * @return a port free on 127.0.0.1 now (another process could take it before Kafka binds it: then Kafka fails
     *     to start and says so).
     * @throws IOException if none can be bound.
     */
    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private void awaitPort(final int port) throws IOException
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (true)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() > deadline || !alive())
                {
                    throw new IOException("kafka: port " + port + " does not accept connections", ex);
                }
                sleep(50);
            }
        }
    }
}
