package io.ringlog.broker.nativeclient;

import io.aeron.logbuffer.ControlledFragmentHandler;
import io.ringlog.broker.core.aeron.NativeIngress;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import io.ringlog.client.BrokerConnection;
import io.ringlog.client.ClientComponent;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.SyncCall;
import io.ringlog.client.TopicMetadata;
import io.ringlog.client.consumer.RinglogConsumer;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendResult;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three brokers in this JVM (a three-voter controller quorum, each broker its own embedded media driver under its own
 * temp directory, a native UDP ingress on a free port) and a native client with a media driver of its own, as on
 * another host, bootstrapped at broker 1 only. It produces to and subscribes to partitions that the other brokers lead
 * (the not-leader answers name the leader); then the leader of one partition is closed (a controlled shutdown),
 * leadership moves, and the client follows: its producer re-sends what was not acknowledged to the new leader and its
 * subscription resumes there. The test does not count on data replication: records sent to the moved partition while
 * its leader is stopping may stay with it; every other acknowledged record is read exactly once, and records sent
 * after the stop are acknowledged and read on the new leader.
 */
@Timeout(180)
class ClusterLeaderMoveTest
{
    private static final String TOPIC = "moves";
    private static final int PARTITIONS = 3;
    /** Records per partition before the move: more than after it, so the moved partition's new log (from 0) stays
     * below the consumer's position, and the subscription resumes by auto.offset.reset=earliest. */
    private static final int BEFORE = 40;
    private static final int AFTER = 30;
    /** Tokens from here on are sent once the old leader has stopped; those from BEFORE * 3 up to here while it stops. */
    private static final int AFTER_CLOSE = PARTITIONS * (BEFORE + 5);

    @TempDir
    Path dir;

    private final List<ClientTestBroker> brokers = new ArrayList<>();
    private final List<Integer> nativePorts = new ArrayList<>();
    private String voters;

    @AfterEach
    void close()
    {
        brokers.parallelStream().filter(Objects::nonNull).forEach(ClientTestBroker::close);
    }

    @Test
    void theClientProducesAndReadsOnEachLeaderAndFollowsALeaderMove() throws Exception
    {
        leaderMove(false);
    }

    /** The leader that stops is the broker the client bootstrapped at: control calls move to another connection. */
    @Test
    void theClientFollowsWhenItsBootstrapBrokerStops() throws Exception
    {
        leaderMove(true);
    }

    private void leaderMove(final boolean bootstrapLeaderStops) throws Exception
    {
        startCluster();
        try (Admin admin = brokers.get(0).admin())
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short)3))).all().get(30, TimeUnit.SECONDS);
        }
        // Leaders spread (over three brokers, or two when one was briefly fenced on a loaded machine), broker 1
        // leading one partition and another broker another; every broker's native endpoint known everywhere.
        Polling.until("every broker sees the topic led by broker 1 and another, and every broker's native endpoint",
            30_000, () -> brokers.stream().allMatch(b -> leaders(b).size() == PARTITIONS &&
                leaders(b).containsValue(1) && new HashSet<>(leaders(b).values()).size() >= 2 &&
                nativeEndpoints(b) == 3 && leaders(b).equals(leaders(brokers.get(0)))));
        final Map<Integer, Integer> leaders = leaders(brokers.get(0));

        try (ClientDriver driver = new ClientDriver();
            RinglogClient client = RinglogClient.connect(brokers.get(0).ipcClient()
                .aeronDirectoryName(driver.directory())
                .ingressChannel("aeron:udp?endpoint=127.0.0.1:" + nativePorts.get(0))
                .clientId("cluster-test")
                .requestTimeoutMs(5_000)
                .deliveryTimeoutMs(60_000)
                .retryBackoffMs(20)
                .reconnectBackoffMs(20)
                .lingerMs(0)
                .autoOffsetReset("earliest")))
        {
            assertEquals(1, client.brokerId(), "bootstrapped at broker 1");
            final RawProduce raw = new RawProduce(); // before the producer, which takes every ProduceResponse
            client.addComponent(raw);
            final Map<Long, Long> ackedOffsets = new ConcurrentHashMap<>();
            final Map<Long, Short> failed = new ConcurrentHashMap<>();
            final long[] moveAckNs = {0};
            final int[] movedPartition = {-1};
            final RinglogProducer producer = new RinglogProducer(client, (topic, partition, offset, code, token) ->
            {
                if (code != NativeErrors.NONE)
                {
                    failed.put(token, code);
                    return;
                }
                ackedOffsets.put(token, offset);
                if (partition == movedPartition[0] && token >= AFTER_CLOSE && moveAckNs[0] == 0)
                {
                    moveAckNs[0] = System.nanoTime(); // sent once the old leader had gone: the new leader took it
                }
            });
            final ProducerTopic topic = producer.topic(TOPIC);
            final RinglogConsumer consumer = new RinglogConsumer(client);
            consumer.assign(TOPIC, 0, 1, 2);
            final List<long[]> reads = new ArrayList<>(); // token, partition, offset
            final long[] moveReadNs = {0};

            // Before the move: every partition's records go to its own leader, two of them not the bootstrap broker.
            send(client, producer, topic, 0, PARTITIONS * BEFORE, client::poll);
            Polling.until(client, "records before the move acknowledged", 30_000,
                () -> ackedOffsets.size() + failed.size() >= PARTITIONS * BEFORE);
            assertEquals(Map.of(), failed, "failed sends");
            final Set<Integer> connected = client.connections().stream().filter(BrokerConnection::isOpen)
                .map(BrokerConnection::nodeId).collect(Collectors.toSet());
            assertEquals(new HashSet<>(leaders.values()), connected, "a connection to every leader");
            for (int p = 0; p < PARTITIONS; p++)
            {
                final int leader = leaders.get(p);
                assertEquals(BEFORE, brokers.get(leader - 1).broker.partitions().partition(TOPIC, p).log()
                    .logEndOffset(), "partition " + p + " written on its leader, broker " + leader);
            }
            pollUntilRead(client, consumer, reads, moveReadNs, movedPartition, PARTITIONS * BEFORE, "before the move");

            // The protocol itself: broker 1 refuses a subscription and a produce for a partition another broker
            // leads, naming the leader and its epoch.
            final int foreign = partitionNotLedBy(leaders, 1);
            final MetadataImage.PartitionImage foreignImage =
                brokers.get(0).broker.controller().image().partition(TOPIC, foreign);
            final TopicMetadata metadata = client.metadata(TOPIC);
            final NotLeaderCall subscribe = new NotLeaderCall();
            try
            {
                client.call(() -> client.proxy().subscribe(metadata.topicIdMsb(), metadata.topicIdLsb(), foreign, -2, 0,
                    subscribe), subscribe, "subscribe on a follower");
                fail("broker 1 took a subscription for partition " + foreign + ", led by " + foreignImage.leader());
            }
            catch (final RinglogException ex)
            {
                assertEquals(NativeErrors.NOT_LEADER_OR_FOLLOWER, ex.errorCode(), ex.getMessage());
            }
            assertEquals(foreignImage.leader(), subscribe.leaderId, "the leader named in SubscribeResponse");
            assertEquals(foreignImage.leaderEpoch(), subscribe.leaderEpoch, "its epoch");
            raw.send(client, metadata, foreign);
            Polling.until(client, "broker 1 answers a produce for partition " + foreign, 10_000, () -> raw.answered);
            assertEquals(NativeErrors.NOT_LEADER_OR_FOLLOWER, raw.errorCode);
            assertEquals(foreignImage.leader(), raw.leaderId, "the leader named in ProduceResponse");
            assertEquals(foreignImage.leaderEpoch(), raw.leaderEpoch, "its epoch");

            // The move: the leader of a partition (not the bootstrap broker) stops cleanly while the client goes on.
            final int moved = bootstrapLeaderStops ? leaders.entrySet().stream().filter(e -> e.getValue() == 1)
                .findFirst().orElseThrow().getKey() : foreign;
            movedPartition[0] = moved;
            final int oldLeader = leaders.get(moved);
            final ClientTestBroker leaving = brokers.get(oldLeader - 1);
            brokers.set(oldLeader - 1, null);
            final long closeStartNs = System.nanoTime();
            final long[] closedNs = {0};
            final CompletableFuture<Void> closing = CompletableFuture.runAsync(() ->
            {
                leaving.close();
                closedNs[0] = System.nanoTime();
            });
            // A few rounds while it stops (these may still reach it), the rest once it has gone.
            final int total = PARTITIONS * (BEFORE + AFTER);
            // The consumer is polled all along, so the time to the first record read from the new leader is its own.
            final Runnable pump = () -> consumer.poll(
                r -> reads.add(read(r.valueAsString(), r.partition(), r.offset(), moved, moveReadNs)), 100);
            send(client, producer, topic, PARTITIONS * BEFORE, AFTER_CLOSE, pump);
            Polling.until(client, "broker " + oldLeader + " closed", 30_000, () ->
            {
                pump.run();
                return closing.isDone();
            });
            send(client, producer, topic, AFTER_CLOSE, total, pump);
            Polling.until(client, "records after the move acknowledged", 60_000, () ->
            {
                pump.run();
                return ackedOffsets.size() + failed.size() >= total;
            });
            closing.get(30, TimeUnit.SECONDS);
            assertEquals(Map.of(), failed, "failed sends");
            assertTrue(moveAckNs[0] > 0, "a record acknowledged by the new leader of partition " + moved);
            final ClientTestBroker newLeaderBroker = brokers.get(leaders(alive()).get(moved) - 1);
            assertNotEquals(oldLeader, newLeaderBroker.broker.config().nodeId());

            // Every acknowledged record is read exactly once, but for those the old leader took while it was stopping:
            // without data replication they stay with it (and one whose answer was lost is sent again to the new
            // leader, so it may be read from both).
            final Set<Long> mustRead = new HashSet<>();
            ackedOffsets.forEach((token, offset) ->
            {
                if (!mayStayWithOldLeader(token, moved))
                {
                    mustRead.add(token);
                }
            });
            Polling.until(client, "every record a live leader acknowledged read", 60_000, () ->
            {
                consumer.poll(r -> reads.add(read(r.valueAsString(), r.partition(), r.offset(), moved, moveReadNs)),
                    100);
                return readOnce(reads, moved).keySet().containsAll(mustRead);
            });
            final Map<Long, Integer> counts = readOnce(reads, moved);
            counts.forEach((token, n) -> assertEquals(1, n, "record " + token + " read " + n + " times"));
            final long readFromTheStoppingLeader = reads.stream().filter(r -> mayStayWithOldLeader(r[0], moved))
                .map(r -> r[0]).distinct().count();
            assertTrue(moveReadNs[0] > 0, "a record read from the new leader of partition " + moved);
            if (bootstrapLeaderStops)
            {
                assertNotEquals(oldLeader, client.brokerId(), "control calls on another broker's connection");
            }
            else
            {
                Polling.until(client, "the connection to the stopped broker is given up", 10_000, () ->
                    client.connections().stream().noneMatch(c -> c.nodeId() == oldLeader));
            }

            System.out.printf("leader move of %s-%d (broker %d -> %d): broker close took %d ms; first produce " +
                "acknowledged by the new leader %d ms and first record read from it %d ms after the close ended; " +
                "not-leader answers: producer %d, consumer %d; records sent to it while it stopped %d, acknowledged %d, " +
                "read %d%n",
                TOPIC, moved, oldLeader, newLeaderBroker.broker.config().nodeId(),
                TimeUnit.NANOSECONDS.toMillis(closedNs[0] - closeStartNs),
                TimeUnit.NANOSECONDS.toMillis(moveAckNs[0] - closedNs[0]),
                TimeUnit.NANOSECONDS.toMillis(moveReadNs[0] - closedNs[0]),
                producer.notLeaderAnswers(), consumer.notLeaderAnswers(), (AFTER_CLOSE - PARTITIONS * BEFORE) / PARTITIONS,
                ackedOffsets.size() - mustRead.size(), readFromTheStoppingLeader);
        }
    }

    /** Send tokens [from, to), each to partition token % 3, value "v<token>", retrying while back-pressured. */
    private static void send(final RinglogClient client, final RinglogProducer producer, final ProducerTopic topic,
        final int from, final int to, final Runnable pump)
    {
        for (int token = from; token < to; token++)
        {
            final byte[] value = ("v" + token).getBytes(StandardCharsets.UTF_8);
            final int partition = partitionOf(token);
            final long t = token;
            Polling.until(client, "send " + token, 30_000, () ->
            {
                pump.run(); // a partition waiting for acks=all (its ISR shrinking) must not stop the consumer
                final int result = producer.send(topic, partition, null, value, t);
                if (result != SendResult.OK && result != SendResult.BACK_PRESSURED &&
                    result != SendResult.NOT_CONNECTED)
                {
                    fail("send " + t + ": " + result);
                }
                return result == SendResult.OK;
            });
            pump.run();
        }
    }

    private static int partitionOf(final long token)
    {
        return (int)(token % PARTITIONS);
    }

    /** Sent to the moved partition while its leader was stopping. */
    private static boolean mayStayWithOldLeader(final long token, final int moved)
    {
        return token >= PARTITIONS * BEFORE && token < AFTER_CLOSE && partitionOf(token) == moved;
    }

    private static long[] read(final String value, final int partition, final long offset, final int moved,
        final long[] moveReadNs)
    {
        final long token = Long.parseLong(value.substring(1));
        if (partition == moved && token >= AFTER_CLOSE && moveReadNs[0] == 0)
        {
            moveReadNs[0] = System.nanoTime();
        }
        return new long[]{token, partition, offset};
    }

    /** Reads per token, leaving out those sent to the moved partition while its leader stopped. */
    private static Map<Long, Integer> readOnce(final List<long[]> reads, final int moved)
    {
        final Map<Long, Integer> counts = new HashMap<>();
        for (final long[] r : reads)
        {
            if (moved < 0 || !mayStayWithOldLeader(r[0], moved))
            {
                counts.merge(r[0], 1, Integer::sum);
            }
        }
        return counts;
    }

    private static void pollUntilRead(final RinglogClient client, final RinglogConsumer consumer,
        final List<long[]> reads, final long[] moveReadNs, final int[] moved, final int count, final String what)
    {
        Polling.until(client, count + " records read " + what, 30_000, () ->
        {
            consumer.poll(r -> reads.add(read(r.valueAsString(), r.partition(), r.offset(), moved[0], moveReadNs)),
                100);
            return reads.size() >= count;
        });
        assertEquals(count, readOnce(reads, moved[0]).size(), "each read once " + what);
    }

    private ClientTestBroker alive()
    {
        return brokers.stream().filter(Objects::nonNull).findFirst().orElseThrow();
    }

    private static int partitionNotLedBy(final Map<Integer, Integer> leaders, final int broker)
    {
        return leaders.entrySet().stream().filter(e -> e.getValue() != broker).findFirst().orElseThrow().getKey();
    }

    private static Map<Integer, Integer> leaders(final ClientTestBroker b)
    {
        final MetadataImage.TopicImage t = b.broker.controller().image().topic(TOPIC);
        final Map<Integer, Integer> leaders = new HashMap<>();
        if (t != null)
        {
            t.partitions().stream().filter(p -> p.leader() >= 0).forEach(p -> leaders.put(p.partition(), p.leader()));
        }
        return leaders;
    }

    private static long nativeEndpoints(final ClientTestBroker b)
    {
        return b.broker.controller().image().liveBrokers().values().stream()
            .filter(r -> r.endpoint(NativeIngress.LISTENER_NAME) != null).count();
    }

    private void startCluster() throws Exception
    {
        voters = FreeUdpPorts.voters(3);
        // Native ingress ports below the ephemeral range too (FreeUdpPorts), where no client's port-0 socket lands,
        // and clear of the voters' blocks.
        final List<Integer> taken = new ArrayList<>();
        for (final String voter : voters.split(","))
        {
            taken.add(Integer.parseInt(voter.substring(voter.lastIndexOf(':') + 1)));
        }
        while (nativePorts.size() < 3)
        {
            final int port = FreeUdpPorts.freeBlock();
            if (taken.stream().noneMatch(b -> port >= b - 16 && port < b + 16))
            {
                taken.add(port);
                nativePorts.add(port);
            }
        }
        final List<CompletableFuture<ClientTestBroker>> starting = new ArrayList<>();
        for (int node = 1; node <= 3; node++)
        {
            final int id = node;
            starting.add(CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new ClientTestBroker(dir.resolve("node-" + id), false,
                        "native.ingress.channels=aeron:ipc,aeron:udp?endpoint=127.0.0.1:" + nativePorts.get(id - 1),
                        "node.id=" + id,
                        "process.roles=broker,controller",
                        "controller.quorum.voters=" + voters,
                        "offsets.topic.num.partitions=3",
                        "broker.session.timeout.ms=2000");
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("broker " + id + " did not start", ex);
                }
            }));
        }
        for (final CompletableFuture<ClientTestBroker> f : starting)
        {
            try
            {
                brokers.add(f.get(90, TimeUnit.SECONDS));
            }
            catch (final ExecutionException ex)
            {
                for (final CompletableFuture<ClientTestBroker> other : starting)
                {
                    other.thenAccept(ClientTestBroker::close);
                }
                throw ex;
            }
        }
    }

    /** A SubscribeResponse's leader fields (the call fails with its error code). */
    private static final class NotLeaderCall extends SyncCall
    {
        int leaderId = -1;
        int leaderEpoch = -1;

        @Override
        protected short decode(final int templateId, final DirectBuffer buffer, final int offset,
            final int blockLength, final int version)
        {
            final SubscribeResponseDecoder d = new SubscribeResponseDecoder().wrap(buffer, offset, blockLength, version);
            leaderId = d.leaderId();
            leaderEpoch = d.leaderEpoch();
            return d.errorCode();
        }
    }

    /** One ProduceRequest written by hand on the control connection, and its answer. */
    private static final class RawProduce implements ClientComponent
    {
        long correlationId = -1;
        boolean answered;
        short errorCode;
        int leaderId;
        int leaderEpoch;

        void send(final RinglogClient client, final TopicMetadata metadata, final int partition)
        {
            final ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("raw".getBytes(StandardCharsets.UTF_8))).buffer();
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
            correlationId = client.proxy().nextCorrelationId();
            final ProduceRequestEncoder e = new ProduceRequestEncoder().wrapAndApplyHeader(out, 0,
                new MessageHeaderEncoder())
                .sessionId(client.sessionId()).correlationId(correlationId)
                .topicIdMsb(metadata.topicIdMsb()).topicIdLsb(metadata.topicIdLsb())
                .partition(partition).timeoutMs(5_000).acks((byte)1);
            final byte[] bytes = new byte[batch.remaining()];
            batch.get(bytes);
            e.putRecords(bytes, 0, bytes.length);
            Polling.until(client, "offer the raw produce", 10_000, () ->
                client.proxy().offer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength()) > 0);
        }

        @Override
        public ControlledFragmentHandler.Action onMessage(final int templateId, final DirectBuffer buffer,
            final int offset, final int length, final int blockLength, final int version)
        {
            if (templateId != ProduceResponseDecoder.TEMPLATE_ID ||
                buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH, ProduceResponseDecoder.BYTE_ORDER) !=
                correlationId)
            {
                return null;
            }
            final ProduceResponseDecoder d = new ProduceResponseDecoder()
                .wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
            errorCode = d.errorCode();
            leaderId = d.leaderId();
            leaderEpoch = d.leaderEpoch();
            answered = true;
            return ControlledFragmentHandler.Action.CONTINUE;
        }

        @Override
        public int doWork(final long nowMs)
        {
            return 0;
        }

        @Override
        public void onSessionOpened(final BrokerConnection connection, final boolean reconnected)
        {
        }

        @Override
        public void onSessionLost(final BrokerConnection connection, final boolean controlConnection,
            final String reason)
        {
        }

        @Override
        public boolean onError(final long correlationId, final short errorCode, final String message)
        {
            return false;
        }

        @Override
        public void onClose()
        {
        }
    }
}
