package io.ringlog.perf.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of a three-node Apache Kafka 4.3.1 KRaft cluster in combined mode (broker and controller in one process),
 * with a static voter set ({@code controller.quorum.voters}), as Kafka's docs describe a small cluster. Its ports are
 * fixed when the cluster is planned, so a node killed with {@code kill -9} comes back on the same ones; storage is
 * formatted on the first start only. Kafka's failure-detection and election settings are left at their defaults
 * (broker session 9 s, heartbeat 2 s, quorum election 1 s, fetch 2 s): they are what is being compared.
 */
final class KafkaClusterNode extends BrokerProcess implements ClusterMember
{
    private final KafkaDist dist;
    private final Path runDir;
    private final int nodeId;
    private final int clientPort;
    private final int controllerPort;
    private final String voters;
    private final String clusterId;
    private boolean formatted;

    /**
     * @param dist           Kafka's classpath and logging config.
     * @param dataDir        fresh directory for its data.
     * @param runDir         where its logs and config go.
     * @param nodeId         its node.id.
     * @param clientPort     its PLAINTEXT listener.
     * @param controllerPort its CONTROLLER listener.
     * @param voters         {@code controller.quorum.voters} of the whole cluster.
     * @param clusterId      the cluster id every node is formatted with.
     */
    KafkaClusterNode(final KafkaDist dist, final Path dataDir, final Path runDir, final int nodeId,
        final int clientPort, final int controllerPort, final String voters, final String clusterId)
    {
        super("kafka-" + nodeId, dataDir, runDir.resolve("kafka-node-" + nodeId + ".log"));
        this.dist = dist;
        this.runDir = runDir;
        this.nodeId = nodeId;
        this.clientPort = clientPort;
        this.controllerPort = controllerPort;
        this.voters = voters;
        this.clusterId = clusterId;
        port(clientPort);
    }

    @Override
    public int nodeId()
    {
        return nodeId;
    }

    int controllerPort()
    {
        return controllerPort;
    }

    @Override
    public void start() throws IOException
    {
        final Path config = runDir.resolve("kafka-node-" + nodeId + ".properties");
        if (!formatted)
        {
            Files.writeString(config, serverProperties(), StandardCharsets.UTF_8);
            final ToolRun format = ToolRun.run(dist.java(), dist.jvmFlags("WARN", List.of("-Xmx256m")),
                dist.classpath(), "kafka.tools.StorageTool",
                List.of("format", "--cluster-id", clusterId, "--config", config.toString()),
                runDir.resolve("kafka-format-" + nodeId + ".log"), 120);
            if (!format.ok())
            {
                throw new IOException("kafka-storage format failed: " + ToolOutput.failureReason(format.output()));
            }
            formatted = true;
        }
        final List<String> command = new ArrayList<>();
        command.add(dist.java());
        command.addAll(dist.jvmFlags("INFO", KafkaBroker.JVM_FLAGS));
        command.add("-cp");
        command.add(dist.classpath());
        command.add("kafka.Kafka");
        command.add(config.toString());
        launch(new ProcessBuilder(command));
    }

    /** Wait until its log says it has started (its peers must be up for that: call after starting all). */
    @Override
    public void awaitStarted() throws IOException
    {
        awaitLine(line -> line.contains("Kafka Server started"), START_LIMIT_SECS);
    }

    private String serverProperties()
    {
        return String.join(System.lineSeparator(),
            "# written by io.ringlog.perf.kafka.KafkaClusterNode: one of three KRaft nodes, broker and controller",
            "process.roles=broker,controller",
            "node.id=" + nodeId,
            "controller.quorum.voters=" + voters,
            "listeners=PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + clientPort,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs=" + dataDir.resolve("logs"),
            "num.partitions=1",
            "default.replication.factor=3",
            "min.insync.replicas=2",
            "offsets.topic.replication.factor=3",
            "transaction.state.log.replication.factor=3",
            "transaction.state.log.min.isr=2",
            "group.initial.rebalance.delay.ms=0",
            "# as Kafka's config/server.properties ships them",
            "num.network.threads=3",
            "num.io.threads=8",
            "log.retention.hours=168",
            "log.segment.bytes=1073741824",
            "");
    }
}
