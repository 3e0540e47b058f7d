package io.ringlog.tools;

import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** A real Ringlog broker in the test's JVM, on a free port, with its data in a temp dir. */
final class TestBroker implements AutoCloseable
{
    final Path dataDir;
    final RingBroker broker;

    TestBroker(final Path dataDir, final String... overrides) throws IOException
    {
        this.dataDir = dataDir;
        final Map<String, String> config = new HashMap<>();
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", dataDir.toString());
        config.put("log.segment.bytes", Integer.toString(1024 * 1024));
        config.put("offsets.topic.num.partitions", "4");
        config.put("group.initial.rebalance.delay.ms", "0");
        // The command line speaks Kafka: no media driver in Aeron's default dir, which parallel runs would share.
        config.put("native.enabled", "false");
        for (final String o : overrides)
        {
            final int eq = o.indexOf('=');
            config.put(o.substring(0, eq), o.substring(eq + 1));
        }
        broker = RingBroker.start(BrokerConfig.from(config));
    }

    /**
     * A broker with the native path on, as {@code --native} needs: its embedded media driver in {@code aeronDir}
     * (under the test's temp dir, never Aeron's default that parallel runs would share; the broker deletes it on
     * close), ingress on IPC only, small egress terms and request memory.
     */
    static TestBroker withNative(final Path dataDir, final Path aeronDir) throws IOException
    {
        return new TestBroker(dataDir,
            "native.enabled=true",
            "aeron.dir=" + aeronDir,
            "native.ingress.channels=aeron:ipc",
            "native.egress.term.length=" + (1024 * 1024),
            "native.request.memory.bytes=" + (8 * 1024 * 1024));
    }

    /** {@code args... --native --aeron-dir <this broker's driver>}. */
    String[] withNative(final String... args)
    {
        final String[] all = java.util.Arrays.copyOf(args, args.length + 3);
        all[args.length] = "--native";
        all[args.length + 1] = "--aeron-dir";
        all[args.length + 2] = broker.aeronDirectoryName();
        return all;
    }

    /** Run {@code ringlog args... --native --aeron-dir <this broker's driver>} in a child JVM. */
    Cli.Result nativeCli(final String... args)
    {
        return nativeCliWithInput(null, args);
    }

    Cli.Result nativeCliWithInput(final String stdin, final String... args)
    {
        return Cli.start(stdin, withNative(args)).finish(Cli.DEFAULT_TIMEOUT);
    }

    String bootstrap()
    {
        return "127.0.0.1:" + broker.port();
    }

    KafkaProducer<String, String> producer(final Object... settings)
    {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        for (int i = 0; i < settings.length; i += 2)
        {
            p.put((String)settings[i], settings[i + 1]);
        }
        return new KafkaProducer<>(p);
    }

    /** Run {@code ringlog args... --bootstrap-server <this broker>} in a child JVM. */
    Cli.Result cli(final String... args)
    {
        return cliWithInput(null, args);
    }

    Cli.Result cliWithInput(final String stdin, final String... args)
    {
        return Cli.start(stdin, withBootstrap(args)).finish(Cli.DEFAULT_TIMEOUT);
    }

    String[] withBootstrap(final String... args)
    {
        final String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--bootstrap-server";
        all[args.length + 1] = bootstrap();
        return all;
    }

    /** Create a topic directly (test set-up; {@code ringlog topics create} itself is tested on its own). */
    void createTopic(final String name, final int partitions, final String... configs) throws Exception
    {
        final Map<String, String> c = new HashMap<>();
        for (final String kv : configs)
        {
            final int eq = kv.indexOf('=');
            c.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap())))
        {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short)1).configs(c))).all().get();
        }
    }

    /** Send these values to one partition, each acknowledged before the next; @return their timestamps. */
    long[] send(final String topic, final int partition, final String... values) throws Exception
    {
        final long[] timestamps = new long[values.length];
        try (KafkaProducer<String, String> producer = producer())
        {
            for (int i = 0; i < values.length; i++)
            {
                timestamps[i] = producer.send(new ProducerRecord<>(topic, partition, null, values[i])).get()
                    .timestamp();
            }
        }
        return timestamps;
    }

    /** A port nobody listens on now. */
    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close()
    {
        broker.close();
    }
}
