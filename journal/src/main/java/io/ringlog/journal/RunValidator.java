package io.ringlog.journal;

import io.ringlog.journal.batch.BatchValidator;
import io.ringlog.journal.batch.RecordBatch;
import org.agrona.DirectBuffer;

/**
 * Pass one of an append: every batch of the run valid ({@link BatchValidator}), and for a follower, offsets that
 * start at or after the log end offset and increase. Fills the {@link AppendResult} with the run's offsets as
 * written in the input: relative to the first batch for a leader (which shifts them once it knows where they go),
 * the leader's own for a follower. Writer thread only; allocation-free.
 */
final class RunValidator
{
    private final BatchValidator validator = new BatchValidator();
    private final RecordBatch batch = new RecordBatch();

    /**
     * @return {@link JournalStatus#OK} or the code of the first batch that fails.
     */
    int validate(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final boolean asLeader,
        final long logEndOffset,
        final int maxMessageBytes,
        final AppendResult result)
    {
        final int end = offset + length;
        long expected = asLeader ? 0 : logEndOffset;
        long nextInInput = 0;
        int position = offset;
        while (position < end)
        {
            final int code = validator.validate(buffer, position, end, maxMessageBytes, asLeader);
            if (code != JournalStatus.OK)
            {
                return code;
            }
            batch.wrap(buffer, position);
            final long base;
            if (asLeader)
            {
                base = nextInInput;
                nextInInput = base + batch.lastOffsetDelta() + 1;
            }
            else
            {
                base = batch.baseOffset();
                if (base < expected)
                {
                    return JournalStatus.OFFSET_NOT_CONTIGUOUS;
                }
                expected = base + batch.lastOffsetDelta() + 1;
            }
            final long last = base + batch.lastOffsetDelta();
            if (result.batchCount == 0)
            {
                result.firstOffset = base;
            }
            result.lastOffset = last;
            result.batchCount++;
            result.recordCount += batch.recordCount();
            if (batch.maxTimestamp() > result.maxTimestamp)
            {
                result.maxTimestamp = batch.maxTimestamp();
                result.offsetOfMaxTimestamp = last;
            }
            position += validator.lastBatchSize();
        }
        result.bytes = length;
        return JournalStatus.OK;
    }
}
