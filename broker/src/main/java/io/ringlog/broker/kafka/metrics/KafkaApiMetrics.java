package io.ringlog.broker.kafka.metrics;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.journal.PartitionLog;
import io.ringlog.transport.kafka.net.KafkaRequest;
import io.ringlog.transport.kafka.net.KafkaResponse;
import io.ringlog.transport.kafka.net.ResponseReleaseHandler;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the Kafka listener's requests do, per API and per partition: latency from a whole frame to its completion,
 * answers carrying each Kafka error code, and record bytes and records served by Fetch.
 * <p>
 * <b>One writer: the selector thread.</b> Every recording method runs there, so every value is a plain single-writer
 * counter published with a release store, read by the scrape with an acquire load (debug builds assert the writer).
 * Work done on other threads reaches it through the listener: latency at {@code onRequestCompleted} (the listener
 * takes every completion on its thread), errors and fetched bytes when the listener releases the response it sent
 * (the {@link ResponseReleaseHandler} of the answer, which the building thread attaches). So a produce answered from
 * a shard thread, a fetch answered by a shard's fetch waiters, and a group request answered by the coordinator are
 * all counted on the selector, after the fact, without a shared write.
 * <p>
 * <b>Cost per request</b> on the selector: one {@code System.nanoTime()} (about 20 ns on Linux), a division by a
 * constant, a leading-zero count and two release stores (plain stores on x86); per Fetch partition with records,
 * one {@link ConcurrentHashMap#get} (identity hash, no allocation) and two release stores; per error, one release
 * store. Nothing is allocated in steady state (guarded by {@code MetricsAllocationTest}); a partition's counters
 * and an API's error row are allocated once, on first use.
 * <p>
 * Every value is a named single-writer long, so a later step can mirror them into shared-memory (Aeron) counters.
 */
public final class KafkaApiMetrics
{
    /** One slot per api key id; ids are small (under 100) and dense enough for an array. */
    static final int API_SLOTS = maxApiId() + 1;
    /** Errors by code + 1 (UNKNOWN_SERVER_ERROR is -1); a code past the table counts as UNKNOWN_SERVER_ERROR. */
    static final int ERROR_SLOTS = maxErrorCode() + 2;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle ROWS = MethodHandles.arrayElementVarHandle(long[][].class);

    /**
     * A partition's fetch counters in one array: records at index 8 and bytes at 9, so the 64 bytes before and the
     * 112 after keep them on lines of their own (the array is long-lived and may land beside anything).
     */
    private static final int FETCHED_RECORDS = 8;
    private static final int FETCHED_BYTES = 9;
    private static final int FETCH_COUNTERS_LENGTH = 24;

    private final LatencyHistogram[] latency = new LatencyHistogram[API_SLOTS];
    private final long[][] errors = new long[API_SLOTS][];
    private final Map<PartitionLog, long[]> fetched = new ConcurrentHashMap<>();
    private Thread writer;

    public KafkaApiMetrics()
    {
        for (int i = 0; i < API_SLOTS; i++)
        {
            latency[i] = new LatencyHistogram();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Selector thread

    /**
     * A request's completion was taken by the listener: record the time since its frame was whole. Covers every
     * completion: an answer, acks=0's none, a close.
     */
    public void onCompleted(final KafkaRequest request)
    {
        onLatency(request.apiKey(), System.nanoTime() - request.receivedNanos());
    }

    /** A request of {@code apiKey} took {@code durationNs}. */
    void onLatency(final short apiKey, final long durationNs)
    {
        if (apiKey >= 0 && apiKey < API_SLOTS)
        {
            latency[apiKey].record(durationNs);
        }
    }

    /** An answer of {@code apiKey} carried {@code errorCode} once. NONE is not counted. */
    public void onError(final short apiKey, final short errorCode)
    {
        onErrors(apiKey, errorCode, 1);
    }

    /** An answer of {@code apiKey} carried {@code errorCode} {@code times} times. NONE is not counted. */
    public void onErrors(final short apiKey, final short errorCode, final int times)
    {
        assert sameWriter() : "request metrics recorded off the selector thread";
        if (errorCode == Errors.NONE.code() || apiKey < 0 || apiKey >= API_SLOTS || times <= 0)
        {
            return;
        }
        long[] row = errors[apiKey];
        if (row == null)
        {
            row = new long[ERROR_SLOTS]; // once per api, on its first error
            ROWS.setRelease(errors, apiKey, row);
        }
        final int slot = errorCode + 1 >= 0 && errorCode + 1 < ERROR_SLOTS ? errorCode + 1 : 0;
        LONGS.setRelease(row, slot, row[slot] + times);
    }

    /** A Fetch answer sent in full carried {@code bytes} of record batches holding {@code records} records. */
    public void onFetched(final Partition partition, final long bytes, final long records)
    {
        assert sameWriter() : "request metrics recorded off the selector thread";
        long[] c = fetched.get(partition.log());
        if (c == null)
        {
            c = addFetchCounters(partition.log());
        }
        LONGS.setRelease(c, FETCHED_RECORDS, c[FETCHED_RECORDS] + records);
        LONGS.setRelease(c, FETCHED_BYTES, c[FETCHED_BYTES] + bytes);
    }

    /** First fetch of a partition: drop the counters of closed ones (deleted topics) and start this one's. */
    private long[] addFetchCounters(final PartitionLog log)
    {
        fetched.keySet().removeIf(PartitionLog::isClosed);
        final long[] c = new long[FETCH_COUNTERS_LENGTH];
        fetched.put(log, c);
        return c;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Any thread

    /**
     * What a cold-path answer should record when the listener is done with it: its errors, counted now on the
     * building thread (admin, group coordinator or selector) with kafka-clients' own {@code errorCounts()}, and
     * added on the selector thread on release. Allocates (the counts, and the handler when there is an error): cold
     * path only.
     *
     * @return the handler to attach to the answer, or null when it carries no error.
     */
    public ResponseReleaseHandler errorsOnRelease(final short apiKey, final short version, final ApiMessage response)
    {
        return errorsOnRelease(apiKey, ResponseErrors.count(apiKey, version, response));
    }

    /** As {@link #errorsOnRelease(short, short, ApiMessage)}, for an answer that is one error. */
    public ResponseReleaseHandler errorOnRelease(final short apiKey, final Errors error)
    {
        return errorsOnRelease(apiKey, Map.of(error, 1));
    }

    private ResponseReleaseHandler errorsOnRelease(final short apiKey, final Map<Errors, Integer> counts)
    {
        int n = 0;
        for (final Map.Entry<Errors, Integer> e : counts.entrySet())
        {
            n += e.getKey() != Errors.NONE && e.getValue() > 0 ? 1 : 0;
        }
        if (n == 0)
        {
            return null;
        }
        final short[] codes = new short[n];
        final int[] times = new int[n];
        int i = 0;
        for (final Map.Entry<Errors, Integer> e : counts.entrySet())
        {
            if (e.getKey() != Errors.NONE && e.getValue() > 0)
            {
                codes[i] = e.getKey().code();
                times[i++] = e.getValue();
            }
        }
        return (KafkaResponse response, boolean sent) ->
        {
            for (int j = 0; j < codes.length; j++)
            {
                onErrors(apiKey, codes[j], times[j]);
            }
        };
    }

    /** The latency histogram of an api key. */
    public LatencyHistogram latency(final int apiKey)
    {
        return latency[apiKey];
    }

    /** Answers of {@code apiKey} that carried {@code errorCode}, counted per occurrence. */
    public long errors(final int apiKey, final short errorCode)
    {
        final long[] row = (long[])ROWS.getAcquire(errors, apiKey);
        return row == null || errorCode + 1 < 0 || errorCode + 1 >= ERROR_SLOTS ? 0 :
            (long)LONGS.getAcquire(row, errorCode + 1);
    }

    /** Whether {@code apiKey} has had any error answer. */
    public boolean hasErrors(final int apiKey)
    {
        return ROWS.getAcquire(errors, apiKey) != null;
    }

    /** Records served from the partition by Fetch answers sent in full, 0 if none. */
    public long fetchedRecords(final Partition partition)
    {
        final long[] c = fetched.get(partition.log());
        return c == null ? 0 : (long)LONGS.getAcquire(c, FETCHED_RECORDS);
    }

    /** Bytes of record batches served from the partition by Fetch answers sent in full, 0 if none. */
    public long fetchedBytes(final Partition partition)
    {
        final long[] c = fetched.get(partition.log());
        return c == null ? 0 : (long)LONGS.getAcquire(c, FETCHED_BYTES);
    }

    private boolean sameWriter()
    {
        final Thread current = Thread.currentThread();
        if (writer == null)
        {
            writer = current;
        }
        return writer == current;
    }

    private static int maxApiId()
    {
        int max = 0;
        for (final ApiKeys api : ApiKeys.values())
        {
            max = Math.max(max, api.id);
        }
        return max;
    }

    private static int maxErrorCode()
    {
        int max = 0;
        for (final Errors e : Errors.values())
        {
            max = Math.max(max, e.code());
        }
        return max;
    }
}
