package io.ringlog.journal;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A partition log's settings, named as Kafka names its topic configs so that operators find them where they expect.
 * Immutable; build with {@link #builder()} or {@link #fromProperties(Map)}.
 *
 * <table>
 *   <caption>Keys and defaults</caption>
 *   <tr><td>segment.bytes</td><td>1 GiB</td><td>segment size; the active segment is mapped at this size</td></tr>
 *   <tr><td>segment.ms</td><td>7 days</td><td>roll a segment this long after its first append</td></tr>
 *   <tr><td>segment.index.bytes</td><td>10 MiB</td><td>pre-sized offset and time index files</td></tr>
 *   <tr><td>index.interval.bytes</td><td>4096</td><td>bytes between two offset index entries</td></tr>
 *   <tr><td>retention.ms</td><td>7 days</td><td>-1: keep forever</td></tr>
 *   <tr><td>retention.bytes</td><td>-1</td><td>per partition; -1: no size limit</td></tr>
 *   <tr><td>flush.messages</td><td>Long.MAX_VALUE</td><td>fsync after this many records (off)</td></tr>
 *   <tr><td>flush.ms</td><td>Long.MAX_VALUE</td><td>fsync this long after the last fsync (off)</td></tr>
 *   <tr><td>max.message.bytes</td><td>1048588</td><td>largest batch accepted</td></tr>
 *   <tr><td>file.delete.delay.ms</td><td>60000</td><td>grace period before a removed segment is unmapped and deleted</td></tr>
 *   <tr><td>preallocate</td><td>false</td><td>zero-fill new segments so the disk blocks are reserved up front</td></tr>
 *   <tr><td>log.dir.reserve.bytes</td><td>64 MiB</td><td>Ringlog's own: free space kept in reserve, below which appends answer STORAGE_FULL</td></tr>
 * </table>
 */
public final class LogConfig
{
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String PREALLOCATE = "preallocate";
    public static final String RESERVE_BYTES = "log.dir.reserve.bytes";

    /** The keys {@link #fromProperties} understands. */
    public static final Set<String> KEYS = Set.of(
        SEGMENT_BYTES, SEGMENT_MS, SEGMENT_INDEX_BYTES, INDEX_INTERVAL_BYTES, RETENTION_MS, RETENTION_BYTES,
        FLUSH_MESSAGES, FLUSH_MS, MAX_MESSAGE_BYTES, FILE_DELETE_DELAY_MS, PREALLOCATE, RESERVE_BYTES);

    /** Smallest segment accepted: Kafka's own lower bound for segment.bytes. */
    public static final int MIN_SEGMENT_BYTES = 14;

    private final int segmentBytes;
    private final long segmentMs;
    private final int segmentIndexBytes;
    private final int indexIntervalBytes;
    private final long retentionMs;
    private final long retentionBytes;
    private final long flushMessages;
    private final long flushMs;
    private final int maxMessageBytes;
    private final long fileDeleteDelayMs;
    private final boolean preallocate;
    private final long reserveBytes;

    private LogConfig(final Builder b)
    {
        segmentBytes = b.segmentBytes;
        segmentMs = b.segmentMs;
        segmentIndexBytes = b.segmentIndexBytes;
        indexIntervalBytes = b.indexIntervalBytes;
        retentionMs = b.retentionMs;
        retentionBytes = b.retentionBytes;
        flushMessages = b.flushMessages;
        flushMs = b.flushMs;
        maxMessageBytes = b.maxMessageBytes;
        fileDeleteDelayMs = b.fileDeleteDelayMs;
        preallocate = b.preallocate;
        reserveBytes = b.reserveBytes;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** The defaults, as Kafka's. */
    public static LogConfig defaults()
    {
        return builder().build();
    }

    /**
     * Settings from Kafka-style properties; keys not given keep their defaults.
     *
     * @throws IllegalArgumentException naming the key, for an unknown key or a bad value.
     */
    public static LogConfig fromProperties(final Map<String, String> properties)
    {
        final Builder b = builder();
        for (final Map.Entry<String, String> e : new TreeMap<>(properties).entrySet())
        {
            final String key = e.getKey();
            final String value = e.getValue().trim();
            switch (key)
            {
                case SEGMENT_BYTES -> b.segmentBytes(parseInt(key, value));
                case SEGMENT_MS -> b.segmentMs(parseLong(key, value));
                case SEGMENT_INDEX_BYTES -> b.segmentIndexBytes(parseInt(key, value));
                case INDEX_INTERVAL_BYTES -> b.indexIntervalBytes(parseInt(key, value));
                case RETENTION_MS -> b.retentionMs(parseLong(key, value));
                case RETENTION_BYTES -> b.retentionBytes(parseLong(key, value));
                case FLUSH_MESSAGES -> b.flushMessages(parseLong(key, value));
                case FLUSH_MS -> b.flushMs(parseLong(key, value));
                case MAX_MESSAGE_BYTES -> b.maxMessageBytes(parseInt(key, value));
                case FILE_DELETE_DELAY_MS -> b.fileDeleteDelayMs(parseLong(key, value));
                case PREALLOCATE -> b.preallocate(parseBoolean(key, value));
                case RESERVE_BYTES -> b.reserveBytes(parseLong(key, value));
                default -> throw new IllegalArgumentException("unknown log config key: " + key);
            }
        }
        return b.build();
    }

    /** These settings as Kafka-style properties. */
    public Map<String, String> toProperties()
    {
        final Map<String, String> p = new TreeMap<>();
        p.put(SEGMENT_BYTES, Integer.toString(segmentBytes));
        p.put(SEGMENT_MS, Long.toString(segmentMs));
        p.put(SEGMENT_INDEX_BYTES, Integer.toString(segmentIndexBytes));
        p.put(INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes));
        p.put(RETENTION_MS, Long.toString(retentionMs));
        p.put(RETENTION_BYTES, Long.toString(retentionBytes));
        p.put(FLUSH_MESSAGES, Long.toString(flushMessages));
        p.put(FLUSH_MS, Long.toString(flushMs));
        p.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
        p.put(FILE_DELETE_DELAY_MS, Long.toString(fileDeleteDelayMs));
        p.put(PREALLOCATE, Boolean.toString(preallocate));
        p.put(RESERVE_BYTES, Long.toString(reserveBytes));
        return p;
    }

    public int segmentBytes()
    {
        return segmentBytes;
    }

    public long segmentMs()
    {
        return segmentMs;
    }

    public int segmentIndexBytes()
    {
        return segmentIndexBytes;
    }

    public int indexIntervalBytes()
    {
        return indexIntervalBytes;
    }

    public long retentionMs()
    {
        return retentionMs;
    }

    public long retentionBytes()
    {
        return retentionBytes;
    }

    public long flushMessages()
    {
        return flushMessages;
    }

    public long flushMs()
    {
        return flushMs;
    }

    public int maxMessageBytes()
    {
        return maxMessageBytes;
    }

    public long fileDeleteDelayMs()
    {
        return fileDeleteDelayMs;
    }

    public boolean preallocate()
    {
        return preallocate;
    }

    public long reserveBytes()
    {
        return reserveBytes;
    }

    @Override
    public String toString()
    {
        return "LogConfig" + toProperties();
    }

    private static int parseInt(final String key, final String value)
    {
        try
        {
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + ": not an int: '" + value + "'");
        }
    }

    private static long parseLong(final String key, final String value)
    {
        try
        {
            return Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + ": not a long: '" + value + "'");
        }
    }

    private static boolean parseBoolean(final String key, final String value)
    {
        if (!"true".equalsIgnoreCase(value) && !"false".equalsIgnoreCase(value))
        {
            throw new IllegalArgumentException(key + ": not true or false: '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    /** Builder with Kafka's defaults; {@link #build()} checks every value and names the key at fault. */
    public static final class Builder
    {
        private int segmentBytes = 1 << 30;
        private long segmentMs = 7L * 24 * 60 * 60 * 1000;
        private int segmentIndexBytes = 10 * 1024 * 1024;
        private int indexIntervalBytes = 4096;
        private long retentionMs = 7L * 24 * 60 * 60 * 1000;
        private long retentionBytes = -1;
        private long flushMessages = Long.MAX_VALUE;
        private long flushMs = Long.MAX_VALUE;
        private int maxMessageBytes = 1024 * 1024 + 12;
        private long fileDeleteDelayMs = 60_000;
        private boolean preallocate;
        private long reserveBytes = 64L * 1024 * 1024;

        private Builder()
        {
        }

        public Builder segmentBytes(final int v)
        {
            segmentBytes = v;
            return this;
        }

        public Builder segmentMs(final long v)
        {
            segmentMs = v;
            return this;
        }

        public Builder segmentIndexBytes(final int v)
        {
            segmentIndexBytes = v;
            return this;
        }

        public Builder indexIntervalBytes(final int v)
        {
            indexIntervalBytes = v;
            return this;
        }

        public Builder retentionMs(final long v)
        {
            retentionMs = v;
            return this;
        }

        public Builder retentionBytes(final long v)
        {
            retentionBytes = v;
            return this;
        }

        public Builder flushMessages(final long v)
        {
            flushMessages = v;
            return this;
        }

        public Builder flushMs(final long v)
        {
            flushMs = v;
            return this;
        }

        public Builder maxMessageBytes(final int v)
        {
            maxMessageBytes = v;
            return this;
        }

        public Builder fileDeleteDelayMs(final long v)
        {
            fileDeleteDelayMs = v;
            return this;
        }

        public Builder preallocate(final boolean v)
        {
            preallocate = v;
            return this;
        }

        public Builder reserveBytes(final long v)
        {
            reserveBytes = v;
            return this;
        }

        public LogConfig build()
        {
            require(segmentBytes >= MIN_SEGMENT_BYTES, SEGMENT_BYTES, "at least " + MIN_SEGMENT_BYTES, segmentBytes);
            require(segmentMs >= 1, SEGMENT_MS, "at least 1", segmentMs);
            require(segmentIndexBytes >= 4 * 12, SEGMENT_INDEX_BYTES, "at least 48", segmentIndexBytes);
            require(indexIntervalBytes >= 0, INDEX_INTERVAL_BYTES, "at least 0", indexIntervalBytes);
            require(retentionMs >= -1, RETENTION_MS, "-1 or more", retentionMs);
            require(retentionBytes >= -1, RETENTION_BYTES, "-1 or more", retentionBytes);
            require(flushMessages >= 1, FLUSH_MESSAGES, "at least 1", flushMessages);
            require(flushMs >= 0, FLUSH_MS, "at least 0", flushMs);
            require(maxMessageBytes >= 0, MAX_MESSAGE_BYTES, "at least 0", maxMessageBytes);
            require(fileDeleteDelayMs >= 0, FILE_DELETE_DELAY_MS, "at least 0", fileDeleteDelayMs);
            require(reserveBytes >= 0, RESERVE_BYTES, "at least 0", reserveBytes);
            return new LogConfig(this);
        }

        private static void require(final boolean ok, final String key, final String rule, final long value)
        {
            if (!ok)
            {
                throw new IllegalArgumentException(key + " must be " + rule + ", was " + value);
            }
        }
    }
}
