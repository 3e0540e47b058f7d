package io.ringlog.transport.kafka.protocol;

import java.util.Arrays;

/**
 * The table of (api key, min version, max version) that a broker implements. The broker builds
 * it; transport only reads it, to answer ApiVersions ({@link ApiVersionsResponseBuilder}) and to
 * refuse versions outside it. Transport never decides what the broker implements.
 * <p>
 * Every range is checked against what the pinned kafka-clients can read and write, because the
 * broker parses cold-path requests with its generated classes.
 * <p>
 * <b>Thread:</b> immutable once built; safe from any thread. Lookups are array reads.
 */
public final class SupportedApis
{
    private static final short ABSENT = -1;

    private final short[] minVersion;
    private final short[] maxVersion;
    private final short[] advertisedMinVersion;
    private final short[] apiKeys;

    private SupportedApis(final short[] minVersion, final short[] maxVersion, final short[] advertisedMinVersion)
    {
        this.minVersion = minVersion;
        this.maxVersion = maxVersion;
        this.advertisedMinVersion = advertisedMinVersion;
        int count = 0;
        for (final short max : maxVersion)
        {
            count += max == ABSENT ? 0 : 1;
        }
        apiKeys = new short[count];
        for (short key = 0, i = 0; key < maxVersion.length; key++)
        {
            if (maxVersion[key] != ABSENT)
            {
                apiKeys[i++] = key;
            }
        }
    }

    /**
     * @return a builder for a table.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @param apiKey  from a request header.
     * @param version from a request header.
     * @return true if the broker implements this api at this version.
     */
    public boolean isSupported(final short apiKey, final short version)
    {
        return apiKey >= 0 && apiKey < maxVersion.length &&
            version >= minVersion[apiKey] && version <= maxVersion[apiKey] && maxVersion[apiKey] != ABSENT;
    }

    /**
     * @param apiKey an api key.
     * @return true if the broker implements some version of it.
     */
    public boolean contains(final short apiKey)
    {
        return apiKey >= 0 && apiKey < maxVersion.length && maxVersion[apiKey] != ABSENT;
    }

    /**
     * @param apiKey an api key in the table.
     * @return lowest version supported, or -1 if absent.
     */
    public short minVersion(final short apiKey)
    {
        return contains(apiKey) ? minVersion[apiKey] : ABSENT;
    }

    /**
     * @param apiKey an api key in the table.
     * @return highest version supported, or -1 if absent.
     */
    public short maxVersion(final short apiKey)
    {
        return contains(apiKey) ? maxVersion[apiKey] : ABSENT;
    }

    /**
     * The lowest version ApiVersions advertises. It is {@link #minVersion(short)} unless the table was built with
     * {@link Builder#advertiseFrom(short, short)}: Kafka 4 advertises Produce from v0 while it refuses v0-v2,
     * because librdkafka 2.0-2.8 turn compression off against a broker whose Produce range starts above 0
     * (KAFKA-18659). Requests below {@link #minVersion(short)} are refused all the same.
     *
     * @param apiKey an api key in the table.
     * @return lowest version advertised, or -1 if absent.
     */
    public short advertisedMinVersion(final short apiKey)
    {
        return contains(apiKey) ? advertisedMinVersion[apiKey] : ABSENT;
    }

    /**
     * @return the api keys in the table, ascending (a copy).
     */
    public short[] apiKeys()
    {
        return apiKeys.clone();
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder("SupportedApis{");
        for (final short key : apiKeys)
        {
            sb.append(KafkaApis.name(key)).append('(').append(key).append("):")
                .append(minVersion[key]).append('-').append(maxVersion[key]).append(' ');
        }
        return sb.append('}').toString();
    }

    /**
     * Builds a {@link SupportedApis}. <b>Thread:</b> not thread-safe; control path, throws on bad input.
     */
    public static final class Builder
    {
        private short[] minVersion = new short[0];
        private short[] maxVersion = new short[0];
        private short[] advertisedMinVersion = new short[0];

        private Builder()
        {
        }

        /**
         * Add an api with an explicit version range.
         *
         * @param apiKey     the api key, known to the pinned kafka-clients.
         * @param minVersion lowest version implemented, not below what kafka-clients can read.
         * @param maxVersion highest version implemented, not above what kafka-clients can read.
         * @return this.
         * @throws IllegalArgumentException if the key is unknown, listed twice, or the range is impossible.
         */
        public Builder add(final short apiKey, final short minVersion, final short maxVersion)
        {
            if (!KafkaApis.isKnown(apiKey))
            {
                throw new IllegalArgumentException("api key unknown to kafka-clients: " + apiKey);
            }
            if (minVersion > maxVersion ||
                minVersion < KafkaApis.oldestVersion(apiKey) ||
                maxVersion > KafkaApis.latestVersion(apiKey))
            {
                throw new IllegalArgumentException(KafkaApis.name(apiKey) + " range " + minVersion + "-" + maxVersion +
                    " not within kafka-clients' " + KafkaApis.oldestVersion(apiKey) + "-" +
                    KafkaApis.latestVersion(apiKey));
            }
            if (apiKey >= this.maxVersion.length)
            {
                final int oldLength = this.maxVersion.length;
                this.minVersion = Arrays.copyOf(this.minVersion, apiKey + 1);
                this.maxVersion = Arrays.copyOf(this.maxVersion, apiKey + 1);
                this.advertisedMinVersion = Arrays.copyOf(this.advertisedMinVersion, apiKey + 1);
                Arrays.fill(this.minVersion, oldLength, apiKey + 1, ABSENT);
                Arrays.fill(this.maxVersion, oldLength, apiKey + 1, ABSENT);
                Arrays.fill(this.advertisedMinVersion, oldLength, apiKey + 1, ABSENT);
            }
            if (this.maxVersion[apiKey] != ABSENT)
            {
                throw new IllegalArgumentException(KafkaApis.name(apiKey) + " listed twice");
            }
            this.minVersion[apiKey] = minVersion;
            this.maxVersion[apiKey] = maxVersion;
            this.advertisedMinVersion[apiKey] = minVersion;
            return this;
        }

        /**
         * Advertise an api in ApiVersions from a version below the lowest one the table accepts, as Kafka 4 does for
         * Produce (from v0, while v0-v2 close the connection): see {@link SupportedApis#advertisedMinVersion(short)}.
         * Only the ApiVersions answer changes; {@link SupportedApis#isSupported(short, short)} does not.
         *
         * @param apiKey  an api already added.
         * @param version from 0 up to the accepted minimum.
         * @return this.
         * @throws IllegalArgumentException if the api is not in the table or the version is out of that range.
         */
        public Builder advertiseFrom(final short apiKey, final short version)
        {
            if (apiKey < 0 || apiKey >= maxVersion.length || maxVersion[apiKey] == ABSENT)
            {
                throw new IllegalArgumentException(KafkaApis.name(apiKey) + " must be added before advertiseFrom");
            }
            if (version < 0 || version > minVersion[apiKey])
            {
                throw new IllegalArgumentException(KafkaApis.name(apiKey) + " advertised from " + version +
                    ": must be between 0 and the accepted minimum " + minVersion[apiKey]);
            }
            advertisedMinVersion[apiKey] = version;
            return this;
        }

        /**
         * Add an api with every <em>stable</em> version the pinned kafka-clients can read and write: a version its
         * message spec still marks unstable is left out, as Kafka leaves it out unless
         * {@code unstable.api.versions.enable}.
         *
         * @param apiKey the api key.
         * @return this.
         */
        public Builder addAllVersions(final short apiKey)
        {
            return addAllVersions(apiKey, false);
        }

        /**
         * Add an api with every version the pinned kafka-clients can read and write.
         *
         * @param apiKey         the api key.
         * @param enableUnstable true to include versions kafka-clients marks unstable (Kafka's
         *                       {@code unstable.api.versions.enable}).
         * @return this.
         */
        public Builder addAllVersions(final short apiKey, final boolean enableUnstable)
        {
            if (!KafkaApis.isKnown(apiKey))
            {
                throw new IllegalArgumentException("api key unknown to kafka-clients: " + apiKey);
            }
            return add(apiKey, KafkaApis.oldestVersion(apiKey),
                enableUnstable ? KafkaApis.latestVersion(apiKey) : KafkaApis.latestStableVersion(apiKey));
        }

        /**
         * @return the table.
         * @throws IllegalArgumentException if ApiVersions is not in it: no Kafka client can connect without it.
         */
        public SupportedApis build()
        {
            final short key = KafkaApis.API_VERSIONS;
            if (key >= maxVersion.length || maxVersion[key] == ABSENT)
            {
                throw new IllegalArgumentException("ApiVersions must be supported");
            }
            return new SupportedApis(minVersion.clone(), maxVersion.clone(), advertisedMinVersion.clone());
        }
    }
}
