package io.ringlog.perf.latency;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A Ringlog broker in the harness's JVM, for the Ringlog targets: {@link RingBroker#start} with the native path on,
 * its embedded media driver in a fresh directory, its data in another, and the one topic the targets use, with one
 * partition.
 *
 * <h2>The profile</h2>
 * <ul>
 *   <li><b>busy-spin runs</b> start it with {@code idle.strategy=busy-spin}: the broker's low-latency profile, where
 *       the native gateway is composed onto shard 0's thread ({@code ringlog-shard-0}), so gateway and shard share
 *       one spinning thread and a produce goes from ingress to journal without a hand-off. With the harness thread
 *       that is the two spinning threads the 2-core profile allows. The Kafka listener would spin too in that
 *       profile (a third spinner on two cores): {@code kafka.listener.idle.strategy=select} keeps it asleep in
 *       {@code select}; nothing here talks Kafka. The group coordinator backs off, the log flusher and the Aeron
 *       counters mirror sleep, whatever the profile; the embedded media driver is SHARED and backs off (parks up to
 *       100 µs, {@code AeronRuntime}): IPC never passes through it, UDP does.</li>
 *   <li><b>backoff runs</b> (tests, a shared machine) leave {@code idle.strategy=backoff}: the gateway then has a
 *       thread of its own ({@code ringlog-native-gateway}), and nothing spins.</li>
 * </ul>
 * Any broker key can be overridden with the target option {@code ringlog.broker.<key>=<value>}.
 *
 * <h2>Directories</h2>
 * The driver's directory is {@code ringlog-perf-aeron-broker-<uuid>} under {@code /dev/shm} (tmpfs, as {@link EmbeddedAeron}
 * and Aeron's own default; target option {@code aeron.dir.parent} moves it); the broker deletes it on close, since it
 * created it. The data directory is {@code ringlog-perf-latency-broker-*} under {@code java.io.tmpdir} (a disk, as
 * Chronicle's queue in {@link ChronicleAppendTail}; target option {@code ringlog.dir.parent} moves it), deleted on
 * close. The broker's defaults otherwise: 1 GiB segments, not preallocated, so fresh pages of the segment are faulted
 * in on the shard's thread inside the window, as they are in use; no retention runs during a run (its check interval
 * is 5 minutes), and everything is deleted with the directory.
 * <p>
 * Not thread-safe: started and closed on the harness thread.
 */
final class InProcessBroker implements AutoCloseable
{
    /** The topic every Ringlog target produces to and reads from: one partition. */
    static final String TOPIC = "latency";
    /** Target options with this prefix are broker config overrides. */
    static final String BROKER_OPTION_PREFIX = "ringlog.broker.";
    /**
     * The start of the name of the broker's media driver directory, and so of its driver's one thread in SHARED mode
     * ({@code <dir> [sender,receiver,driver-conductor]}).
     */
    static final String DRIVER_DIR_PREFIX = "ringlog-perf-aeron-broker-";

    private final RingBroker broker;
    private final Path dataDir;
    private final Path aeronDir;

    private InProcessBroker(final RingBroker broker, final Path dataDir, final Path aeronDir)
    {
        this.broker = broker;
        this.dataDir = dataDir;
        this.aeronDir = aeronDir;
    }

    /**
     * Start a broker and create {@link #TOPIC}.
     *
     * @param settings       the run's idle mode and target options.
     * @param ingressChannel the one channel the native gateway takes requests on ({@code aeron:ipc}, or
     *                       {@code aeron:udp?endpoint=127.0.0.1:<port>}).
     * @return the running broker.
     * @throws IOException if a directory cannot be made or the broker cannot start.
     */
    static InProcessBroker start(final TargetSettings settings, final String ingressChannel) throws IOException
    {
        final Path dataParent = Path.of(settings.option("ringlog.dir.parent", System.getProperty("java.io.tmpdir")));
        final Path dataDir = Files.createTempDirectory(dataParent, "ringlog-perf-latency-broker-");
        final Path aeronDir = Path.of(settings.option("aeron.dir.parent", EmbeddedAeron.defaultParent()))
            .resolve(DRIVER_DIR_PREFIX + UUID.randomUUID());

        final Map<String, String> config = new HashMap<>();
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", dataDir.toString());
        config.put("idle.strategy", settings.idle().label());
        config.put("kafka.listener.idle.strategy", "select");
        config.put("aeron.dir", aeronDir.toString());
        config.put("native.ingress.channels", ingressChannel);
        // __consumer_offsets is created at start whatever the clients do; one partition instead of 50 logs and 100
        // counters that nothing here uses.
        config.put("offsets.topic.num.partitions", "1");
        for (final Map.Entry<String, String> option : settings.options().entrySet())
        {
            if (option.getKey().startsWith(BROKER_OPTION_PREFIX))
            {
                config.put(option.getKey().substring(BROKER_OPTION_PREFIX.length()), option.getValue());
            }
        }

        RingBroker broker = null;
        try
        {
            broker = RingBroker.start(BrokerConfig.from(config));
            broker.controller().createTopic(TOPIC, 1, 1, Map.of(), false);
            return new InProcessBroker(broker, dataDir, aeronDir);
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(broker);
            IoUtil.delete(dataDir.toFile(), true);
            IoUtil.delete(aeronDir.toFile(), true);
            throw ex;
        }
    }

    /**
     * @return the broker's media driver directory, where IPC clients and same-host readers connect.
     */
    String aeronDirectoryName()
    {
        return broker.aeronDirectoryName();
    }

    /** Stop the broker (it deletes its driver directory), then delete the data directory. */
    @Override
    public void close()
    {
        try
        {
            broker.close();
        }
        finally
        {
            IoUtil.delete(dataDir.toFile(), true);
            IoUtil.delete(aeronDir.toFile(), true);
        }
    }

    /**
     * @return a UDP port on 127.0.0.1 that was free a moment ago.
     */
    static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
