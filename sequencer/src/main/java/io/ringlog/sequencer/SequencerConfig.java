package io.ringlog.sequencer;

/**
 * Settings of the sequencer: per-partition sizes (ring, waiting list, producer table) and per-shard pacing
 * (drain cap, command queue, housekeeping interval). Immutable; build with {@link #builder()}, which refuses a bad
 * value with a message naming it. Shared by any number of threads.
 */
public final class SequencerConfig
{
    /** A ring of 1024 events: with 1 KiB batches, about 1 ms of a saturated 1 GB/s link per partition. */
    public static final int DEFAULT_RING_SIZE = 1024;
    /**
     * 64 events per partition per duty cycle: enough to amortise the poll, small enough that one hot partition
     * delays the others on the shard by at most 64 appends per turn (perf/ is to measure what that costs).
     */
    public static final int DEFAULT_DRAIN_LIMIT = 64;
    /** acks=all requests waiting for the high watermark, per partition. */
    public static final int DEFAULT_MAX_PENDING_ACKS = 1024;
    /** Control commands queued to a shard. */
    public static final int DEFAULT_COMMAND_QUEUE_CAPACITY = 1024;
    /** Retention and producer expiry run this often on the shard thread. */
    public static final long DEFAULT_HOUSEKEEPING_INTERVAL_MS = 1000;
    /** Kafka's {@code producer.id.expiration.ms}: one day. */
    public static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000L;
    /** Idempotent producers remembered per partition; about 200 bytes each. */
    public static final int DEFAULT_MAX_PRODUCER_IDS = 10_000;

    private final int ringSize;
    private final int drainLimit;
    private final int maxPendingAcks;
    private final int commandQueueCapacity;
    private final long housekeepingIntervalMs;
    private final long producerIdExpirationMs;
    private final int maxProducerIds;

    private SequencerConfig(final Builder b)
    {
        this.ringSize = b.ringSize;
        this.drainLimit = b.drainLimit;
        this.maxPendingAcks = b.maxPendingAcks;
        this.commandQueueCapacity = b.commandQueueCapacity;
        this.housekeepingIntervalMs = b.housekeepingIntervalMs;
        this.producerIdExpirationMs = b.producerIdExpirationMs;
        this.maxProducerIds = b.maxProducerIds;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** The defaults. */
    public static SequencerConfig defaults()
    {
        return builder().build();
    }

    /** Events in each partition's ring; a power of two. */
    public int ringSize()
    {
        return ringSize;
    }

    /** Most events a shard takes from one partition in one duty cycle. */
    public int drainLimit()
    {
        return drainLimit;
    }

    /** Most acks=all requests waiting per partition; a power of two. When full, the ring is not drained. */
    public int maxPendingAcks()
    {
        return maxPendingAcks;
    }

    /** Capacity of a shard's command queue; a full queue refuses the command. */
    public int commandQueueCapacity()
    {
        return commandQueueCapacity;
    }

    /** How often the shard runs retention and producer expiry over its partitions. */
    public long housekeepingIntervalMs()
    {
        return housekeepingIntervalMs;
    }

    /** An idempotent producer this partition has not appended for this long (by the broker clock) is forgotten. */
    public long producerIdExpirationMs()
    {
        return producerIdExpirationMs;
    }

    /** Most producer ids remembered per partition; past it the least recently seen is forgotten. */
    public int maxProducerIds()
    {
        return maxProducerIds;
    }

    @Override
    public String toString()
    {
        return "SequencerConfig{ringSize=" + ringSize + ", drainLimit=" + drainLimit + ", maxPendingAcks=" +
            maxPendingAcks + ", commandQueueCapacity=" + commandQueueCapacity + ", housekeepingIntervalMs=" +
            housekeepingIntervalMs + ", producerIdExpirationMs=" + producerIdExpirationMs + ", maxProducerIds=" +
            maxProducerIds + '}';
    }

    /** Builds a {@link SequencerConfig}; each setter checks its value. */
    public static final class Builder
    {
        private int ringSize = DEFAULT_RING_SIZE;
        private int drainLimit = DEFAULT_DRAIN_LIMIT;
        private int maxPendingAcks = DEFAULT_MAX_PENDING_ACKS;
        private int commandQueueCapacity = DEFAULT_COMMAND_QUEUE_CAPACITY;
        private long housekeepingIntervalMs = DEFAULT_HOUSEKEEPING_INTERVAL_MS;
        private long producerIdExpirationMs = DEFAULT_PRODUCER_ID_EXPIRATION_MS;
        private int maxProducerIds = DEFAULT_MAX_PRODUCER_IDS;

        private Builder()
        {
        }

        public Builder ringSize(final int value)
        {
            ringSize = powerOfTwo("ringSize", value);
            return this;
        }

        public Builder drainLimit(final int value)
        {
            drainLimit = positive("drainLimit", value);
            return this;
        }

        public Builder maxPendingAcks(final int value)
        {
            maxPendingAcks = powerOfTwo("maxPendingAcks", value);
            return this;
        }

        public Builder commandQueueCapacity(final int value)
        {
            commandQueueCapacity = positive("commandQueueCapacity", value);
            return this;
        }

        public Builder housekeepingIntervalMs(final long value)
        {
            housekeepingIntervalMs = positive("housekeepingIntervalMs", value);
            return this;
        }

        public Builder producerIdExpirationMs(final long value)
        {
            producerIdExpirationMs = positive("producerIdExpirationMs", value);
            return this;
        }

        public Builder maxProducerIds(final int value)
        {
            maxProducerIds = positive("maxProducerIds", value);
            return this;
        }

        public SequencerConfig build()
        {
            return new SequencerConfig(this);
        }

        private static int powerOfTwo(final String name, final int value)
        {
            if (value < 1 || Integer.bitCount(value) != 1)
            {
                throw new IllegalArgumentException(name + " must be a positive power of two: " + value);
            }
            return value;
        }

        private static int positive(final String name, final int value)
        {
            return (int)positive(name, (long)value);
        }

        private static long positive(final String name, final long value)
        {
            if (value < 1)
            {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
