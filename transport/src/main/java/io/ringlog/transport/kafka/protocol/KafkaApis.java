package io.ringlog.transport.kafka.protocol;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What the pinned kafka-clients knows about each api key: whether it exists, its version range,
 * and which request and response header versions each version uses. An array indexed by api key
 * is built once from {@link ApiKeys}, so the hot path asks with array lookups, allocation-free
 * (ApiKeys.forId goes through a map of boxed ids), and without seeing kafka-clients types.
 * <p>
 * <b>Thread:</b> immutable after class initialisation; safe from any thread.
 */
public final class KafkaApis
{
    /** Api key of Produce. */
    public static final short PRODUCE = 0;
    /** Api key of Fetch. */
    public static final short FETCH = 1;
    /** Api key of ListOffsets. */
    public static final short LIST_OFFSETS = 2;
    /** Api key of Metadata. */
    public static final short METADATA = 3;
    /** Api key of ApiVersions. */
    public static final short API_VERSIONS = 18;

    /** Kafka's error code for a version the broker does not support. */
    public static final short UNSUPPORTED_VERSION_ERROR = 35;

    private static final ApiKeys[] BY_ID;
    private static final short[] OLDEST;
    private static final short[] LATEST;
    private static final short[] LATEST_STABLE;

    static
    {
        int maxId = 0;
        for (final ApiKeys key : ApiKeys.values())
        {
            maxId = Math.max(maxId, key.id);
        }
        BY_ID = new ApiKeys[maxId + 1];
        OLDEST = new short[maxId + 1];
        LATEST = new short[maxId + 1];
        LATEST_STABLE = new short[maxId + 1];
        for (final ApiKeys key : ApiKeys.values())
        {
            // Keys whose every version was removed (LeaderAndIsr and friends in 4.0) are unknown to clients.
            if (key.hasValidVersion())
            {
                BY_ID[key.id] = key;
                OLDEST[key.id] = key.oldestVersion();
                LATEST[key.id] = key.latestVersion(true);
                LATEST_STABLE[key.id] = key.latestVersion(false);
            }
        }
    }

    private KafkaApis()
    {
    }

    /**
     * @param apiKey an api key from a request header.
     * @return true if kafka-clients defines this key and at least one version of it.
     */
    public static boolean isKnown(final int apiKey)
    {
        return apiKey >= 0 && apiKey < BY_ID.length && null != BY_ID[apiKey];
    }

    /**
     * @param apiKey a known api key.
     * @return oldest version kafka-clients can read and write.
     */
    public static short oldestVersion(final short apiKey)
    {
        return OLDEST[apiKey];
    }

    /**
     * @param apiKey a known api key.
     * @return latest version kafka-clients can read and write (unstable versions included).
     */
    public static short latestVersion(final short apiKey)
    {
        return LATEST[apiKey];
    }

    /**
     * The latest version kafka-clients marks stable. A version still marked unstable
     * ({@code latestVersionUnstable} in its message spec, e.g. InitProducerId v6 in 4.4) may change on the wire
     * before its release; Kafka advertises it only with {@code unstable.api.versions.enable}.
     *
     * @param apiKey a known api key.
     * @return latest stable version; equal to {@link #latestVersion(short)} when no version is unstable.
     */
    public static short latestStableVersion(final short apiKey)
    {
        return LATEST_STABLE[apiKey];
    }

    /**
     * @param apiKey  an api key.
     * @param version a version.
     * @return true if kafka-clients' generated classes can read and write this version.
     */
    public static boolean hasCodec(final short apiKey, final short version)
    {
        return isKnown(apiKey) && version >= OLDEST[apiKey] && version <= LATEST[apiKey];
    }

    /**
     * Request header version of a request, as the generated {@code ApiKeys.requestHeaderVersion}
     * answers it (a branch on the version, allocation-free): 2 for flexible versions, 1 before.
     * It answers for versions outside the known range too, so a header from a newer client can
     * still be read far enough to answer it.
     *
     * @param apiKey  a known api key.
     * @param version any version.
     * @return 1 or 2; -1 if the key is unknown.
     */
    public static short requestHeaderVersion(final short apiKey, final short version)
    {
        if (!isKnown(apiKey))
        {
            return -1;
        }
        return BY_ID[apiKey].requestHeaderVersion(version);
    }

    /**
     * Response header version: 1 for flexible versions, 0 before, and always 0 for ApiVersions,
     * whose response a client must read before it knows what the broker speaks.
     *
     * @param apiKey  a known api key.
     * @param version any version.
     * @return 0 or 1; -1 if the key is unknown.
     */
    public static short responseHeaderVersion(final short apiKey, final short version)
    {
        if (!isKnown(apiKey))
        {
            return -1;
        }
        return BY_ID[apiKey].responseHeaderVersion(version);
    }

    /**
     * @param apiKey an api key.
     * @return its name, e.g. "Produce", or "Unknown(n)".
     */
    public static String name(final int apiKey)
    {
        return isKnown(apiKey) ? BY_ID[apiKey].name : "Unknown(" + apiKey + ")";
    }

    static ApiKeys apiKeys(final short apiKey)
    {
        if (!isKnown(apiKey))
        {
            throw new IllegalArgumentException("unknown api key: " + apiKey);
        }
        return BY_ID[apiKey];
    }
}
