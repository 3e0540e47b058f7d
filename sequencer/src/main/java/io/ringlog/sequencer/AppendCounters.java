package io.ringlog.sequencer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Records and bytes a partition's shard has appended to its journal for producers (leader appends: duplicates and
 * refused batches are not counted), since the sequencer was created. Two plain single-writer counters, named by
 * {@link #RECORDS_NAME} and {@link #BYTES_NAME}, so that a later step can mirror them into shared-memory (Aeron)
 * counters as they are.
 * <p>
 * <b>Threads.</b> {@link #onAppend} runs on the shard thread only (the journal's single writer), once per appended
 * run, after the journal published the new log end offset; it does a plain read and a release store per counter,
 * no atomic read-modify-write, so it costs two stores on the append path (about a nanosecond). The getters read with
 * acquire semantics from any thread (the metrics scrape). Padded on both sides (56 bytes, as the Disruptor pads its
 * {@code Sequence}), so the shard's stores never invalidate a line that an offering thread or a neighbouring
 * partition's counters read.
 */
public final class AppendCounters extends AppendCountersValues
{
    /** Name of the records counter, for a mirror in shared memory. */
    public static final String RECORDS_NAME = "partition records appended";
    /** Name of the bytes counter, for a mirror in shared memory. */
    public static final String BYTES_NAME = "partition bytes appended";

    private static final VarHandle RECORDS;
    private static final VarHandle BYTES;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            RECORDS = lookup.findVarHandle(AppendCountersValues.class, "records", long.class);
            BYTES = lookup.findVarHandle(AppendCountersValues.class, "bytes", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16;

    AppendCounters()
    {
    }

    /** A run of records was appended. Shard thread only. */
    void onAppend(final int recordCount, final int byteCount)
    {
        RECORDS.setRelease(this, records + recordCount);
        BYTES.setRelease(this, bytes + byteCount);
    }

    /** Records appended since creation. Any thread, acquire. */
    public long records()
    {
        return (long)RECORDS.getAcquire(this);
    }

    /** Bytes of record batches appended since creation (as stored: the batches' own bytes). Any thread, acquire. */
    public long bytes()
    {
        return (long)BYTES.getAcquire(this);
    }

    @Override
    public String toString()
    {
        return "AppendCounters{records=" + records() + ", bytes=" + bytes() + '}';
    }
}

/** Padding before the values: HotSpot lays a superclass's fields before its subclass's. */
abstract class AppendCountersPadding
{
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06;
}

/** The values, between the paddings. */
abstract class AppendCountersValues extends AppendCountersPadding
{
    long records;
    long bytes;
}
