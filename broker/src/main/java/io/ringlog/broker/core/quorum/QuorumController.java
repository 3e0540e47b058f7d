package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataException.Reason;
import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.controller.ControllerError;
import io.ringlog.replication.controller.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The broker's {@link Controller} backed by the controller quorum: a change is proposed through the
 * {@link QuorumClient}, committed by the quorum, and comes back as a metadata delta that every broker applies; the
 * call returns once the quorum has answered, and by then this broker's image (and its listeners, such as the replica
 * manager opening the new partitions) already holds the change, because the quorum sends a delta before its reply and
 * the client applies both on its one thread, in order.
 * <p>
 * Threads: images are translated and listeners called on the quorum client's notifier thread
 * ({@code ringlog-quorum-notify-<id>}, never the thread that keeps the lease alive), one image at a time, in log
 * order. A listener that fails (a partition that cannot be opened: disk) is reported in the log and does not undo
 * the change: the quorum has committed it for every broker. Changes may be asked for from any thread but not from a
 * listener (the notifier thread would wait for itself). Refusals throw {@link MetadataException} with the Kafka
 * error the quorum named.
 */
final class QuorumController implements Controller
{
    private static final Logger LOG = LoggerFactory.getLogger(QuorumController.class);
    /** The Kafka listener whose endpoint clients are given. */
    static final String LISTENER_NAME = "PLAINTEXT";

    private final QuorumClient client;
    private final BrokerConfig config;
    private final String clusterId;
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private final long answerTimeoutMs;
    private volatile MetadataImage image;
    private volatile boolean publishing = true;
    /** The last image a listener could not apply, and why; written on the notifier thread. */
    private volatile ApplyFailure lastFailure;

    /** A listener refused an image: the partitions it assigns here could not be opened (a full disk). */
    private record ApplyFailure(MetadataImage image, RuntimeException cause)
    {
    }

    QuorumController(final QuorumClient client, final BrokerConfig config, final String clusterId)
    {
        this.client = client;
        this.config = config;
        this.clusterId = clusterId;
        // The client times a proposal out itself after controller.quorum.request.timeout.ms; a little more here.
        this.answerTimeoutMs = config.get(BrokerConfig.CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS) + 1_000L;
        client.subscribe(this::onQuorumImage);
    }

    /** On the quorum client's notifier thread: the next image, to every listener. */
    private void onQuorumImage(final io.ringlog.replication.metadata.MetadataImage quorumImage)
    {
        final MetadataImage next = ImageTranslator.translate(
            quorumImage, clusterId, visibleController(quorumImage), LISTENER_NAME);
        synchronized (listeners)
        {
            image = next;
            if (!publishing)
            {
                return;
            }
            for (final Consumer<MetadataImage> listener : listeners)
            {
                apply(listener, next);
            }
        }
    }

    /** One listener, one image: a failure is reported and remembered, not rolled back (the quorum committed it). */
    private void apply(final Consumer<MetadataImage> listener, final MetadataImage next)
    {
        try
        {
            listener.accept(next);
        }
        catch (final RuntimeException ex)
        {
            lastFailure = new ApplyFailure(next, ex);
            LOG.error("Broker {} could not apply metadata at log position {}: {}", config.nodeId(), next.version(),
                ex.toString(), ex);
        }
    }

    @Override
    public MetadataImage image()
    {
        final MetadataImage current = image;
        final int active = visibleController(client.image());
        // The active controller changes with no delta (a new quorum leader): say so without waiting for one.
        return current.controllerId() == active ? current : new MetadataImage(current.version(),
            current.clusterId(), active, Math.max(current.controllerEpoch(), client.controllerEpoch()),
            current.brokers(), current.topics());
    }

    /**
     * The controller clients are told of (Metadata, DescribeCluster): the active controller when it is a live broker,
     * else this broker, as a KRaft broker names a broker. A controller-only node has no Kafka listener, and Admin sends
     * CreateTopics and the like to the controller it is told of ("Timed out waiting for a node assignment" when that
     * is no broker); any broker takes them and proposes them to the quorum. -1 when no controller is known.
     */
    private int visibleController(final io.ringlog.replication.metadata.MetadataImage quorumImage)
    {
        final int active = client.activeController();
        return active < 0 || quorumImage.isLive(active) ? active : config.nodeId();
    }

    @Override
    public void subscribe(final Consumer<MetadataImage> listener)
    {
        synchronized (listeners)
        {
            listeners.add(listener);
            apply(listener, image);
        }
    }

    @Override
    public TopicImage createTopic(
        final String name,
        final int partitions,
        final int replicationFactor,
        final Map<String, String> configs,
        final boolean validateOnly)
    {
        final int count = partitions == -1 ? config.get(BrokerConfig.NUM_PARTITIONS) : partitions;
        final int rf = replicationFactor == -1 ? config.get(BrokerConfig.DEFAULT_REPLICATION_FACTOR) : replicationFactor;
        // The requester chooses the id (the quorum's state machine draws no random numbers).
        final UUID id = UUID.randomUUID();
        final ApplyFailure failureBefore = lastFailure;
        await(client.createTopic(name, id, count, rf, configs, validateOnly), "create topic " + name);
        if (validateOnly)
        {
            final List<PartitionImage> list = new ArrayList<>(count);
            for (int p = 0; p < count; p++)
            {
                list.add(new PartitionImage(name, p, -1, 0, Collections.nCopies(rf, -1), List.of()));
            }
            return new TopicImage(name, id, list, configs);
        }
        final ApplyFailure failure = lastFailure;
        if (failure != failureBefore && failure != null && failure.image().topic(name) != null)
        {
            // This broker cannot hold its share of the new topic (its disk): take the topic back rather than leave
            // it half-created, and say why. Other brokers' failures are theirs to report.
            try
            {
                await(client.deleteTopic(name), "delete topic " + name + " that could not be opened");
            }
            catch (final MetadataException ex)
            {
                LOG.warn("Broker {} could not take back topic {}: {}", config.nodeId(), name, ex.getMessage());
            }
            throw failure.cause() instanceof MetadataException m ? m : new MetadataException(
                Reason.KAFKA_STORAGE_ERROR, "topic " + name + " cannot be opened here: " + failure.cause(),
                failure.cause());
        }
        final TopicImage created = image.topic(name);
        if (created == null)
        {
            throw new MetadataException(Reason.UNKNOWN_SERVER_ERROR, "topic " + name + " was created but is not in " +
                "this broker's metadata yet");
        }
        return created;
    }

    @Override
    public void deleteTopic(final String name)
    {
        if (!config.get(BrokerConfig.DELETE_TOPIC_ENABLE))
        {
            throw new MetadataException(Reason.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
        }
        await(client.deleteTopic(name), "delete topic " + name);
    }

    @Override
    public void createPartitions(final String name, final int totalCount, final boolean validateOnly)
    {
        await(client.createPartitions(name, totalCount, validateOnly), "create partitions of " + name);
    }

    @Override
    public void alterTopicConfigs(final String name, final Map<String, String> set, final Set<String> delete,
        final boolean replaceAll, final boolean validateOnly)
    {
        await(client.alterConfigs(name, set, delete, replaceAll, validateOnly), "alter configs of " + name);
    }

    /**
     * The first id of a new block of producer ids for this broker.
     *
     * @throws MetadataException when the quorum refuses or does not answer.
     */
    long allocateProducerIds()
    {
        return await(client.allocateProducerIds(), "allocate producer ids").value();
    }

    /** Stop calling listeners: the broker is closing and its partitions must stay as they are while it does. */
    void stopPublishing()
    {
        synchronized (listeners)
        {
            publishing = false;
        }
    }

    @Override
    public void close()
    {
        stopPublishing();
        listeners.clear();
    }

    private Reply await(final CompletableFuture<Reply> future, final String what)
    {
        final Reply reply;
        try
        {
            reply = future.get(answerTimeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            throw new MetadataException(Reason.REQUEST_TIMED_OUT, "the controller quorum (" +
                BrokerConfig.CONTROLLER_QUORUM_VOTERS.name() + ") did not answer '" + what + "' within " +
                answerTimeoutMs + " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new MetadataException(Reason.REQUEST_TIMED_OUT, "interrupted while waiting to " + what, ex);
        }
        catch (final ExecutionException ex)
        {
            throw new MetadataException(Reason.UNKNOWN_SERVER_ERROR, what + " failed: " + ex.getCause(), ex);
        }
        if (!reply.isOk())
        {
            throw new MetadataException(reason(reply.error()), reply.message());
        }
        return reply;
    }

    /** The broker's reason of the same name; errors a topic change cannot meet become INVALID_REQUEST. */
    static Reason reason(final ControllerError error)
    {
        for (final Reason r : Reason.values())
        {
            if (r.name().equals(error.name()))
            {
                return r;
            }
        }
        return error == ControllerError.UNKNOWN_TOPIC_ID ? Reason.UNKNOWN_TOPIC_OR_PARTITION : Reason.INVALID_REQUEST;
    }
}
