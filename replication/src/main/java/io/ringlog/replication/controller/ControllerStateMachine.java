package io.ringlog.replication.controller;

import io.ringlog.replication.controller.ControllerCommand.AllocateProducerIds;
import io.ringlog.replication.controller.ControllerCommand.AlterConfigs;
import io.ringlog.replication.controller.ControllerCommand.AlterPartition;
import io.ringlog.replication.controller.ControllerCommand.BrokerHeartbeat;
import io.ringlog.replication.controller.ControllerCommand.ControlledShutdown;
import io.ringlog.replication.controller.ControllerCommand.CreatePartitions;
import io.ringlog.replication.controller.ControllerCommand.CreateTopic;
import io.ringlog.replication.controller.ControllerCommand.DeleteTopic;
import io.ringlog.replication.controller.ControllerCommand.ElectLeader;
import io.ringlog.replication.controller.ControllerCommand.FenceBroker;
import io.ringlog.replication.controller.ControllerCommand.RegisterBroker;
import io.ringlog.replication.controller.ControllerCommand.UnregisterBroker;
import io.ringlog.replication.metadata.BrokerRegistration;
import io.ringlog.replication.metadata.MetadataDelta;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;
import io.ringlog.replication.metadata.MetadataRecord.BrokerRegistrationChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.ClusterIdRecord;
import io.ringlog.replication.metadata.MetadataRecord.ConfigRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionChangeRecord;
import io.ringlog.replication.metadata.MetadataRecord.PartitionRecord;
import io.ringlog.replication.metadata.MetadataRecord.ProducerIdsRecord;
import io.ringlog.replication.metadata.MetadataRecord.RegisterBrokerRecord;
import io.ringlog.replication.metadata.MetadataRecord.RemoveTopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.TopicRecord;
import io.ringlog.replication.metadata.MetadataRecord.UnregisterBrokerRecord;
import io.ringlog.replication.metadata.PartitionRegistration;
import io.ringlog.replication.metadata.TopicImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The controller's state machine: {@link #apply} checks a command against the current image, writes the records
 * that carry it out (KRaft's), replays them into the next image and answers. Deterministic: no clock but the one
 * passed in, no randomness (requesters choose ids), every iteration over sorted maps; the same commands at the same
 * positions give equal images on every member and every run.
 * <p>
 * Not thread-safe: owned by one thread (the cluster's service thread when hosted).
 */
public final class ControllerStateMachine
{
    /** Producer ids handed out per AllocateProducerIds, as Kafka's controller does. */
    public static final int PRODUCER_ID_BLOCK_SIZE = 1000;

    /** Partitions one request may create, as KRaft bounds the records of one operation. */
    public static final int MAX_PARTITIONS_PER_REQUEST = 10_000;

    private static final Pattern LEGAL_TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_TOPIC_NAME_LENGTH = 249;
    private static final UUID ZERO_UUID = new UUID(0, 0);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ControllerStateMachine.class);
    /** Kafka's topic config: an out-of-sync replica may lead when no in-sync one is live. */
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    private final ConfigValidator configValidator;
    private final int defaultPartitions;
    private final int defaultReplicationFactor;
    private MetadataImage image;
    private long uncleanElections;

    /** Empty state, no config checks, one partition and one replica by default. */
    public ControllerStateMachine()
    {
        this(MetadataImage.EMPTY, ConfigValidator.ACCEPT_ALL, 1, 1);
    }

    /**
     * @param image                    where to start (a loaded snapshot, or {@link MetadataImage#EMPTY}).
     * @param configValidator          the broker's topic config rules; must answer the same on every member.
     * @param defaultPartitions        used when CreateTopic asks for -1 partitions.
     * @param defaultReplicationFactor used when CreateTopic asks for replication factor -1.
     */
    public ControllerStateMachine(
        final MetadataImage image,
        final ConfigValidator configValidator,
        final int defaultPartitions,
        final int defaultReplicationFactor)
    {
        this.image = Objects.requireNonNull(image);
        this.configValidator = Objects.requireNonNull(configValidator);
        this.defaultPartitions = defaultPartitions;
        this.defaultReplicationFactor = defaultReplicationFactor;
    }

    /** The image after the last command applied. */
    public MetadataImage image()
    {
        return image;
    }

    /** Replace the state, e.g. with a loaded snapshot. */
    public void load(final MetadataImage image)
    {
        this.image = Objects.requireNonNull(image);
    }

    /**
     * Apply a command.
     *
     * @param command         what is asked.
     * @param clusterTimeMs   the cluster's time for this command (never the wall clock); kept for time-based rules.
     * @param logPosition     the log position of the command: the new image is stamped with it when records change.
     * @param controllerEpoch the leadership term the command was committed in.
     * @return the records written (already replayed into {@link #image()}) and the reply.
     */
    public ControllerResult apply(
        final ControllerCommand command, final long clusterTimeMs, final long logPosition, final long controllerEpoch)
    {
        try
        {
            final ControllerResult result = generate(command);
            if (!result.records().isEmpty())
            {
                image = new MetadataDelta(image).replay(result.records()).apply(logPosition, controllerEpoch);
            }
            return result;
        }
        catch (final RuntimeException ex)
        {
            // A bug, not a refusal: the state is untouched (the image is replaced only once every record replayed),
            // and every member fails the same way, so the quorum stays in step and the requester hears of it.
            return ControllerResult.refuse(ControllerError.UNKNOWN_SERVER_ERROR,
                command.getClass().getSimpleName() + " failed: " + ex);
        }
    }

    private ControllerResult generate(final ControllerCommand command)
    {
        if (command instanceof RegisterBroker c)
        {
            return registerBroker(c);
        }
        if (command instanceof BrokerHeartbeat c)
        {
            return heartbeat(c);
        }
        if (command instanceof ControlledShutdown c)
        {
            return fence(c.brokerId(), c.brokerEpoch());
        }
        if (command instanceof FenceBroker c)
        {
            return fence(c.brokerId(), c.brokerEpoch());
        }
        if (command instanceof UnregisterBroker c)
        {
            return unregisterBroker(c);
        }
        if (command instanceof CreateTopic c)
        {
            return createTopic(c);
        }
        if (command instanceof DeleteTopic c)
        {
            return deleteTopic(c);
        }
        if (command instanceof CreatePartitions c)
        {
            return createPartitions(c);
        }
        if (command instanceof AlterConfigs c)
        {
            return alterConfigs(c);
        }
        if (command instanceof AlterPartition c)
        {
            return alterPartition(c);
        }
        if (command instanceof ElectLeader c)
        {
            return electLeader(c);
        }
        if (command instanceof AllocateProducerIds c)
        {
            return allocateProducerIds(c);
        }
        return ControllerResult.refuse(ControllerError.INVALID_REQUEST, "unknown command " + command);
    }

    // ---------------------------------------------------------------------------------------------------- brokers

    private ControllerResult registerBroker(final RegisterBroker c)
    {
        if (c.brokerId() < 0 || null == c.incarnationId() || c.endpoints().isEmpty())
        {
            return ControllerResult.refuse(ControllerError.INVALID_REQUEST,
                "A registration needs a broker id >= 0, an incarnation id and at least one endpoint.");
        }
        final String clusterId = image.clusterId();
        if (c.clusterIdStored() && null != clusterId && !clusterId.equals(c.clusterId()))
        {
            return ControllerResult.refuse(ControllerError.INCONSISTENT_CLUSTER_ID, "Broker " + c.brokerId() +
                " has cluster id " + c.clusterId() + " in its meta.properties, but this cluster's id is " + clusterId +
                ": it belongs to another cluster (or give it an empty log dir to join this one)");
        }
        final BrokerRegistration existing = image.broker(c.brokerId());
        if (null != existing && !existing.fenced() && existing.incarnationId().equals(c.incarnationId()))
        {
            return new ControllerResult(List.of(), Reply.ok(existing.brokerEpoch())); // a retry
        }
        final List<MetadataRecord> records = new ArrayList<>();
        if (null == clusterId && null != c.clusterId() && !c.clusterId().isEmpty())
        {
            records.add(new ClusterIdRecord(c.clusterId())); // the first id brought is the cluster's, once
        }
        final boolean reincarnated = null != existing && !existing.fenced();
        if (reincarnated)
        {
            fenceRecords(existing, records); // a new incarnation: the old one is gone
        }
        final long epoch = image.highestBrokerEpoch() + 1;
        records.add(new RegisterBrokerRecord(c.brokerId(), c.incarnationId(), epoch, c.endpoints(), c.rack(), false));
        unfenceElections(c.brokerId(), records);
        if (reincarnated)
        {
            reincarnationElections(c.brokerId(), records);
        }
        return new ControllerResult(records, Reply.ok(epoch));
    }

    private ControllerResult heartbeat(final BrokerHeartbeat c)
    {
        final ControllerResult refused = checkBroker(c.brokerId(), c.brokerEpoch());
        if (null != refused)
        {
            return refused;
        }
        final BrokerRegistration b = image.broker(c.brokerId());
        final List<MetadataRecord> records = new ArrayList<>();
        if (c.wantFence() && !b.fenced())
        {
            fenceRecords(b, records);
        }
        else if (!c.wantFence() && b.fenced())
        {
            records.add(new BrokerRegistrationChangeRecord(b.brokerId(), b.brokerEpoch(), false));
            unfenceElections(b.brokerId(), records);
        }
        return new ControllerResult(records, Reply.ok(c.wantFence() ? 1 : 0));
    }

    private ControllerResult fence(final int brokerId, final long brokerEpoch)
    {
        final ControllerResult refused = checkBroker(brokerId, brokerEpoch);
        if (null != refused)
        {
            return refused;
        }
        final BrokerRegistration b = image.broker(brokerId);
        final List<MetadataRecord> records = new ArrayList<>();
        if (!b.fenced())
        {
            fenceRecords(b, records);
        }
        return new ControllerResult(records, Reply.ok(0));
    }

    private ControllerResult unregisterBroker(final UnregisterBroker c)
    {
        final BrokerRegistration b = image.broker(c.brokerId());
        if (null == b)
        {
            return ControllerResult.refuse(ControllerError.BROKER_ID_NOT_REGISTERED,
                "Broker ID " + c.brokerId() + " is not currently registered");
        }
        final List<MetadataRecord> records = new ArrayList<>();
        if (!b.fenced())
        {
            fenceRecords(b, records);
        }
        records.add(new UnregisterBrokerRecord(b.brokerId(), b.brokerEpoch()));
        return new ControllerResult(records, Reply.ok(0));
    }

    private ControllerResult checkBroker(final int brokerId, final long brokerEpoch)
    {
        final BrokerRegistration b = image.broker(brokerId);
        if (null == b)
        {
            return ControllerResult.refuse(ControllerError.BROKER_ID_NOT_REGISTERED,
                "Broker ID " + brokerId + " is not currently registered");
        }
        if (b.brokerEpoch() != brokerEpoch)
        {
            return ControllerResult.refuse(ControllerError.STALE_BROKER_EPOCH,
                "Expected broker epoch " + b.brokerEpoch() + ", but got broker epoch " + brokerEpoch);
        }
        return null;
    }

    /**
     * Fence {@code b}: every partition it leads elects the first other replica of its ISR that is live, or goes
     * offline (leader -1); it leaves every ISR, except that an ISR never becomes empty (KRaft without ELR keeps the
     * last member); then the registration change.
     */
    private void fenceRecords(final BrokerRegistration b, final List<MetadataRecord> records)
    {
        final int id = b.brokerId();
        for (final TopicImage t : image.topicsById().values())
        {
            for (final PartitionRegistration p : t.partitions())
            {
                if (!p.inIsr(id) && p.leader() != id)
                {
                    continue;
                }
                final List<Integer> isr = new ArrayList<>(p.isr());
                isr.remove(Integer.valueOf(id));
                if (isr.isEmpty())
                {
                    isr.add(id);
                }
                int leader = MetadataRecord.NO_CHANGE;
                List<Integer> newIsr = isr.equals(p.isr()) ? null : isr;
                if (p.leader() == id)
                {
                    leader = firstLive(p.replicas(), isr, id);
                    final int unclean = PartitionRegistration.NO_LEADER == leader && uncleanAllowed(t) ?
                        firstLive(p.replicas(), p.replicas(), id) : PartitionRegistration.NO_LEADER;
                    if (PartitionRegistration.NO_LEADER != unclean)
                    {
                        LOG.warn("UNCLEAN leader election of {}-{}: no in-sync replica of {} is live, so {} leads " +
                            "with what it has (unclean.leader.election.enable=true); records acknowledged by the " +
                            "lost replicas may be gone", t.name(), p.partition(), isr, unclean);
                        uncleanElections++;
                        leader = unclean;
                        newIsr = List.of(unclean);
                    }
                }
                if (MetadataRecord.NO_CHANGE != leader || null != newIsr)
                {
                    records.add(new PartitionChangeRecord(t.id(), p.partition(), leader, newIsr));
                }
            }
        }
        records.add(new BrokerRegistrationChangeRecord(id, b.brokerEpoch(), true));
    }

    /** Whether the topic allows an out-of-sync replica to lead when no in-sync one is live (off by default). */
    private static boolean uncleanAllowed(final TopicImage t)
    {
        return "true".equalsIgnoreCase(t.configs().get(UNCLEAN_LEADER_ELECTION_ENABLE));
    }

    /** Unclean elections this state machine made, for the controller's metric (not part of the replicated state). */
    public long uncleanElections()
    {
        return uncleanElections;
    }

    /** A broker coming back leads every offline partition whose ISR still holds it. */
    private void unfenceElections(final int brokerId, final List<MetadataRecord> records)
    {
        for (final TopicImage t : image.topicsById().values())
        {
            for (final PartitionRegistration p : t.partitions())
            {
                if (p.isOffline() && p.inIsr(brokerId) && p.hasReplica(brokerId))
                {
                    records.add(new PartitionChangeRecord(t.id(), p.partition(), brokerId, null));
                }
            }
        }
    }

    /**
     * A broker that restarted before its lease lapsed: the fencing of its old incarnation, in this same command, took
     * every partition it led as the only in-sync replica offline (the image {@link #unfenceElections} reads does not
     * show that yet). It leads them again, cleanly: its log is the whole ISR's.
     */
    private void reincarnationElections(final int brokerId, final List<MetadataRecord> records)
    {
        for (final TopicImage t : image.topicsById().values())
        {
            for (final PartitionRegistration p : t.partitions())
            {
                if (p.leader() == brokerId && p.isr().equals(List.of(brokerId)))
                {
                    records.add(new PartitionChangeRecord(t.id(), p.partition(), brokerId, List.of(brokerId)));
                }
            }
        }
    }

    /** The first replica, in replica order, that is in {@code isr}, live and not {@code excluded}; else -1. */
    private int firstLive(final List<Integer> replicas, final List<Integer> isr, final int excluded)
    {
        for (final int r : replicas)
        {
            if (r != excluded && isr.contains(r) && image.isLive(r))
            {
                return r;
            }
        }
        return PartitionRegistration.NO_LEADER;
    }

    // ----------------------------------------------------------------------------------------------------- topics

    private ControllerResult createTopic(final CreateTopic c)
    {
        final String name = c.name();
        final ControllerResult badName = validateTopicName(name);
        if (null != badName)
        {
            return badName;
        }
        if (null != image.topic(name))
        {
            return ControllerResult.refuse(ControllerError.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        final String collision = collidingTopic(name);
        if (null != collision)
        {
            return ControllerResult.refuse(ControllerError.INVALID_TOPIC_EXCEPTION,
                "Topic '" + name + "' collides with existing topic: " + collision);
        }
        if (null == c.topicId() || ZERO_UUID.equals(c.topicId()) || null != image.topic(c.topicId()))
        {
            return ControllerResult.refuse(ControllerError.INVALID_REQUEST,
                "Topic id " + c.topicId() + " is zero, missing or already used.");
        }
        final int partitions = -1 == c.partitions() ? defaultPartitions : c.partitions();
        final int rf = -1 == c.replicationFactor() ? defaultReplicationFactor : c.replicationFactor();
        if (partitions <= 0)
        {
            return ControllerResult.refuse(ControllerError.INVALID_PARTITIONS,
                "Number of partitions was set to an invalid non-positive value.");
        }
        if (partitions > MAX_PARTITIONS_PER_REQUEST)
        {
            return tooManyPartitions();
        }
        if (rf <= 0 || rf > Short.MAX_VALUE)
        {
            return ControllerResult.refuse(ControllerError.INVALID_REPLICATION_FACTOR,
                "Replication factor must be larger than 0, or -1 to use the default value.");
        }
        final ControllerResult tooFew = checkReplicationFactor(rf);
        if (null != tooFew)
        {
            return tooFew;
        }
        final ControllerResult badConfig = validateConfigs(name, c.configs());
        if (null != badConfig)
        {
            return badConfig;
        }
        if (c.validateOnly())
        {
            return new ControllerResult(List.of(), Reply.ok(partitions));
        }
        final List<MetadataRecord> records = new ArrayList<>();
        records.add(new TopicRecord(name, c.topicId()));
        for (final Map.Entry<String, String> e : c.configs().entrySet())
        {
            records.add(new ConfigRecord(ConfigRecord.TOPIC, name, e.getKey(), e.getValue()));
        }
        addPartitions(c.topicId(), 0, partitions, rf, records);
        return new ControllerResult(records, Reply.ok(partitions));
    }

    private void addPartitions(
        final UUID topicId, final int first, final int count, final int rf, final List<MetadataRecord> records)
    {
        final List<List<Integer>> assignment = ReplicaPlacer.place(image.liveBrokers(), topicId, first, count, rf);
        for (int i = 0; i < count; i++)
        {
            final List<Integer> replicas = assignment.get(i);
            records.add(new PartitionRecord(topicId, first + i, replicas, replicas, replicas.get(0), 0, 0));
        }
    }

    private static ControllerResult tooManyPartitions()
    {
        return ControllerResult.refuse(ControllerError.INVALID_PARTITIONS, "Excessively large number of partitions " +
            "per request: at most " + MAX_PARTITIONS_PER_REQUEST + " can be created at once.");
    }

    private ControllerResult checkReplicationFactor(final int rf)
    {
        final int live = image.liveBrokers().size();
        if (rf > live)
        {
            final String reason = 0 == live && !image.brokers().isEmpty() ? "All brokers are currently fenced." :
                "The target replication factor of " + rf + " cannot be reached because only " + live +
                " broker(s) are registered.";
            return ControllerResult.refuse(ControllerError.INVALID_REPLICATION_FACTOR,
                "Unable to replicate the partition " + rf + " time(s): " + reason);
        }
        return null;
    }

    private ControllerResult validateTopicName(final String name)
    {
        if (null == name || name.isEmpty())
        {
            return ControllerResult.refuse(ControllerError.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be empty");
        }
        if (".".equals(name) || "..".equals(name))
        {
            return ControllerResult.refuse(ControllerError.INVALID_TOPIC_EXCEPTION,
                "Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_TOPIC_NAME_LENGTH)
        {
            return ControllerResult.refuse(ControllerError.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be " +
                "longer than " + MAX_TOPIC_NAME_LENGTH + " characters, topic name: " + name);
        }
        if (!LEGAL_TOPIC_NAME.matcher(name).matches())
        {
            return ControllerResult.refuse(ControllerError.INVALID_TOPIC_EXCEPTION, "Topic name \"" + name +
                "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'");
        }
        return null;
    }

    /** Kafka refuses a name that differs from an existing one only by '.' versus '_' (they collide in metrics). */
    private String collidingTopic(final String name)
    {
        final String unified = name.replace('.', '_');
        for (final String existing : image.topicIdsByName().keySet())
        {
            if (existing.replace('.', '_').equals(unified))
            {
                return existing;
            }
        }
        return null;
    }

    private ControllerResult validateConfigs(final String topic, final Map<String, String> configs)
    {
        for (final Map.Entry<String, String> e : configs.entrySet())
        {
            if (null == e.getKey() || null == e.getValue())
            {
                return ControllerResult.refuse(ControllerError.INVALID_CONFIG,
                    "Null value not supported for topic configs: " + e.getKey());
            }
        }
        final String problem = configValidator.validate(topic, configs);
        return null == problem ? null : ControllerResult.refuse(ControllerError.INVALID_CONFIG, problem);
    }

    private ControllerResult deleteTopic(final DeleteTopic c)
    {
        final TopicImage t = image.topic(c.name());
        if (null == t)
        {
            return unknownTopic(c.name());
        }
        return new ControllerResult(List.of(new RemoveTopicRecord(t.id())), Reply.ok(0));
    }

    private ControllerResult createPartitions(final CreatePartitions c)
    {
        final TopicImage t = image.topic(c.name());
        if (null == t)
        {
            return unknownTopic(c.name());
        }
        final int current = t.partitions().size();
        if (c.totalCount() < current)
        {
            return ControllerResult.refuse(ControllerError.INVALID_PARTITIONS, "Topic currently has " + current +
                " partitions, which is higher than the requested " + c.totalCount() + ".");
        }
        if (c.totalCount() == current)
        {
            return ControllerResult.refuse(ControllerError.INVALID_PARTITIONS,
                "Topic already has " + current + " partition(s).");
        }
        if (c.totalCount() - current > MAX_PARTITIONS_PER_REQUEST)
        {
            return tooManyPartitions();
        }
        final int rf = t.replicationFactor();
        final ControllerResult tooFew = checkReplicationFactor(rf);
        if (null != tooFew)
        {
            return tooFew;
        }
        if (c.validateOnly())
        {
            return new ControllerResult(List.of(), Reply.ok(c.totalCount()));
        }
        final List<MetadataRecord> records = new ArrayList<>();
        addPartitions(t.id(), current, c.totalCount() - current, rf, records);
        return new ControllerResult(records, Reply.ok(c.totalCount()));
    }

    private ControllerResult alterConfigs(final AlterConfigs c)
    {
        final TopicImage t = image.topic(c.topic());
        if (null == t)
        {
            return unknownTopic(c.topic());
        }
        for (final String key : c.delete())
        {
            if (c.set().containsKey(key))
            {
                return ControllerResult.refuse(ControllerError.INVALID_REQUEST, "Config " + key +
                    " is both set and deleted.");
            }
        }
        final TreeMap<String, String> after = c.replaceAll() ? new TreeMap<>() : new TreeMap<>(t.configs());
        after.putAll(c.set());
        for (final String key : c.delete())
        {
            after.remove(key);
        }
        final ControllerResult badConfig = validateConfigs(t.name(), after);
        if (null != badConfig)
        {
            return badConfig;
        }
        final List<MetadataRecord> records = new ArrayList<>();
        final TreeSet<String> keys = new TreeSet<>(t.configs().keySet());
        keys.addAll(after.keySet());
        for (final String key : keys)
        {
            final String before = t.configs().get(key);
            final String value = after.get(key);
            if (!Objects.equals(before, value))
            {
                records.add(new ConfigRecord(ConfigRecord.TOPIC, t.name(), key, value));
            }
        }
        return new ControllerResult(c.validateOnly() ? List.of() : records, Reply.ok(0));
    }

    private static ControllerResult unknownTopic(final String name)
    {
        return ControllerResult.refuse(ControllerError.UNKNOWN_TOPIC_OR_PARTITION,
            "This server does not host this topic: " + name);
    }

    // ------------------------------------------------------------------------------------------------- partitions

    private ControllerResult alterPartition(final AlterPartition c)
    {
        final ControllerResult refused = checkBroker(c.brokerId(), c.brokerEpoch());
        if (null != refused)
        {
            return refused;
        }
        final TopicImage t = image.topic(c.topicId());
        if (null == t)
        {
            return ControllerResult.refuse(ControllerError.UNKNOWN_TOPIC_ID, "Unknown topic id " + c.topicId());
        }
        final PartitionRegistration p = t.partition(c.partition());
        if (null == p)
        {
            return ControllerResult.refuse(ControllerError.UNKNOWN_TOPIC_OR_PARTITION,
                "Unknown partition " + t.name() + "-" + c.partition());
        }
        if (p.leader() != c.brokerId())
        {
            return ControllerResult.refuse(ControllerError.NOT_LEADER_OR_FOLLOWER, "Broker " + c.brokerId() +
                " is not the leader of " + t.name() + "-" + c.partition() + " (leader " + p.leader() + ")");
        }
        if (c.leaderEpoch() != p.leaderEpoch())
        {
            return ControllerResult.refuse(ControllerError.FENCED_LEADER_EPOCH, "Leader epoch " + c.leaderEpoch() +
                " of " + t.name() + "-" + c.partition() + " is not the current " + p.leaderEpoch());
        }
        if (c.partitionEpoch() != p.partitionEpoch())
        {
            return ControllerResult.refuse(ControllerError.INVALID_UPDATE_VERSION, "Partition epoch " +
                c.partitionEpoch() + " of " + t.name() + "-" + c.partition() + " is not the current " +
                p.partitionEpoch());
        }
        final List<Integer> isr = c.newIsr();
        if (!isr.contains(c.brokerId()) || !p.replicas().containsAll(isr) || new TreeSet<>(isr).size() != isr.size())
        {
            return ControllerResult.refuse(ControllerError.INVALID_REQUEST, "ISR " + isr + " of " + t.name() + "-" +
                c.partition() + " must hold the leader, only replicas of " + p.replicas() + ", each once");
        }
        for (final int r : isr)
        {
            if (!p.inIsr(r) && !image.isLive(r))
            {
                return ControllerResult.refuse(ControllerError.INELIGIBLE_REPLICA,
                    "Replica " + r + " is fenced and cannot join the ISR of " + t.name() + "-" + c.partition());
            }
        }
        if (isr.equals(p.isr()))
        {
            return new ControllerResult(List.of(), Reply.ok(p.partitionEpoch()));
        }
        return new ControllerResult(List.of(new PartitionChangeRecord(t.id(), p.partition(), MetadataRecord.NO_CHANGE,
            isr)), Reply.ok(p.partitionEpoch() + 1));
    }

    private ControllerResult electLeader(final ElectLeader c)
    {
        final TopicImage t = image.topic(c.topic());
        final PartitionRegistration p = null == t ? null : t.partition(c.partition());
        if (null == p)
        {
            return ControllerResult.refuse(ControllerError.UNKNOWN_TOPIC_OR_PARTITION,
                "This server does not host this topic-partition: " + c.topic() + "-" + c.partition());
        }
        if (!c.unclean())
        {
            final int preferred = p.preferredLeader();
            if (p.leader() == preferred)
            {
                return ControllerResult.refuse(ControllerError.ELECTION_NOT_NEEDED,
                    "Leader election not needed for topic partition " + c.topic() + "-" + c.partition());
            }
            if (!p.inIsr(preferred) || !image.isLive(preferred))
            {
                return ControllerResult.refuse(ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE, "Preferred replica " +
                    preferred + " is not live and in sync for " + c.topic() + "-" + c.partition());
            }
            return elected(t, p, preferred, null);
        }
        if (!p.isOffline())
        {
            return ControllerResult.refuse(ControllerError.ELECTION_NOT_NEEDED,
                "Leader election not needed for topic partition " + c.topic() + "-" + c.partition());
        }
        final int clean = firstLive(p.replicas(), p.isr(), PartitionRegistration.NO_LEADER);
        if (PartitionRegistration.NO_LEADER != clean)
        {
            return elected(t, p, clean, null);
        }
        for (final int r : p.replicas())
        {
            if (image.isLive(r))
            {
                return elected(t, p, r, List.of(r)); // unclean: the ISR restarts from the new leader
            }
        }
        return ControllerResult.refuse(ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE,
            "No live replica of " + c.topic() + "-" + c.partition());
    }

    private static ControllerResult elected(
        final TopicImage t, final PartitionRegistration p, final int leader, final List<Integer> isr)
    {
        return new ControllerResult(List.of(new PartitionChangeRecord(t.id(), p.partition(), leader, isr)),
            Reply.ok(leader));
    }

    private ControllerResult allocateProducerIds(final AllocateProducerIds c)
    {
        final ControllerResult refused = checkBroker(c.brokerId(), c.brokerEpoch());
        if (null != refused)
        {
            return refused;
        }
        final long first = image.nextProducerId();
        return new ControllerResult(
            List.of(new ProducerIdsRecord(c.brokerId(), c.brokerEpoch(), first + PRODUCER_ID_BLOCK_SIZE)),
            Reply.ok(first));
    }
}
