package io.ringlog.perf.journal;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The batch shape every append benchmark is run over, so the journal and its anchors are
 * measured on the same bytes: record value size by records per batch.
 * <p>
 * Subclasses are JMH thread states: one instance per benchmark thread, not thread-safe.
 */
@State(Scope.Thread)
public abstract class AppendShape extends JournalBenchmarkRun
{
    /** Leader epoch stamped on every append; any non-negative value does. */
    static final int LEADER_EPOCH = 7;

    /** Bytes per record value. */
    @Param({"100", "1024"})
    public int valueSize;

    /** Records per RecordBatch. */
    @Param({"1", "16", "256"})
    public int recordsPerBatch;

    /** The batch, at index 0; the same bytes are appended on every operation. */
    UnsafeBuffer batch;
    /** Bytes of {@link #batch}. */
    int batchLength;

    /** Build the batch for the current parameters; call first in the subclass's trial set-up. */
    final void buildBatch()
    {
        final KafkaBatch built = KafkaBatch.build(recordsPerBatch, valueSize);
        batch = built.buffer();
        batchLength = built.length();
    }
}
