package io.ringlog.broker.core.config;

import io.ringlog.journal.LogConfig;
import io.ringlog.replication.quorum.QuorumVoters;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.ringlog.broker.core.config.ConfigKey.bool;
import static io.ringlog.broker.core.config.ConfigKey.intAtLeast;
import static io.ringlog.broker.core.config.ConfigKey.longAtLeast;
import static io.ringlog.broker.core.config.ConfigKey.oneOf;
import static io.ringlog.broker.core.config.ConfigKey.optionalLongAtLeast;
import static io.ringlog.broker.core.config.ConfigKey.text;

/**
 * The broker's configuration: a properties file whose keys follow Kafka's {@code server.properties} where they mean
 * the same thing, plus Ringlog's own. Every value is parsed and checked when the broker starts; a bad value stops
 * the start with a message naming the key. Unknown keys are kept in {@link #unknownKeys()} so the broker can report
 * them (a typo should not pass silently, nor stop a broker that shares a file with Kafka).
 * Immutable; any thread.
 */
public final class BrokerConfig
{
    public static final ConfigKey<Integer> NODE_ID = new ConfigKey<>("node.id", "1", intAtLeast(0),
        "id of this broker in the cluster");
    public static final ConfigKey<String> LISTENERS = new ConfigKey<>("listeners", "PLAINTEXT://127.0.0.1:9092", text(),
        "where the Kafka protocol listens: PLAINTEXT://host:port (port 0 picks a free one)");
    public static final ConfigKey<String> ADVERTISED_LISTENERS = new ConfigKey<>("advertised.listeners", "", text(),
        "what clients are told to connect to; empty: the listeners");
    public static final ConfigKey<String> LOG_DIRS = new ConfigKey<>("log.dirs", "./data", text(),
        "comma-separated directories holding the partition logs");
    public static final ConfigKey<Integer> NUM_PARTITIONS = new ConfigKey<>("num.partitions", "1", intAtLeast(1),
        "partitions of an auto-created topic, and of CreateTopics asking for the default");
    public static final ConfigKey<Integer> DEFAULT_REPLICATION_FACTOR = new ConfigKey<>(
        "default.replication.factor", "1", intAtLeast(1), "replicas of a topic asking for the default");
    public static final ConfigKey<Boolean> AUTO_CREATE_TOPICS = new ConfigKey<>("auto.create.topics.enable", "true",
        bool(), "create a topic when a client asks for its metadata");
    public static final ConfigKey<Boolean> DELETE_TOPIC_ENABLE = new ConfigKey<>("delete.topic.enable", "true", bool(),
        "whether DeleteTopics is allowed");
    public static final ConfigKey<Integer> LOG_SEGMENT_BYTES = new ConfigKey<>("log.segment.bytes", "1073741824",
        intAtLeast(LogConfig.MIN_SEGMENT_BYTES), "default segment.bytes");
    public static final ConfigKey<Long> LOG_ROLL_MS = new ConfigKey<>("log.roll.ms", "", optionalLongAtLeast(1),
        "default segment.ms; overrides log.roll.hours");
    public static final ConfigKey<Long> LOG_ROLL_HOURS = new ConfigKey<>("log.roll.hours", "168", longAtLeast(1),
        "default segment.ms in hours");
    public static final ConfigKey<Long> LOG_RETENTION_MS = new ConfigKey<>("log.retention.ms", "",
        optionalLongAtLeast(-1), "default retention.ms; overrides minutes and hours");
    public static final ConfigKey<Long> LOG_RETENTION_MINUTES = new ConfigKey<>("log.retention.minutes", "",
        optionalLongAtLeast(-1), "default retention.ms in minutes; overrides hours");
    public static final ConfigKey<Long> LOG_RETENTION_HOURS = new ConfigKey<>("log.retention.hours", "168",
        longAtLeast(-1), "default retention.ms in hours");
    public static final ConfigKey<Long> LOG_RETENTION_BYTES = new ConfigKey<>("log.retention.bytes", "-1",
        longAtLeast(-1), "default retention.bytes per partition; -1: no limit");
    public static final ConfigKey<Long> LOG_RETENTION_CHECK_INTERVAL_MS = new ConfigKey<>(
        "log.retention.check.interval.ms", "300000", longAtLeast(1), "how often retention runs");
    public static final ConfigKey<Integer> MESSAGE_MAX_BYTES = new ConfigKey<>("message.max.bytes", "1048588",
        intAtLeast(0), "default max.message.bytes: the largest record batch accepted");
    public static final ConfigKey<Integer> SOCKET_REQUEST_MAX_BYTES = new ConfigKey<>("socket.request.max.bytes",
        "104857600", intAtLeast(1), "the largest request frame; a larger one closes the connection");
    public static final ConfigKey<Long> QUEUED_MAX_REQUEST_BYTES = new ConfigKey<>("queued.max.request.bytes",
        "524288000", longAtLeast(1), "bytes of requests in flight before the broker stops reading");
    public static final ConfigKey<Long> LOG_FLUSH_INTERVAL_MESSAGES = new ConfigKey<>("log.flush.interval.messages",
        Long.toString(Long.MAX_VALUE), longAtLeast(1), "default flush.messages: fsync after this many records");
    public static final ConfigKey<Long> LOG_FLUSH_INTERVAL_MS = new ConfigKey<>("log.flush.interval.ms", "",
        optionalLongAtLeast(0), "default flush.ms: fsync this long after the last one");
    public static final ConfigKey<Integer> LOG_INDEX_INTERVAL_BYTES = new ConfigKey<>("log.index.interval.bytes",
        "4096", intAtLeast(0), "default index.interval.bytes");
    public static final ConfigKey<Integer> LOG_INDEX_SIZE_MAX_BYTES = new ConfigKey<>("log.index.size.max.bytes",
        "10485760", intAtLeast(48), "default segment.index.bytes");
    public static final ConfigKey<Long> LOG_SEGMENT_DELETE_DELAY_MS = new ConfigKey<>("log.segment.delete.delay.ms",
        "60000", longAtLeast(0), "default file.delete.delay.ms");
    public static final ConfigKey<Boolean> LOG_PREALLOCATE = new ConfigKey<>("log.preallocate", "false", bool(),
        "default preallocate: zero-fill new segments");
    public static final ConfigKey<Long> LOG_DIR_RESERVE_BYTES = new ConfigKey<>("log.dir.reserve.bytes", "67108864",
        longAtLeast(0), "free space kept in each log dir; below it appends answer KAFKA_STORAGE_ERROR");
    public static final ConfigKey<Integer> MIN_INSYNC_REPLICAS = new ConfigKey<>("min.insync.replicas", "1",
        intAtLeast(1), "default min.insync.replicas for acks=all");
    public static final ConfigKey<String> LOG_CLEANUP_POLICY = new ConfigKey<>("log.cleanup.policy", "delete",
        oneOf("delete", "compact", "compact,delete", "delete,compact"), "default cleanup.policy");
    public static final ConfigKey<Integer> OFFSETS_TOPIC_NUM_PARTITIONS = new ConfigKey<>(
        "offsets.topic.num.partitions", "50", intAtLeast(1), "partitions of __consumer_offsets");
    public static final ConfigKey<Integer> OFFSETS_TOPIC_REPLICATION_FACTOR = new ConfigKey<>(
        "offsets.topic.replication.factor", "3", intAtLeast(1), "replicas of __consumer_offsets when it is created, " +
        "at most the brokers registered then (so a single broker gets 1)");
    public static final ConfigKey<Long> OFFSETS_RETENTION_MINUTES = new ConfigKey<>("offsets.retention.minutes",
        "10080", longAtLeast(1), "committed offsets of an empty group (or of topics it no longer reads) expire after this");
    public static final ConfigKey<Integer> GROUP_INITIAL_REBALANCE_DELAY_MS = new ConfigKey<>(
        "group.initial.rebalance.delay.ms", "3000", intAtLeast(0),
        "how long the first rebalance of an empty group waits for more members to join");
    public static final ConfigKey<Integer> GROUP_MIN_SESSION_TIMEOUT_MS = new ConfigKey<>("group.min.session.timeout.ms",
        "6000", intAtLeast(0), "the smallest session.timeout.ms a group member may ask for");
    public static final ConfigKey<Integer> GROUP_MAX_SESSION_TIMEOUT_MS = new ConfigKey<>("group.max.session.timeout.ms",
        "1800000", intAtLeast(0), "the largest session.timeout.ms a group member may ask for");
    public static final ConfigKey<Integer> GROUP_MAX_SIZE = new ConfigKey<>("group.max.size",
        Integer.toString(Integer.MAX_VALUE), intAtLeast(1), "members a consumer group may hold");
    public static final ConfigKey<Integer> SEQUENCER_SHARDS = new ConfigKey<>("sequencer.shards", "1", intAtLeast(1),
        "Ringlog: threads writing partitions; each owns a share of them");
    public static final ConfigKey<Integer> SEQUENCER_RING_SIZE = new ConfigKey<>("sequencer.ring.size", "1024",
        intAtLeast(2), "Ringlog: produce events each partition's ring holds (a power of two)");
    public static final ConfigKey<String> IDLE_STRATEGY = new ConfigKey<>("idle.strategy", "backoff",
        oneOf("backoff", "sleeping", "yielding", "busy-spin"),
        "Ringlog: what broker threads do when idle; busy-spin is the low-latency profile and burns a core each");
    public static final ConfigKey<String> KAFKA_LISTENER_IDLE_STRATEGY = new ConfigKey<>(
        "kafka.listener.idle.strategy", "auto", oneOf("auto", "select", "busy-spin"),
        "Ringlog: the Kafka listener's thread when idle; auto: busy-spin with idle.strategy=busy-spin, else select " +
        "(asleep in select until a socket is ready); select keeps a native-only low-latency broker to its spinning " +
        "threads");
    public static final ConfigKey<Integer> METRICS_PORT = new ConfigKey<>("metrics.port", "-1", s ->
    {
        final int port = intAtLeast(-1).apply(s);
        if (port > 65535)
        {
            throw new IllegalArgumentException("must be at most 65535");
        }
        return port;
    }, "Ringlog: port of the Prometheus endpoint (/metrics) on the listener's host; -1: off, 0: a free port");
    public static final ConfigKey<Boolean> NATIVE_ENABLED = new ConfigKey<>("native.enabled", "true", bool(),
        "Ringlog: serve the native protocol (SBE over Aeron: IPC on this host, UDP across hosts) beside Kafka's");
    public static final ConfigKey<Boolean> AERON_DRIVER_EMBEDDED = new ConfigKey<>("aeron.driver.embedded", "true",
        bool(), "Ringlog: launch an Aeron media driver inside the broker (SHARED threading, back-off idle, never " +
        "spinning: IPC needs no spinning driver); false: join the driver already running in aeron.dir");
    public static final ConfigKey<String> AERON_THREADING_MODE = new ConfigKey<>("aeron.threading.mode", "SHARED",
        oneOf("SHARED", "SHARED_NETWORK", "DEDICATED"), "Ringlog: the embedded media driver's threads, as Aeron's " +
        "property: SHARED (one thread, what 2 cores afford), SHARED_NETWORK (conductor + one for sender and receiver), " +
        "DEDICATED (three); UDP latency wants DEDICATED with a spinning idle strategy on cores to spare");
    public static final ConfigKey<String> AERON_DRIVER_IDLE_STRATEGY = new ConfigKey<>("aeron.driver.idle.strategy",
        "backoff", oneOf("backoff", "sleeping", "yielding", "busy-spin"), "Ringlog: what the embedded driver's " +
        "threads do when idle; backoff parks up to 1 ms (IPC data never waits for the driver; a UDP message after a " +
        "quiet spell waits up to 1 ms); busy-spin burns a core per thread");
    public static final ConfigKey<String> AERON_DIR = new ConfigKey<>("aeron.dir", "", text(),
        "Ringlog: the media driver's directory; empty: Aeron's default (/dev/shm/aeron-<user> on Linux), where " +
        "same-host clients look first");
    public static final ConfigKey<String> NATIVE_INGRESS_CHANNELS = new ConfigKey<>("native.ingress.channels",
        "aeron:ipc,aeron:udp?endpoint=127.0.0.1:9093", text(),
        "Ringlog: comma-separated Aeron channels the native gateway takes requests on");
    public static final ConfigKey<Integer> NATIVE_INGRESS_STREAM_ID = new ConfigKey<>("native.ingress.stream.id",
        "7701", intBetween(1, Integer.MAX_VALUE), "Ringlog: stream id of the native ingress on every ingress channel");
    public static final ConfigKey<Integer> NATIVE_SESSION_TIMEOUT_MS = new ConfigKey<>("native.session.timeout.ms",
        "10000", intBetween(100, 3_600_000), "Ringlog: a native session the broker hears nothing from for this long " +
        "expires (100 to 3600000); clients keep alive every quarter of it");
    public static final ConfigKey<Integer> NATIVE_MAX_SESSIONS = new ConfigKey<>("native.max.sessions", "64",
        intBetween(1, 65536), "Ringlog: native sessions open at once (1 to 65536); each holds an egress publication " +
        "of three native.egress.term.length terms");
    public static final ConfigKey<Integer> NATIVE_EGRESS_TERM_LENGTH = new ConfigKey<>("native.egress.term.length",
        "16777216", powerOfTwoBetween(65536, 1 << 30), "Ringlog: term length of each session's egress publication " +
        "(a power of two, 65536 to 1073741824); a RecordsMessage is at most an eighth of it, so keep it 8 times " +
        "message.max.bytes; a client's term-length in its response channel wins");
    public static final ConfigKey<Integer> NATIVE_REQUEST_MEMORY_BYTES = new ConfigKey<>("native.request.memory.bytes",
        "33554432", intBetween(65536, 1 << 30), "Ringlog: off-heap bytes holding native produce requests until " +
        "their partition has them (65536 to 1073741824); when full, produces answer BACK_PRESSURED");

    public static final ConfigKey<Boolean> UNSTABLE_API_VERSIONS_ENABLE = new ConfigKey<>(
        "unstable.api.versions.enable", "false", bool(), "advertise Kafka API versions kafka-clients still marks " +
        "unstable (they may change on the wire before their release)");
    public static final ConfigKey<String> PROCESS_ROLES = new ConfigKey<>("process.roles", "broker,controller",
        oneOf("broker,controller", "controller,broker", "broker", "controller"), "what this node runs, as Kafka's " +
        "KRaft key: broker,controller (combined: a member of the controller quorum and a broker), broker (a broker " +
        "of the quorum named by controller.quorum.voters) or controller (a quorum member only: no Kafka listener, " +
        "no partitions, registers no broker)");
    public static final ConfigKey<String> BROKER_RACK = new ConfigKey<>("broker.rack", "", text(),
        "the rack of this broker, as Kafka's key: registered with the quorum, shown to clients (Metadata, " +
        "DescribeCluster) and used to spread a partition's replicas over racks when every live broker has one; " +
        "empty: none");
    public static final ConfigKey<String> CONTROLLER_QUORUM_VOTERS = new ConfigKey<>("controller.quorum.voters", "",
        text(), "the controller quorum, as Kafka's key: id@host:port,... where port is a base port and each voter " +
        "uses it and the four after it (UDP: ingress, consensus, log, catch-up, archive); empty: a one-member quorum " +
        "of this node alone, on five free ports of 127.0.0.1 kept in metadata.log.dir");
    public static final ConfigKey<String> METADATA_LOG_DIR = new ConfigKey<>("metadata.log.dir", "", text(),
        "where this node keeps its part of the controller quorum (cluster log, archive, snapshots); empty: " +
        "__ringlog_metadata/quorum in the first log dir");
    public static final ConfigKey<Integer> BROKER_SESSION_TIMEOUT_MS = new ConfigKey<>("broker.session.timeout.ms",
        "3000", intBetween(500, 600_000), "a broker the quorum hears nothing from for this long is fenced and its " +
        "partitions' leadership moves (its lease; Kafka's default is 9000)");
    public static final ConfigKey<Integer> BROKER_HEARTBEAT_INTERVAL_MS = new ConfigKey<>(
        "broker.heartbeat.interval.ms", "500", intBetween(10, 60_000), "how often a broker keeps its lease alive " +
        "(Aeron Cluster session keep-alives, not logged); well below broker.session.timeout.ms");
    public static final ConfigKey<Integer> CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS = new ConfigKey<>(
        "controller.quorum.election.timeout.ms", "500", intBetween(50, 60_000),
        "how long a candidate waits for votes before it tries again (Aeron Cluster's election timeout)");
    public static final ConfigKey<Integer> CONTROLLER_QUORUM_FETCH_TIMEOUT_MS = new ConfigKey<>(
        "controller.quorum.fetch.timeout.ms", "1000", intBetween(100, 600_000), "how long followers go without " +
        "hearing from the quorum leader before they elect another (Aeron Cluster's leader heartbeat timeout; " +
        "heartbeats every tenth of it)");
    public static final ConfigKey<Integer> CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS = new ConfigKey<>(
        "controller.quorum.request.timeout.ms", "5000", intBetween(100, 600_000),
        "how long a broker waits for the quorum to answer a change (create topic, producer ids, ...)");

    public static final ConfigKey<String> REPLICATION_LISTENER = new ConfigKey<>("replication.listener", "",
        text(), "host:port (UDP) where this broker receives replication from leaders and acks from followers, " +
        "registered with the quorum; empty: the advertised host and a free port picked at each start");
    public static final ConfigKey<Long> REPLICA_LAG_TIME_MAX_MS = new ConfigKey<>("replica.lag.time.max.ms",
        "30000", longAtLeast(10), "a follower that has not caught up with the leader's log end for this long leaves " +
        "the ISR");
    public static final ConfigKey<Integer> REPLICATION_TERM_LENGTH = new ConfigKey<>("replication.term.length",
        "16777216", powerOfTwoBetween(65536, 1 << 30), "Aeron term length of the streams to other brokers; a " +
        "message is at most an eighth of it, so it must be at least 8 x (message.max.bytes + 256)");

    public static final ConfigKey<Boolean> AUTO_LEADER_REBALANCE_ENABLE = new ConfigKey<>(
        "auto.leader.rebalance.enable", "true", bool(), "a broker asks to lead again the partitions whose preferred " +
        "(first) replica it is, once it is back in their ISR");
    public static final ConfigKey<Integer> LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = new ConfigKey<>(
        "leader.imbalance.check.interval.seconds", "300", intAtLeast(1), "how often auto.leader.rebalance.enable looks");

    /** Every key this broker understands, in the order they are documented. */
    public static final List<ConfigKey<?>> KEYS = List.of(
        NODE_ID, LISTENERS, ADVERTISED_LISTENERS, LOG_DIRS, NUM_PARTITIONS, DEFAULT_REPLICATION_FACTOR,
        AUTO_CREATE_TOPICS, DELETE_TOPIC_ENABLE, LOG_SEGMENT_BYTES, LOG_ROLL_MS, LOG_ROLL_HOURS, LOG_RETENTION_MS,
        LOG_RETENTION_MINUTES, LOG_RETENTION_HOURS, LOG_RETENTION_BYTES, LOG_RETENTION_CHECK_INTERVAL_MS,
        MESSAGE_MAX_BYTES, SOCKET_REQUEST_MAX_BYTES, QUEUED_MAX_REQUEST_BYTES, LOG_FLUSH_INTERVAL_MESSAGES,
        LOG_FLUSH_INTERVAL_MS, LOG_INDEX_INTERVAL_BYTES, LOG_INDEX_SIZE_MAX_BYTES, LOG_SEGMENT_DELETE_DELAY_MS,
        LOG_PREALLOCATE, LOG_DIR_RESERVE_BYTES, MIN_INSYNC_REPLICAS, LOG_CLEANUP_POLICY, OFFSETS_TOPIC_NUM_PARTITIONS,
        OFFSETS_TOPIC_REPLICATION_FACTOR, OFFSETS_RETENTION_MINUTES, GROUP_INITIAL_REBALANCE_DELAY_MS,
        GROUP_MIN_SESSION_TIMEOUT_MS,
        GROUP_MAX_SESSION_TIMEOUT_MS, GROUP_MAX_SIZE, SEQUENCER_SHARDS, SEQUENCER_RING_SIZE, IDLE_STRATEGY,
        KAFKA_LISTENER_IDLE_STRATEGY, METRICS_PORT,
        NATIVE_ENABLED, AERON_DRIVER_EMBEDDED, AERON_THREADING_MODE, AERON_DRIVER_IDLE_STRATEGY, AERON_DIR, NATIVE_INGRESS_CHANNELS, NATIVE_INGRESS_STREAM_ID,
        NATIVE_SESSION_TIMEOUT_MS, NATIVE_MAX_SESSIONS, NATIVE_EGRESS_TERM_LENGTH, NATIVE_REQUEST_MEMORY_BYTES,
        UNSTABLE_API_VERSIONS_ENABLE, PROCESS_ROLES, BROKER_RACK, CONTROLLER_QUORUM_VOTERS, METADATA_LOG_DIR, BROKER_SESSION_TIMEOUT_MS,
        BROKER_HEARTBEAT_INTERVAL_MS, CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, CONTROLLER_QUORUM_FETCH_TIMEOUT_MS,
        CONTROLLER_QUORUM_REQUEST_TIMEOUT_MS, REPLICATION_LISTENER, REPLICA_LAG_TIME_MAX_MS, REPLICATION_TERM_LENGTH,
        AUTO_LEADER_REBALANCE_ENABLE, LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS);

    private final Map<String, String> given;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<String> unknownKeys = new ArrayList<>();
    private final Listener listener;
    private final Listener advertised;
    private final List<Path> logDirs = new ArrayList<>();

    private BrokerConfig(final Map<String, String> given)
    {
        this.given = Collections.unmodifiableMap(new TreeMap<>(given));
        final TreeSet<String> known = new TreeSet<>();
        for (final ConfigKey<?> key : KEYS)
        {
            known.add(key.name());
            values.put(key.name(), key.parse(given.get(key.name())));
        }
        for (final String name : new TreeSet<>(given.keySet()))
        {
            if (!known.contains(name) && !"log.dir".equals(name))
            {
                unknownKeys.add(name);
            }
        }

        final String dirs = given.containsKey(LOG_DIRS.name()) || !given.containsKey("log.dir") ?
            get(LOG_DIRS) : given.get("log.dir");
        for (final String dir : dirs.split(","))
        {
            if (!dir.isBlank())
            {
                logDirs.add(Path.of(dir.trim()));
            }
        }
        if (logDirs.isEmpty())
        {
            throw new IllegalArgumentException("invalid value '' for config log.dirs: names no directory");
        }

        listener = Listener.parse(LISTENERS.name(), get(LISTENERS));
        final String advertisedText = get(ADVERTISED_LISTENERS);
        advertised = advertisedText.isBlank() ? listener : Listener.parse(ADVERTISED_LISTENERS.name(), advertisedText);
        final int ring = get(SEQUENCER_RING_SIZE);
        if (Integer.bitCount(ring) != 1)
        {
            throw new IllegalArgumentException(
                "invalid value '" + ring + "' for config " + SEQUENCER_RING_SIZE.name() + ": must be a power of two");
        }
        defaultTopicConfig(); // checks the derived topic defaults now, not at the first topic
        checkQuorum();
        checkReplication();
    }

    /** Every batch a leader takes must fit one Aeron message on the way to its followers. */
    private void checkReplication()
    {
        final int term = get(REPLICATION_TERM_LENGTH);
        final long needed = 8L * (get(MESSAGE_MAX_BYTES) + 256L);
        if (term < needed)
        {
            throw new IllegalArgumentException("invalid value '" + term + "' for config " +
                REPLICATION_TERM_LENGTH.name() + ": an Aeron message is at most an eighth of the term, and a batch of " +
                MESSAGE_MAX_BYTES.name() + "=" + get(MESSAGE_MAX_BYTES) + " needs a term of at least " + needed);
        }
        replicationListener();
    }

    /**
     * {@code replication.listener} as host and port; port 0 when it is empty or names no port (the broker picks a
     * free one at start), host null when it is empty (the advertised host).
     */
    public Listener replicationListener()
    {
        final String text = get(REPLICATION_LISTENER).trim();
        if (text.isEmpty())
        {
            return new Listener(null, 0);
        }
        final int colon = text.lastIndexOf(':');
        try
        {
            final String host = colon < 0 ? text : text.substring(0, colon);
            final int port = colon < 0 ? 0 : Integer.parseInt(text.substring(colon + 1));
            if (host.isBlank() || port < 0 || port > 65535)
            {
                throw new NumberFormatException();
            }
            return new Listener(host, port);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("invalid value '" + text + "' for config " +
                REPLICATION_LISTENER.name() + ": expected host:port, e.g. 127.0.0.1:9094");
        }
    }

    /** node.id, process.roles and controller.quorum.voters must describe one place for this node in the quorum. */
    private void checkQuorum()
    {
        final String voters = get(CONTROLLER_QUORUM_VOTERS);
        if (voters.isBlank())
        {
            if (!isController() || !isBroker())
            {
                throw new IllegalArgumentException("invalid value '' for config " + CONTROLLER_QUORUM_VOTERS.name() +
                    ": a node with process.roles=" + get(PROCESS_ROLES) + " is part of a quorum with other nodes " +
                    "and must name its voters (only broker,controller runs a quorum of itself alone)");
            }
            return;
        }
        final QuorumVoters parsed;
        try
        {
            parsed = QuorumVoters.parse(voters);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid value '" + voters + "' for config " +
                CONTROLLER_QUORUM_VOTERS.name() + ": " + ex.getMessage(), ex);
        }
        final boolean voter = parsed.voter(nodeId()) != null;
        if (isController() && !voter)
        {
            throw new IllegalArgumentException("invalid value '" + nodeId() + "' for config " + NODE_ID.name() +
                ": process.roles includes controller but node " + nodeId() + " is not among " +
                CONTROLLER_QUORUM_VOTERS.name() + "=" + voters);
        }
        if (!isController() && voter)
        {
            throw new IllegalArgumentException("invalid value '" + nodeId() + "' for config " + NODE_ID.name() +
                ": node " + nodeId() + " is a voter in " + CONTROLLER_QUORUM_VOTERS.name() + " but process.roles=" +
                get(PROCESS_ROLES) + " has no controller; a broker-only node needs an id of its own");
        }
    }

    /** Whether this node is a broker ({@code process.roles} includes broker); false on a controller-only node. */
    public boolean isBroker()
    {
        return get(PROCESS_ROLES).contains("broker");
    }

    /** Whether this node is a member of the controller quorum ({@code process.roles} includes controller). */
    public boolean isController()
    {
        return get(PROCESS_ROLES).contains("controller");
    }

    /** Defaults only, as a broker started with no file. */
    public static BrokerConfig defaults()
    {
        return new BrokerConfig(Map.of());
    }

    /**
     * @param properties keys and values; later layers (overrides) already merged in.
     * @throws IllegalArgumentException naming the first bad key.
     */
    public static BrokerConfig from(final Map<String, String> properties)
    {
        return new BrokerConfig(properties);
    }

    /**
     * Read a {@code server.properties}-style file, then apply {@code key=value} overrides on top.
     *
     * @throws IOException when the file cannot be read.
     * @throws IllegalArgumentException for a malformed override or a bad value, naming the key.
     */
    public static BrokerConfig load(final Path file, final List<String> overrides) throws IOException
    {
        final Map<String, String> merged = new TreeMap<>();
        if (file != null)
        {
            final Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
            {
                properties.load(reader);
            }
            for (final String name : properties.stringPropertyNames())
            {
                merged.put(name, properties.getProperty(name));
            }
        }
        for (final String override : overrides)
        {
            final int eq = override.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("override '" + override + "' is not key=value");
            }
            merged.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return from(merged);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(final ConfigKey<T> key)
    {
        return (T)values.get(key.name());
    }

    /** Keys given that this broker does not know, for a warning at start-up. */
    public List<String> unknownKeys()
    {
        return Collections.unmodifiableList(unknownKeys);
    }

    /** The properties as given (file and overrides merged). */
    public Map<String, String> given()
    {
        return given;
    }

    public int nodeId()
    {
        return get(NODE_ID);
    }

    public Listener listener()
    {
        return listener;
    }

    public Listener advertisedListener()
    {
        return advertised;
    }

    public List<Path> logDirs()
    {
        return Collections.unmodifiableList(logDirs);
    }

    /**
     * The topic-level defaults this broker's {@code log.*} keys imply, under Kafka's topic-config names; a topic's
     * own configs override them.
     */
    public Map<String, String> defaultTopicConfig()
    {
        final Map<String, String> t = new TreeMap<>();
        t.put(LogConfig.SEGMENT_BYTES, Integer.toString(get(LOG_SEGMENT_BYTES)));
        final Long rollMs = get(LOG_ROLL_MS);
        t.put(LogConfig.SEGMENT_MS, Long.toString(rollMs != null ? rollMs : get(LOG_ROLL_HOURS) * 3_600_000L));
        t.put(LogConfig.RETENTION_MS, Long.toString(retentionMs()));
        t.put(LogConfig.RETENTION_BYTES, Long.toString(get(LOG_RETENTION_BYTES)));
        t.put(LogConfig.MAX_MESSAGE_BYTES, Integer.toString(get(MESSAGE_MAX_BYTES)));
        t.put(LogConfig.FLUSH_MESSAGES, Long.toString(get(LOG_FLUSH_INTERVAL_MESSAGES)));
        final Long flushMs = get(LOG_FLUSH_INTERVAL_MS);
        t.put(LogConfig.FLUSH_MS, Long.toString(flushMs != null ? flushMs : Long.MAX_VALUE));
        t.put(LogConfig.INDEX_INTERVAL_BYTES, Integer.toString(get(LOG_INDEX_INTERVAL_BYTES)));
        t.put(LogConfig.SEGMENT_INDEX_BYTES, Integer.toString(get(LOG_INDEX_SIZE_MAX_BYTES)));
        t.put(LogConfig.FILE_DELETE_DELAY_MS, Long.toString(get(LOG_SEGMENT_DELETE_DELAY_MS)));
        t.put(LogConfig.PREALLOCATE, Boolean.toString(get(LOG_PREALLOCATE)));
        t.put(LogConfig.RESERVE_BYTES, Long.toString(get(LOG_DIR_RESERVE_BYTES)));
        t.put(TopicConfig.MIN_INSYNC_REPLICAS, Integer.toString(get(MIN_INSYNC_REPLICAS)));
        t.put(TopicConfig.CLEANUP_POLICY, get(LOG_CLEANUP_POLICY));
        TopicConfig.validate(t);
        return t;
    }

    private static java.util.function.Function<String, Integer> intBetween(final int min, final int max)
    {
        return s ->
        {
            final int v = intAtLeast(min).apply(s);
            if (v > max)
            {
                throw new IllegalArgumentException("must be at most " + max);
            }
            return v;
        };
    }

    private static java.util.function.Function<String, Integer> powerOfTwoBetween(final int min, final int max)
    {
        return s ->
        {
            final int v = intBetween(min, max).apply(s);
            if (Integer.bitCount(v) != 1)
            {
                throw new IllegalArgumentException("must be a power of two");
            }
            return v;
        };
    }

    private long retentionMs()
    {
        final Long ms = get(LOG_RETENTION_MS);
        if (ms != null)
        {
            return ms;
        }
        final Long minutes = get(LOG_RETENTION_MINUTES);
        if (minutes != null)
        {
            return minutes < 0 ? -1 : minutes * 60_000L;
        }
        final long hours = get(LOG_RETENTION_HOURS);
        return hours < 0 ? -1 : hours * 3_600_000L;
    }

    /**
     * A {@code PLAINTEXT://host:port} listener. Only PLAINTEXT for now; TLS and SASL come with their issue.
     *
     * @param host the host to bind or advertise.
     * @param port the port; 0 picks a free one when binding.
     */
    public record Listener(String host, int port)
    {
        static Listener parse(final String key, final String text)
        {
            final String value = text.trim();
            final String prefix = "PLAINTEXT://";
            if (value.contains(","))
            {
                throw new IllegalArgumentException("invalid value '" + value + "' for config " + key +
                    ": one PLAINTEXT listener is supported");
            }
            if (!value.toUpperCase(java.util.Locale.ROOT).startsWith(prefix))
            {
                throw new IllegalArgumentException("invalid value '" + value + "' for config " + key +
                    ": must be PLAINTEXT://host:port");
            }
            final String hostPort = value.substring(prefix.length());
            final int colon = hostPort.lastIndexOf(':');
            if (colon < 0)
            {
                throw new IllegalArgumentException("invalid value '" + value + "' for config " + key + ": no port");
            }
            final String host = hostPort.substring(0, colon).isEmpty() ? "0.0.0.0" : hostPort.substring(0, colon);
            final int port;
            try
            {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("invalid value '" + value + "' for config " + key + ": bad port");
            }
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("invalid value '" + value + "' for config " + key + ": bad port");
            }
            return new Listener(host, port);
        }
    }
}
