package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.BrokerRegistration;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;
import io.ringlog.replication.metadata.Endpoint;
import io.ringlog.replication.metadata.PartitionRegistration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The quorum's image (the replication module's records applied) as the broker's handlers read it: brokers with the
 * endpoint of this broker's Kafka listener name, topics by name with their partitions. Stateless; any thread.
 */
final class ImageTranslator
{
    private ImageTranslator()
    {
    }

    /**
     * @param quorum       the quorum's image.
     * @param clusterId    this cluster's id.
     * @param controllerId the active controller, -1 when unknown.
     * @param listenerName the Kafka listener whose endpoint clients are given (PLAINTEXT).
     * @return the broker's image, version = the quorum log position.
     */
    static MetadataImage translate(
        final io.ringlog.replication.metadata.MetadataImage quorum,
        final String clusterId,
        final int controllerId,
        final String listenerName)
    {
        final Map<Integer, BrokerRegistration> brokers = new TreeMap<>();
        for (final io.ringlog.replication.metadata.BrokerRegistration b : quorum.brokers().values())
        {
            final Endpoint e = endpoint(b.endpoints(), listenerName);
            final Map<String, MetadataImage.Address> all = new TreeMap<>();
            b.endpoints().forEach(x -> all.put(x.listener(), new MetadataImage.Address(x.host(), x.port())));
            brokers.put(b.brokerId(), new BrokerRegistration(b.brokerId(), e == null ? "" : e.host(),
                e == null ? -1 : e.port(), b.rack(), b.fenced(), all));
        }
        final Map<String, TopicImage> topics = new TreeMap<>();
        for (final io.ringlog.replication.metadata.TopicImage t : quorum.topics())
        {
            final List<PartitionImage> partitions = new ArrayList<>(t.partitions().size());
            for (final PartitionRegistration p : t.partitions())
            {
                partitions.add(new PartitionImage(t.name(), p.partition(), p.leader(), p.leaderEpoch(), p.replicas(),
                    p.isr(), p.partitionEpoch()));
            }
            topics.put(t.name(), new TopicImage(t.name(), t.id(), partitions, t.configs()));
        }
        return new MetadataImage(Math.max(0, quorum.position()), clusterId, controllerId,
            Math.max(0, quorum.controllerEpoch()), brokers, topics);
    }

    /**
     * The endpoint of that listener, or else the first Kafka one (a broker registered with other Kafka listener
     * names); never the native ingress or the replication endpoint, which Kafka clients cannot speak to. Null when
     * the broker registered no Kafka endpoint (then Kafka answers leave it out: port -1).
     */
    static Endpoint endpoint(final List<Endpoint> endpoints, final String listenerName)
    {
        for (final Endpoint e : endpoints)
        {
            if (e.listener().equals(listenerName))
            {
                return e;
            }
        }
        for (final Endpoint e : endpoints)
        {
            if (!NON_KAFKA_LISTENERS.contains(e.listener()))
            {
                return e;
            }
        }
        return null;
    }

    /** Endpoints a broker registers that are not Kafka listeners. */
    static final java.util.Set<String> NON_KAFKA_LISTENERS = java.util.Set.of("NATIVE", "REPLICATION");
}
