package io.ringlog.sequencer;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.Sequence;
import io.ringlog.journal.AppendResult;
import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.PartitionLog;
import io.ringlog.journal.batch.BatchValidator;
import io.ringlog.sequencer.ack.AckTimerWheel;
import io.ringlog.sequencer.ack.PendingAcks;
import io.ringlog.sequencer.producer.ProducerStateLoader;
import io.ringlog.sequencer.producer.ProducerStateTable;
import io.ringlog.sequencer.ring.ProduceEvent;
import io.ringlog.sequencer.ring.ProduceRing;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.CompletableFuture;

/**
 * The writer side of one partition, run by its shard: takes events from the ring, checks idempotent producers,
 * appends to the journal, publishes the high watermark and answers, now or when the high watermark passes
 * (acks=all). Also the partition's control operations, which must run on the journal's writer thread.
 * <p>
 * Owned by the shard thread; not thread-safe. Everything it writes per event lives here, apart from the objects
 * offering threads read ({@link PartitionSequencer}, {@link ProduceRing}).
 */
final class PartitionWriter implements EventPoller.Handler<ProduceEvent>
{
    private final PartitionLog log;
    private final SequencerConfig config;
    private final ProduceRing ring;
    private final Sequence highWatermark;
    private final ProducerStateTable producers;
    private final AppendResult appendResult = new AppendResult();
    private final BatchValidator validator = new BatchValidator();
    /** Metrics: records and bytes appended, its own padded object (read by the scrape, written only here). */
    final AppendCounters appended = new AppendCounters();
    private PendingAcks pending;
    private ErrorHandler errors;
    private int leaderEpoch;
    private int minInsyncReplicas;
    private int inSyncReplicas = 1;
    private boolean closing;
    private CompletableFuture<Void> whenClosed;
    private long nowMs;
    private int drained;
    private int drainBudget;
    private boolean answered;
    private AtomicCounter highWatermarkMirror;
    private AtomicCounter segmentBaseMirror;

    PartitionWriter(
        final PartitionLog log,
        final SequencerConfig config,
        final ProduceRing ring,
        final Sequence highWatermark,
        final ProducerStateTable producers,
        final int leaderEpoch,
        final int minInsyncReplicas)
    {
        this.log = log;
        this.config = config;
        this.ring = ring;
        this.highWatermark = highWatermark;
        this.producers = producers;
        this.leaderEpoch = leaderEpoch;
        this.minInsyncReplicas = minInsyncReplicas;
    }

    void attach(final AckTimerWheel timers, final ErrorHandler errorHandler, final long now)
    {
        errors = errorHandler;
        nowMs = now;
        pending = new PendingAcks(log, config.maxPendingAcks(), errorHandler);
        pending.attach(timers);
    }

    /**
     * Take up to the drain limit of events from the ring, fewer when the acks=all waiting list is nearly full (so it
     * never overflows: a stuck high watermark pushes back through the ring).
     *
     * @return events taken.
     */
    int drain(final long now)
    {
        final int budget = closing ? config.drainLimit() : Math.min(config.drainLimit(), pending.free());
        if (budget == 0)
        {
            return 0;
        }
        nowMs = now;
        drained = 0;
        drainBudget = budget;
        ring.poll(this, errors);
        return drained;
    }

    @Override
    public boolean onEvent(final ProduceEvent event, final long sequence, final boolean endOfBatch)
    {
        if (event.completion() != null) // else a dead event: its offer answered itself
        {
            answered = false;
            try
            {
                if (closing)
                {
                    answer(event, ProduceStatus.NOT_LEADER_OR_FOLLOWER, -1L);
                }
                else
                {
                    produce(event);
                }
            }
            catch (final Throwable ex)
            {
                errors.onError(ex);
                if (!answered)
                {
                    answer(event, ProduceStatus.UNKNOWN_SERVER_ERROR, -1L);
                }
            }
        }
        event.clear();
        return ++drained < drainBudget;
    }

    private void produce(final ProduceEvent event)
    {
        final DirectBuffer buffer = event.buffer();
        final int offset = event.offset();
        final int length = event.length();
        if (event.acks() == -1 && inSyncReplicas < minInsyncReplicas)
        {
            answer(event, ProduceStatus.NOT_ENOUGH_REPLICAS, -1L); // checked first, as Kafka does
            return;
        }
        if (length <= 0 || offset < 0 || (long)offset + length > buffer.capacity())
        {
            answer(event, JournalStatus.CORRUPT_MESSAGE, -1L);
            return;
        }
        final int verdict = producers.check(buffer, offset, length);
        if (verdict != ProduceStatus.OK)
        {
            final int code = journalVerdict(buffer, offset, length, verdict);
            if (code == ProduceStatus.DUPLICATE)
            {
                respond(event, code, producers.duplicateFirstOffset(), producers.duplicateLastOffset() + 1);
            }
            else
            {
                answer(event, code, -1L);
            }
            return;
        }
        final int code = log.appendAsLeader(buffer, offset, length, leaderEpoch, appendResult);
        if (code != JournalStatus.OK)
        {
            answer(event, code, -1L);
            return;
        }
        producers.onAppended(buffer, offset, length, appendResult.firstOffset(), nowMs);
        appended.onAppend(appendResult.recordCount(), appendResult.bytes());
        if (inSyncReplicas == 1)
        {
            raiseHighWatermark(log.logEndOffset());
        }
        respond(event, ProduceStatus.OK, appendResult.firstOffset(), appendResult.lastOffset() + 1);
    }

    /**
     * The producer check refused or de-duplicated a request the journal has not seen; bad bytes must still get the
     * journal's answer (in Kafka too, record validation comes first). So this runs the journal's validator, which
     * the happy path leaves to the append: one CRC pass per batch either way.
     */
    private int journalVerdict(final DirectBuffer buffer, final int offset, final int length, final int verdict)
    {
        final int end = offset + length;
        final int maxBatchBytes = log.config().maxMessageBytes();
        for (int position = offset; position < end; position += validator.lastBatchSize())
        {
            final int code = validator.validate(buffer, position, end, maxBatchBytes, true);
            if (code != JournalStatus.OK)
            {
                return code;
            }
        }
        return verdict;
    }

    /** Answer now, or for acks=all once the high watermark reaches {@code required}. */
    private void respond(final ProduceEvent event, final int status, final long baseOffset, final long required)
    {
        if (event.acks() != -1 || highWatermark.get() >= required)
        {
            answer(event, status, baseOffset);
            return;
        }
        final long timeout = Math.max(0L, event.timeoutMs());
        final long deadline = nowMs > Long.MAX_VALUE - timeout ? Long.MAX_VALUE : nowMs + timeout;
        pending.add(required, status, baseOffset, event.correlation(), event.slot(), event.completion(), deadline);
        answered = true; // the waiting list answers it now: exactly once, by the high watermark or the timer
    }

    private void answer(final ProduceEvent event, final int status, final long baseOffset)
    {
        answered = true;
        ProduceCompletion.deliver(
            event.completion(), event.correlation(), event.slot(), status, baseOffset, log.logStartOffset(), errors);
    }

    /** Raise (never lower) the high watermark, at most to the log end offset; answer the requests it reaches. */
    int raiseHighWatermark(final long offset)
    {
        final long target = Math.min(offset, log.logEndOffset());
        if (target <= highWatermark.get())
        {
            return 0;
        }
        highWatermark.set(target); // release, after the journal's release of the log end offset
        mirrorHighWatermark(target);
        return pending.onHighWatermark(target, inSyncReplicas >= minInsyncReplicas);
    }

    int deleteRecords(final long offset)
    {
        final long hw = highWatermark.get();
        final long target = offset == -1 ? hw : offset;
        if (target < 0 || target > hw)
        {
            return JournalStatus.OFFSET_OUT_OF_RANGE;
        }
        return log.deleteRecordsBefore(target);
    }

    int truncate(final long offset, final long now)
    {
        final int code = log.truncateTo(offset);
        if (code == JournalStatus.OK)
        {
            final long end = log.logEndOffset();
            if (highWatermark.get() > end)
            {
                highWatermark.set(end);
            }
            mirrorHighWatermark(highWatermark.get()); // the active segment may be an older one now
            pending.failBeyond(end, ProduceStatus.NOT_LEADER_OR_FOLLOWER);
            ProducerStateLoader.rebuild(log, producers, now);
        }
        return code;
    }

    int appendAsFollower(final DirectBuffer buffer, final int offset, final int length, final long now)
    {
        final int code = log.appendAsFollower(buffer, offset, length, appendResult);
        if (code == JournalStatus.OK)
        {
            producers.onAppended(buffer, offset, length, appendResult.firstOffset(), now);
            appended.onAppend(appendResult.recordCount(), appendResult.bytes());
        }
        return code;
    }

    int restartAt(final long offset, final long now)
    {
        final int code = log.truncateFullyAndStartAt(offset);
        if (code == JournalStatus.OK)
        {
            highWatermark.set(offset);
            mirrorHighWatermark(offset);
            pending.failBeyond(offset, ProduceStatus.NOT_LEADER_OR_FOLLOWER);
            ProducerStateLoader.rebuild(log, producers, now);
        }
        return code;
    }

    /**
     * Mirror the high watermark into {@code highWatermark} and the active segment's base offset into
     * {@code segmentBase} from now on (both null: stop), writing both at once. Shard thread, or before the partition
     * joins a shard.
     */
    void mirror(final AtomicCounter highWatermark, final AtomicCounter segmentBase)
    {
        highWatermarkMirror = highWatermark;
        segmentBaseMirror = segmentBase;
        mirrorHighWatermark(this.highWatermark.get());
    }

    /**
     * Publish the segment base, then the high watermark, each with a release store. The order is what a same-host
     * reader of the mapped journal relies on: when the journal rolls it trims the old segment file to its written
     * length, so a reader that saw a high watermark beyond that length while still believing the old segment active
     * would read past the end of the old file (garbage, or SIGBUS through its mapping). Written in this order, and
     * read in the reverse one (high watermark, then segment base, each with acquire), a reader that sees a high
     * watermark always sees the segment that holds it, or a later one. The journal publishes the new segment before
     * the log end offset that moves into it, so the base read here is never behind the high watermark written next.
     */
    private void mirrorHighWatermark(final long hw)
    {
        final AtomicCounter hwMirror = highWatermarkMirror;
        if (hwMirror != null)
        {
            segmentBaseMirror.setRelease(log.activeSegmentBaseOffset());
            hwMirror.setRelease(hw);
        }
    }

    void leaderEpoch(final int epoch)
    {
        leaderEpoch = epoch;
    }

    int leaderEpoch()
    {
        return leaderEpoch;
    }

    void minInsyncReplicas(final int count)
    {
        minInsyncReplicas = count;
    }

    int minInsyncReplicas()
    {
        return minInsyncReplicas;
    }

    /** At 1 the high watermark follows the log end offset, so it jumps there now. */
    void inSyncReplicas(final int count)
    {
        inSyncReplicas = count;
        if (count == 1)
        {
            raiseHighWatermark(log.logEndOffset());
        }
    }

    int inSyncReplicas()
    {
        return inSyncReplicas;
    }

    int pendingAcks()
    {
        return pending == null ? 0 : pending.size();
    }

    ProducerStateTable producers()
    {
        return producers;
    }

    /** Retention and producer expiry; cold, every housekeeping interval. */
    int housekeeping(final long now)
    {
        return log.enforceRetention(now) + producers.expire(now);
    }

    /**
     * Close the ring to offers; what it holds is drained and answered NOT_LEADER_OR_FOLLOWER, as are the requests
     * waiting for the high watermark; {@link #finishClose} then closes the log.
     */
    void beginClose(final CompletableFuture<Void> onClosed)
    {
        ring.close();
        closing = true;
        whenClosed = onClosed;
        pending.failAll(ProduceStatus.NOT_LEADER_OR_FOLLOWER);
    }

    boolean isClosing()
    {
        return closing;
    }

    boolean closeDrained()
    {
        return ring.drainedAfterClose();
    }

    /** Leave the timer wheel and close the log; completes the removal's future. */
    void finishClose()
    {
        try
        {
            pending.failAll(ProduceStatus.NOT_LEADER_OR_FOLLOWER);
            pending.detach();
            log.close();
            if (whenClosed != null)
            {
                whenClosed.complete(null);
            }
        }
        catch (final Throwable ex)
        {
            if (whenClosed != null)
            {
                whenClosed.completeExceptionally(ex);
            }
            throw ex;
        }
    }
}
