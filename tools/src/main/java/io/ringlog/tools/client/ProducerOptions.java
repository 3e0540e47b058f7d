package io.ringlog.tools.client;

import io.ringlog.client.ClientContext;
import io.ringlog.client.RinglogClient;
import io.ringlog.tools.CliException;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** How {@code produce} and {@code perf produce} send: acknowledgements, batching delay, batch size, compression. */
public final class ProducerOptions
{
    private static final Set<String> ACKS = Set.of("all", "-1", "1", "0");

    @Option(names = "--acks", paramLabel = "ACKS", defaultValue = "all",
        description = "all, 1 or 0 (default ${DEFAULT-VALUE})")
    String acks;

    @Option(names = "--linger", paramLabel = "DURATION", defaultValue = "5ms", converter = DurationConverter.class,
        description = "how long to wait to fill a batch (default ${DEFAULT-VALUE})")
    Duration linger;

    @Option(names = "--batch-size", paramLabel = "BYTES", defaultValue = "16384",
        description = "the largest batch per partition (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--compression", paramLabel = "TYPE", defaultValue = "none",
        description = "none, gzip, snappy, lz4 or zstd (default ${DEFAULT-VALUE}); only none with --native")
    String compression;

    public String acks()
    {
        return acks;
    }

    /** The producer settings these options make. @throws CliException (usage) for an --acks that is none of them. */
    public Map<String, Object> settings()
    {
        if (!ACKS.contains(acks))
        {
            throw CliException.usage("--acks must be all, 1 or 0, not '" + acks + "'");
        }
        final Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.ACKS_CONFIG, acks);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, linger.toMillis());
        settings.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
        settings.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        return settings;
    }

    /**
     * The same options for the native producer ({@code --native}): acks, linger and batch size; it never
     * compresses. @throws CliException (usage) for a bad --acks or a --compression other than none.
     */
    public void applyTo(final ClientContext ctx)
    {
        settings(); // the same checks
        if (!"none".equals(compression))
        {
            throw CliException.usage("--compression " + compression + " is not available with --native: the " +
                "native producer never compresses");
        }
        ctx.acks("all".equals(acks) ? -1 : Integer.parseInt(acks))
            .lingerMs(linger.toMillis())
            .batchSize(batchSize);
    }
}
