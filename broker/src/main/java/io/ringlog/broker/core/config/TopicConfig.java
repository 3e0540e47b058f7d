package io.ringlog.broker.core.config;

import io.ringlog.journal.LogConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Topic-level configs, under Kafka's names: the journal's ({@link LogConfig#KEYS}) plus those the broker applies
 * itself. A topic stores only the keys set on it; its effective config is the broker's defaults overlaid with them.
 * Immutable helpers; any thread.
 */
public final class TopicConfig
{
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    /** Read by the controller when a partition has no live in-sync replica; off unless the topic sets it. */
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    /** Keys a topic may set. */
    public static final Set<String> KEYS;

    static
    {
        final java.util.TreeSet<String> keys = new java.util.TreeSet<>(LogConfig.KEYS);
        keys.remove(LogConfig.RESERVE_BYTES); // a property of the disk, so a broker setting only
        keys.add(CLEANUP_POLICY);
        keys.add(MIN_INSYNC_REPLICAS);
        keys.add(UNCLEAN_LEADER_ELECTION_ENABLE);
        KEYS = java.util.Collections.unmodifiableSet(keys);
    }

    private TopicConfig()
    {
    }

    /**
     * Check a topic's own configs.
     *
     * @throws IllegalArgumentException naming the key, for an unknown key or a bad value.
     */
    public static void validate(final Map<String, String> configs)
    {
        final Map<String, String> logKeys = new HashMap<>();
        for (final Map.Entry<String, String> e : configs.entrySet())
        {
            final String key = e.getKey();
            final String value = e.getValue() == null ? "" : e.getValue().trim();
            if (!KEYS.contains(key) && !LogConfig.RESERVE_BYTES.equals(key))
            {
                throw new IllegalArgumentException("unknown topic config " + key);
            }
            switch (key)
            {
                case CLEANUP_POLICY -> ConfigKey.oneOf("delete", "compact", "compact,delete", "delete,compact").apply(value);
                case MIN_INSYNC_REPLICAS -> new ConfigKey<>(key, null, ConfigKey.intAtLeast(1), "").parse(value);
                case UNCLEAN_LEADER_ELECTION_ENABLE -> ConfigKey.bool().apply(value);
                default -> logKeys.put(key, value);
            }
        }
        LogConfig.fromProperties(logKeys);
    }

    /** The journal's part of an effective topic config. */
    public static LogConfig logConfig(final Map<String, String> effective)
    {
        final Map<String, String> logKeys = new TreeMap<>();
        for (final Map.Entry<String, String> e : effective.entrySet())
        {
            if (LogConfig.KEYS.contains(e.getKey()))
            {
                logKeys.put(e.getKey(), e.getValue());
            }
        }
        return LogConfig.fromProperties(logKeys);
    }

    public static int minInsyncReplicas(final Map<String, String> effective)
    {
        return Integer.parseInt(effective.getOrDefault(MIN_INSYNC_REPLICAS, "1").trim());
    }

    /** Broker defaults overlaid with the topic's own configs. */
    public static Map<String, String> effective(final Map<String, String> brokerDefaults, final Map<String, String> topic)
    {
        final Map<String, String> merged = new TreeMap<>(brokerDefaults);
        merged.putAll(topic);
        return merged;
    }
}
