package io.ringlog.broker.nativeapi;

import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.ringlog.broker.RingBroker;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.ProduceResponseDecoder;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native path over UDP, across a broker restart, and with a media driver the broker did not launch (an external
 * one, and one it must refuse to share).
 */
@Timeout(60)
class NativeTransportTest
{
    @TempDir
    Path dir;

    @Test
    void servesOverUdpIngressAndEgress() throws Exception
    {
        final int ingressPort = freeUdpPort();
        final String endpoint = "127.0.0.1:" + ingressPort;
        try (NativeTestBroker broker = new NativeTestBroker(dir,
            "native.ingress.channels=aeron:ipc,aeron:udp?endpoint=" + endpoint);
            NativeTestClient client = NativeTestClient.udp(broker.broker.aeronDirectoryName(), endpoint, freeUdpPort()))
        {
            assertEquals(List.of("aeron:ipc", "aeron:udp?endpoint=" + endpoint), broker.broker.nativeIngressChannels());
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "udp");
            // Larger than a UDP frame (MTU 1408): fragmented on the way in, reassembled by the gateway.
            final String big = "u".repeat(5_000);
            for (int i = 0; i < 20; i++)
            {
                final ProduceResponseDecoder r = client.produce(topic, 0, -1, NativeTests.batch(big + i, "small" + i));
                assertEquals(NativeErrors.NONE, r.errorCode());
                assertEquals(2L * i, r.baseOffset());
            }
            final long subscription = client.sendSubscribe(topic, 0, -2, 0);
            assertEquals(NativeErrors.NONE, client.subscribeResponse(subscription).errorCode());
            final List<String> values = new ArrayList<>();
            client.readRecords(subscription, 0, 40, values);
            assertEquals(big + 19, values.get(38));
            assertEquals("small19", values.get(39));
            assertEquals(40, NativeProduceTest.consumeAll(broker, "udp", 40).size());
        }
    }

    /** aeron.threading.mode and aeron.driver.idle.strategy reach the embedded driver; UDP works through it. */
    @Test
    void servesUdpThroughADedicatedDriver() throws Exception
    {
        final String endpoint = "127.0.0.1:" + freeUdpPort();
        try (NativeTestBroker broker = new NativeTestBroker(dir, "native.ingress.channels=aeron:udp?endpoint=" + endpoint,
            "aeron.threading.mode=DEDICATED", "aeron.driver.idle.strategy=sleeping");
            NativeTestClient client = NativeTestClient.udp(broker.broker.aeronDirectoryName(), endpoint, freeUdpPort()))
        {
            final Set<String> driverThreads = new HashSet<>();
            Thread.getAllStackTraces().keySet().forEach(t -> driverThreads.add(t.getName()));
            assertTrue(driverThreads.containsAll(List.of("driver-conductor", "sender", "receiver")), driverThreads::toString);
            client.connect();
            final NativeTestClient.Topic topic = NativeTests.topic(client, "dedicated");
            for (int i = 0; i < 5; i++)
            {
                assertEquals(NativeErrors.NONE, client.produce(topic, 0, 1, NativeTests.batch("d" + i)).errorCode());
            }
            final long subscription = client.sendSubscribe(topic, 0, -2, 0);
            assertEquals(NativeErrors.NONE, client.subscribeResponse(subscription).errorCode());
            final List<String> values = new ArrayList<>();
            client.readRecords(subscription, 0, 5, values);
            assertEquals(List.of("d0", "d1", "d2", "d3", "d4"), values);
        }
    }

    @Test
    void recordsSurviveARestartAndAreReadNatively() throws Exception
    {
        final Path data = dir.resolve("data");
        NativeTestClient.Topic topic;
        try (NativeTestBroker broker = new NativeTestBroker(data, dir.resolve("aeron-1"));
            NativeTestClient client = broker.client();
            KafkaProducer<String, String> producer = broker.producer())
        {
            client.connect();
            topic = NativeTests.topic(client, "durable");
            for (int i = 0; i < 5; i++)
            {
                assertEquals(NativeErrors.NONE, client.produce(topic, 0, 1, NativeTests.batch("n" + i)).errorCode());
            }
            producer.send(new ProducerRecord<>("durable", 0, null, "k5")).get();
        }
        assertFalse(Files.exists(dir.resolve("aeron-1")), "the broker deleted the driver directory it created");

        try (NativeTestBroker broker = new NativeTestBroker(data, dir.resolve("aeron-2"));
            NativeTestClient client = broker.client())
        {
            client.connect();
            final NativeTestClient.Topic again = NativeTests.topic(client, "durable");
            assertEquals(topic, again, "the same topic id after the restart");
            final long subscription = client.sendSubscribe(again, 0, -2, 0);
            assertEquals(6, client.subscribeResponse(subscription).highWatermark());
            final List<String> values = new ArrayList<>();
            client.readRecords(subscription, 0, 6, values);
            assertEquals(List.of("n0", "n1", "n2", "n3", "n4", "k5"), values);
            assertEquals(6, client.produce(again, 0, 1, NativeTests.batch("n6")).baseOffset(), "appends go on");
        }
    }

    @Test
    void joinsAnExternalDriverAndRefusesToShareOneItWouldEmbed() throws Exception
    {
        final Path aeronDir = dir.resolve("external-driver");
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(aeronDir.toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)))
        {
            assertEquals(aeronDir.toAbsolutePath().toString(), Path.of(driver.aeronDirectoryName()).toAbsolutePath()
                .toString());
            try (NativeTestBroker broker = new NativeTestBroker(dir.resolve("data"), aeronDir,
                "aeron.driver.embedded=false");
                NativeTestClient client = broker.client())
            {
                assertFalse(broker.broker.nativeService().isDriverEmbedded());
                client.connect();
                final NativeTestClient.Topic topic = NativeTests.topic(client, "external");
                assertEquals(0, client.produce(topic, 0, 1, NativeTests.batch("e0")).baseOffset());
                final long subscription = client.sendSubscribe(topic, 0, -2, 0);
                assertEquals(NativeErrors.NONE, client.subscribeResponse(subscription).errorCode());
                final List<String> values = new ArrayList<>();
                client.readRecords(subscription, 0, 1, values);
                assertEquals(List.of("e0"), values);
            }
            assertTrue(Files.exists(aeronDir.resolve("cnc.dat")), "the broker leaves a driver it did not launch alone");
            assertTrue(CommonContext.isDriverActive(aeronDir.toFile(), 1_000, s -> { }), "and it still runs");

            // A broker that would embed its own driver there refuses, naming the directory and the keys.
            final Map<String, String> config = Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data-2").toString(),
                "offsets.topic.num.partitions", "1",
                "aeron.dir", aeronDir.toString(),
                "native.ingress.channels", "aeron:ipc");
            final IOException refused = assertThrows(IOException.class,
                () -> RingBroker.start(BrokerConfig.from(config)).close());
            assertTrue(refused.getMessage().contains(aeronDir.toString()), refused.getMessage());
            assertTrue(refused.getMessage().contains("aeron.dir") &&
                refused.getMessage().contains("aeron.driver.embedded"), refused.getMessage());
            // The failed start left nothing behind: the data dir is free for the next broker.
            try (NativeTestBroker next = new NativeTestBroker(dir.resolve("data-2"), aeronDir,
                "aeron.driver.embedded=false"))
            {
                assertTrue(next.gateway().isRunning());
            }
        }
    }

    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
