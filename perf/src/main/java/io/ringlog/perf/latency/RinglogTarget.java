package io.ringlog.perf.latency;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.ringlog.client.ClientContext;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendResult;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.client.record.RecordView;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the Ringlog targets share: an {@link InProcessBroker} in the low-latency profile, a native client
 * ({@link RinglogClient}) and a {@link RinglogProducer} on it, all driven from the harness thread; the subclasses add
 * the receiving side (the same-host reader or a native consumer) on the same thread.
 *
 * <h2>Sending</h2>
 * Each message is one record of topic {@link InProcessBroker#TOPIC}, partition 0: no key, no headers, the payload as
 * its value, copied by {@link RinglogProducer#send} into the partition's open batch. The producer runs with
 * {@code linger.ms=0} and {@code acks=0}:
 * <ul>
 *   <li>{@code linger.ms=0}: the batch is sealed and offered on the ingress by the client's next duty cycle, which the
 *       harness runs in the {@link #poll} right after the send (the harness loop is send, then poll, every turn). So
 *       each message goes out as a batch of one, in the same turn of the loop; {@code send} itself only copies.</li>
 *   <li>{@code acks=0}: the broker answers nothing (unless it refuses a batch), so the measured thread polls no
 *       ProduceResponse and the broker's thread writes none: the path is produce, append, read, the same shape as
 *       the anchors (Aeron one way, Chronicle append then tail), which have no acknowledgement either. Without
 *       idempotence (Kafka's rule: only with acks=all), so nothing is retried: a batch the broker refused is lost,
 *       and the harness counts it. {@code --target-option ringlog.client.acks=1} measures the acknowledged path
 *       (the answer travels back on the egress and is polled on this thread).</li>
 * </ul>
 * A refused send ({@code BACK_PRESSURED}, {@code NOT_CONNECTED}) returns false and the harness offers it again.
 *
 * <h2>Options</h2>
 * {@code --target-option ringlog.client.<key>=<value>} sets any client key ({@link ClientContext#set}),
 * {@code ringlog.broker.<key>=<value>} any broker key; {@code aeron.dir.parent} and {@code ringlog.dir.parent} move
 * the driver and data directories ({@link InProcessBroker}); {@value #UDP_CLIENT_DRIVER_OPTION} chooses the UDP
 * client's driver.
 *
 * <h2>Threads</h2>
 * The harness thread runs the producer, the client's duty cycle ({@code client.poll()}: with its own Aeron's
 * conductor as an invoker, so the client has no thread) and the receiving side. The broker's threads are named in
 * {@link #threadNames()} for the allocation check; over UDP the client's media driver adds one more.
 * <p>
 * Not thread-safe: everything on the harness thread.
 */
abstract class RinglogTarget implements LatencyTarget
{
    /** Target options with this prefix are client config keys. */
    static final String CLIENT_OPTION_PREFIX = "ringlog.client.";
    /**
     * The start of the name of the UDP client's own media driver directory, and so of that driver's thread
     * ({@code <dir> [sender,receiver,driver-conductor]}).
     */
    static final String CLIENT_DRIVER_DIR_PREFIX = "ringlog-perf-aeron-client-";
    /**
     * Over UDP, whose media driver the client uses: {@code own} (the default: a driver of its own, as on another
     * host) or {@code broker} (the broker's: one driver thread sends and receives both ways, still through the
     * kernel's UDP stack on loopback).
     */
    static final String UDP_CLIENT_DRIVER_OPTION = "ringlog.udp.client.driver";

    /**
     * A RecordsMessage holds at most this much (the client's default is 1 MiB). The response channel's term is made
     * to fit eight of them, so 128 KiB gives a 2 MiB term where 1 MiB would give 16 MiB: the egress log buffer is
     * then written through once (each page faulted in) within the first seconds of warm-up, at 10k msg/s too,
     * instead of all through the window. At the rates measured a message holds a few dozen records at most.
     */
    static final int MAX_PARTITION_FETCH_BYTES = 128 * 1024;

    private static final long CONNECT_TIMEOUT_MS = 20_000;

    private final String name;
    private final boolean udp;
    private final RecordHandler onRecord = this::onRecord;
    private Set<Thread> threadsBefore = Set.of();
    private InProcessBroker broker;
    private MediaDriver clientDriver;
    private Path clientDriverDir;
    private RinglogClient client;
    private RinglogProducer producer;
    private ProducerTopic topic;
    private MessageReceiver receiver;
    private long asyncErrors;
    private Throwable firstAsyncError;

    /**
     * @param name the target's name in the tables.
     * @param udp  true: producer and receiver reach the broker over UDP on loopback, through a media driver of the
     *             client's own; false: over IPC, on the broker's driver.
     */
    RinglogTarget(final String name, final boolean udp)
    {
        this.name = name;
        this.udp = udp;
    }

    @Override
    public final String name()
    {
        return name;
    }

    /**
     * Every thread that started with the target and is still running: the broker's (shard 0, with the gateway on it
     * when spinning, else the gateway's own; the Kafka listener; the group coordinator; the log flusher; the admin
     * thread; the Aeron counters mirror; the embedded driver's one SHARED thread and its executor; the broker's Aeron
     * client conductor, {@code aeron-client}) and over UDP the client's media driver's. By exact name, found rather
     * than listed, so a thread the broker adds is measured too; the drivers' threads by their directories' prefixes
     * ({@link InProcessBroker#DRIVER_DIR_PREFIX}, {@link #CLIENT_DRIVER_DIR_PREFIX}), as their names hold a random
     * directory. Two drivers' executors share the name {@code aeron-executor} and are reported together.
     */
    @Override
    public final List<String> threadNames()
    {
        // The drivers' prefixes first: the allocation check gives a thread to the first part its name contains, and
        // the client's driver's thread contains "aeron-client", the name of the broker's Aeron client conductor.
        final Set<String> drivers = new TreeSet<>();
        final Set<String> others = new TreeSet<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String name = thread.getName();
            if (threadsBefore.contains(thread))
            {
                continue;
            }
            if (name.contains(CLIENT_DRIVER_DIR_PREFIX))
            {
                drivers.add(CLIENT_DRIVER_DIR_PREFIX);
            }
            else if (name.contains(InProcessBroker.DRIVER_DIR_PREFIX))
            {
                drivers.add(InProcessBroker.DRIVER_DIR_PREFIX);
            }
            else
            {
                others.add(name);
            }
        }
        final List<String> names = new ArrayList<>(drivers);
        names.addAll(others);
        return names;
    }

    @Override
    public final void start(final TargetSettings settings) throws Exception
    {
        threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
        final String ingress = udp ? "aeron:udp?endpoint=127.0.0.1:" + InProcessBroker.freeUdpPort() : "aeron:ipc";
        broker = InProcessBroker.start(settings, ingress);

        final ClientContext ctx = new ClientContext()
            .clientId("ringlog-perf-latency")
            .ingressChannel(ingress)
            .acks(0)
            .lingerMs(0)
            .maxPartitionFetchBytes(MAX_PARTITION_FETCH_BYTES)
            .connectTimeoutMs(CONNECT_TIMEOUT_MS)
            .requestTimeoutMs(CONNECT_TIMEOUT_MS)
            .errorHandler(this::onAsyncError);
        if (udp)
        {
            ctx.responseChannel("aeron:udp?endpoint=127.0.0.1:" + InProcessBroker.freeUdpPort());
            final String driver = settings.option(UDP_CLIENT_DRIVER_OPTION, "own");
            if ("own".equals(driver))
            {
                clientDriverDir = Path.of(settings.option("aeron.dir.parent", EmbeddedAeron.defaultParent()))
                    .resolve(CLIENT_DRIVER_DIR_PREFIX + UUID.randomUUID());
                clientDriver = launchClientDriver(clientDriverDir);
                ctx.aeronDirectoryName(clientDriverDir.toString());
            }
            else if ("broker".equals(driver))
            {
                ctx.aeronDirectoryName(broker.aeronDirectoryName());
            }
            else
            {
                throw new IllegalArgumentException(UDP_CLIENT_DRIVER_OPTION + " is own or broker: " + driver);
            }
        }
        else
        {
            ctx.aeronDirectoryName(broker.aeronDirectoryName());
        }
        for (final Map.Entry<String, String> option : settings.options().entrySet())
        {
            if (option.getKey().startsWith(CLIENT_OPTION_PREFIX))
            {
                ctx.set(option.getKey().substring(CLIENT_OPTION_PREFIX.length()), option.getValue());
            }
        }

        client = RinglogClient.connect(ctx);
        producer = new RinglogProducer(client, null);
        topic = producer.topic(InProcessBroker.TOPIC);
        if (topic.partitionCount() != 1)
        {
            throw new IllegalStateException(InProcessBroker.TOPIC + " has " + topic.partitionCount() + " partitions");
        }
        openReceiver(client);
    }

    @Override
    public final boolean send(final long intendedTimeNs, final DirectBuffer payload, final int length)
    {
        final int result = producer.send(
            topic, 0, null, 0, 0, payload, 0, length, null, RinglogProducer.NOW, 0);
        if (result == SendResult.OK)
        {
            return true;
        }
        if (result == SendResult.BACK_PRESSURED || result == SendResult.NOT_CONNECTED)
        {
            return false;
        }
        throw new IllegalStateException(name + ": send failed: " + SendResult.name(result));
    }

    @Override
    public final int poll(final MessageReceiver receiver, final int limit)
    {
        this.receiver = receiver;
        return pollReceiver(client, onRecord, limit);
    }

    @Override
    public final void close()
    {
        try
        {
            closeReceiver();
        }
        finally
        {
            // The client first (its close completes what the producer still holds), then what it connects to.
            CloseHelper.closeAll(client, clientDriver, broker);
            if (null != clientDriverDir)
            {
                IoUtil.delete(clientDriverDir.toFile(), true);
            }
            if (asyncErrors > 0)
            {
                System.err.println("latency: " + name + ": the client reported " + asyncErrors + " error(s) from its " +
                    "duty cycle, the first: " + firstAsyncError);
            }
        }
    }

    /**
     * Open the receiving side on the client and return once it is at the partition's end: a message sent now is
     * the first it delivers.
     *
     * @param client connected.
     * @throws Exception if it cannot be opened.
     */
    abstract void openReceiver(RinglogClient client) throws Exception;

    /**
     * One poll of the receiving side, which must also run the client's duty cycle once (the producer's batch goes
     * out in it).
     *
     * @param client  the client.
     * @param handler hands each record's value to the harness's receiver.
     * @param limit   records to deliver at most.
     * @return records delivered.
     * @throws IllegalStateException if the receiving side can no longer read.
     */
    abstract int pollReceiver(RinglogClient client, RecordHandler handler, int limit);

    /** Close the receiving side; called once, also after a failed start (then perhaps with nothing opened). */
    abstract void closeReceiver();

    /**
     * Wait, polling the client, until {@code condition} holds: for set-up only.
     *
     * @param client    polled between checks.
     * @param what      for the exception.
     * @param condition checked after each poll.
     * @throws IllegalStateException after the connect timeout.
     */
    static void pollUntil(final RinglogClient client, final String what, final BooleanSupplier condition)
    {
        if (!client.pollUntil(condition, System.currentTimeMillis() + CONNECT_TIMEOUT_MS))
        {
            throw new IllegalStateException("timed out waiting for " + what);
        }
    }

    /**
     * Errors with no caller to throw to, from inside the client's duty cycle: above all an acks=0 batch the broker
     * refused ({@code BACK_PRESSURED}: its records are lost, and the harness counts them as not received). The client
     * would log each one, on the measured thread; they are counted instead, and reported once when the target closes.
     */
    private void onAsyncError(final Throwable error)
    {
        if (0 == asyncErrors++)
        {
            firstAsyncError = error;
        }
    }

    private void onRecord(final RecordView record)
    {
        receiver.onMessage(record.buffer(), record.valueOffset(), record.valueLength());
    }

    /**
     * The UDP client's media driver, as on another host: its own directory, SHARED threading with the broker's
     * driver's back-off (spin 10, yield 5, park 1 µs doubling to 100 µs: on 2 cores it may not spin, the harness and
     * the broker's shard do), log buffers not sparse so they are written once when created, not faulted in during a
     * window.
     */
    private static MediaDriver launchClientDriver(final Path dir)
    {
        return MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 5, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MICROSECONDS.toNanos(100)))
            .termBufferSparseFile(false));
    }
}
