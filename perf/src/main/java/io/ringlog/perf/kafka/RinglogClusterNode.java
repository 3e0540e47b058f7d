package io.ringlog.perf.kafka;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of a three-node Ringlog cluster, combined (a controller quorum member and a broker), started as
 * {@code bin/ringlog server} from a snapshot of the build ({@link RinglogBroker#snapshot}) with the shipped
 * {@code config/cluster} settings' shape: fixed client and quorum ports (so a node killed with {@code kill -9} comes
 * back on the same ones), its own data and media driver directories, the native path on with IPC only. The
 * failure-detection settings are the shipped ones (broker lease 3 s, quorum leader timeout 1 s): they are what is
 * being compared with Kafka's defaults.
 */
final class RinglogClusterNode extends BrokerProcess implements ClusterMember
{
    private static final String READY = "ringlog: broker started on port ";

    private final Path dist;
    private final int nodeId;
    private final int clientPort;
    private final String voters;

    /**
     * @param dist       a snapshot of the build, shared by the three nodes.
     * @param dataDir    fresh directory for its data.
     * @param runDir     where its log goes.
     * @param nodeId     its node.id.
     * @param clientPort its Kafka listener.
     * @param voters     controller.quorum.voters of the whole cluster.
     */
    RinglogClusterNode(final Path dist, final Path dataDir, final Path runDir, final int nodeId, final int clientPort,
        final String voters)
    {
        super("ringlog-" + nodeId, dataDir, runDir.resolve("ringlog-node-" + nodeId + ".log"));
        this.dist = dist;
        this.nodeId = nodeId;
        this.clientPort = clientPort;
        this.voters = voters;
        port(clientPort);
    }

    @Override
    public int nodeId()
    {
        return nodeId;
    }

    @Override
    public void start() throws IOException
    {
        final List<String> command = new ArrayList<>(List.of("bash", dist.resolve("bin/ringlog").toString(), "server",
            "--config", dist.resolve("config/cluster/node-1.properties").toString()));
        for (final String override : List.of(
            "node.id=" + nodeId,
            "listeners=PLAINTEXT://127.0.0.1:" + clientPort,
            "controller.quorum.voters=" + voters,
            "log.dirs=" + dataDir.resolve("logs"),
            "aeron.dir=" + dataDir.resolve("aeron"),
            "native.ingress.channels=aeron:ipc"))
        {
            command.add("--override");
            command.add(override);
        }
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_OPTS", RinglogBroker.JAVA_OPTS);
        launch(builder);
    }

    @Override
    public void awaitStarted() throws IOException
    {
        awaitLine(line -> line.startsWith(READY), START_LIMIT_SECS);
    }
}
