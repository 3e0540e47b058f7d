package io.ringlog.broker;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.PartitionListener;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replica manager's roles, driven by images as the clustered controller will publish them: a partition another
 * node leads, with this node among its replicas, stays open as a follower and refuses produce with
 * NOT_LEADER_OR_FOLLOWER; an image naming this node leader at a later epoch makes it leader again, stamping the new
 * epoch, and produce is taken. Each change goes through one explicit transition that listeners hear of.
 */
@Timeout(120)
class ReplicaRolesTest
{
    private static final int THIS_NODE = 1;
    private static final int OTHER_NODE = 2;

    @Test
    void aFollowerRefusesProduceAndALeaderAtANewEpochTakesIt(@TempDir final Path dir) throws Exception
    {
        try (TestBroker broker = new TestBroker(dir, "node.id=" + THIS_NODE))
        {
            Clients.createTopic(broker.bootstrap(), "roles", 1, Map.of());
            final List<String> transitions = new CopyOnWriteArrayList<>();
            broker.broker.partitions().addListener(new PartitionListener()
            {
                @Override
                public void onBecomeLeader(final Partition partition, final int leaderEpoch)
                {
                    transitions.add("leader " + partition + " " + leaderEpoch);
                }

                @Override
                public void onBecomeFollower(final Partition partition, final int leaderId, final int leaderEpoch)
                {
                    transitions.add("follower " + partition + " of " + leaderId + " " + leaderEpoch);
                }
            });
            final Partition partition = broker.broker.partitions().partition("roles", 0);
            assertTrue(partition.isLeader());
            assertEquals(0, partition.leadership());

            broker.broker.partitions().accept(withLeader(broker, "roles", OTHER_NODE, 1));
            assertSame(partition, broker.broker.partitions().partition("roles", 0), "a follower's log stays open");
            assertFalse(partition.isLeader());
            assertEquals(Partition.NOT_LEADER, partition.leadership());
            assertEquals(OTHER_NODE, partition.leaderId());
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap(), "retries", 0,
                "enable.idempotence", false, "acks", "1"))
            {
                final ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("roles", 0, null, "refused")).get(30, TimeUnit.SECONDS));
                assertInstanceOf(NotLeaderOrFollowerException.class, refused.getCause());
            }
            assertEquals(0, partition.log().logEndOffset());
            try (RawKafkaClient client = new RawKafkaClient(broker.broker.port()))
            {
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), client.fetch("roles", 0, 0).errorCode(),
                    "a follower's replica serves no consumer fetch");
                final ListOffsetsResponseData offsets = client.call(new ListOffsetsRequestData().setReplicaId(-1)
                    .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName("roles").setPartitions(
                        List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                            .setTimestamp(-1).setCurrentLeaderEpoch(-1))))), (short)7);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(),
                    offsets.topics().get(0).partitions().get(0).errorCode(), "nor offsets");
            }

            broker.broker.partitions().accept(withLeader(broker, "roles", THIS_NODE, 2));
            assertEquals(2, partition.leadership());
            assertEquals(2, partition.leaderEpoch(), "batches are stamped with the new epoch");
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap(), "retries", 0,
                "enable.idempotence", false, "acks", "1"))
            {
                assertEquals(0, producer.send(new ProducerRecord<>("roles", 0, null, "taken")).get(30, TimeUnit.SECONDS)
                    .offset());
            }
            assertEquals(List.of("follower roles-0 of " + OTHER_NODE + " 1", "leader roles-0 2"), transitions);
        }
    }

    /** The controller's current image with one topic's partitions led by {@code leader} at {@code epoch}. */
    private static MetadataImage withLeader(final TestBroker broker, final String topic, final int leader,
        final int epoch)
    {
        final MetadataImage image = broker.broker.controller().image();
        final TopicImage t = image.topic(topic);
        final List<PartitionImage> partitions = t.partitions().stream()
            .map(p -> new PartitionImage(p.topic(), p.partition(), leader, epoch, List.of(leader, THIS_NODE == leader ?
                OTHER_NODE : THIS_NODE), List.of(leader)))
            .toList();
        final Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(topic, new TopicImage(t.name(), t.id(), partitions, t.configs()));
        return new MetadataImage(image.version() + 1, image.clusterId(), image.controllerId(), image.brokers(), topics);
    }
}
