package io.ringlog.sequencer;

import org.agrona.ErrorHandler;

/**
 * The answer to one accepted {@link PartitionSequencer#offer}: called exactly once, on the shard thread that owns
 * the partition, for every offer that returned {@link ProduceStatus#OK}, and never for an offer that returned
 * anything else.
 * <p>
 * Implementations run inside the shard's duty cycle: they must not block, lock or allocate on the hot path (queue
 * the answer to the network thread and return). Once it is called the sequencer no longer reads the request's
 * bytes, so the caller may release or reuse its buffer. An exception thrown from here is logged and counted as
 * answered; it never causes a second call.
 */
@FunctionalInterface
public interface ProduceCompletion
{
    /**
     * @param correlation    the caller's value from the offer, opaque to the sequencer.
     * @param slot           the caller's value from the offer, opaque to the sequencer.
     * @param status         {@link ProduceStatus#OK}, {@link ProduceStatus#DUPLICATE}, a negative
     *                       {@link ProduceStatus} code, or a negative journal code passed through.
     * @param baseOffset     offset given to the first record (for a duplicate, the original's), or -1 on failure.
     * @param logAppendTime  -1: the records keep their CreateTime (the journal never rewrites timestamps).
     * @param logStartOffset the partition's log start offset when answering.
     */
    void onComplete(long correlation, int slot, int status, long baseOffset, long logAppendTime, long logStartOffset);

    /**
     * Call {@code completion}, reporting anything it throws to {@code errors} instead of letting it unwind the duty
     * cycle. Shard thread only.
     */
    static void deliver(
        final ProduceCompletion completion,
        final long correlation,
        final int slot,
        final int status,
        final long baseOffset,
        final long logStartOffset,
        final ErrorHandler errors)
    {
        try
        {
            completion.onComplete(correlation, slot, status, baseOffset, -1L, logStartOffset);
        }
        catch (final Throwable ex)
        {
            errors.onError(ex);
        }
    }
}
