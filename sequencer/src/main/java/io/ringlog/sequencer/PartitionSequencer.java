package io.ringlog.sequencer;

import com.lmax.disruptor.Sequence;
import io.ringlog.journal.PartitionLog;
import io.ringlog.sequencer.ack.AckTimerWheel;
import io.ringlog.sequencer.producer.ProducerStateLoader;
import io.ringlog.sequencer.producer.ProducerStateTable;
import io.ringlog.sequencer.ring.ProduceRing;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The single-writer pipeline of one partition: a multi-producer Disruptor ring of pre-allocated
 * {@link io.ringlog.sequencer.ring.ProduceEvent}s in front of the partition's {@link PartitionLog}, drained by the
 * {@link SequencerShard} the partition belongs to, which checks idempotent producers, appends, publishes the high
 * watermark and answers.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li><b>Any thread</b> (network, Aeron): {@link #offer}, {@link #highWatermark}, {@link #logEndOffset},
 *       {@link #logStartOffset}, {@link #log()} for reads, and the control methods ({@link #deleteRecordsBefore},
 *       {@link #truncateTo}, {@link #setLeaderEpoch}, {@link #setMinInsyncReplicas}, {@link #setInSyncReplicas},
 *       {@link #proposeHighWatermark}, {@link #onShardThread}), which queue a command to the shard and answer with a
 *       {@link CompletableFuture} completed on the shard thread (use the {@code *Async} stages or {@code join}).</li>
 *   <li><b>The shard thread</b>, which is the journal's single writer: everything else, the event handling, the
 *       producer table, the waiting acks=all requests, and {@link #advanceHighWatermark}. Debug builds assert it.</li>
 * </ul>
 *
 * <h2>High watermark</h2>
 * A value of its own (a padded Disruptor {@link Sequence}: release store by the shard, acquire load by readers),
 * published after the journal has published the log end offset, so a reader that sees it can slice up to it.
 * While the partition is its own only in-sync replica ({@code inSyncReplicas == 1}, the single-node case) it follows
 * the log end offset after each append; with more, replication drives it through {@link #advanceHighWatermark}
 * (on the shard thread) or {@link #proposeHighWatermark} (from elsewhere). It starts at the log end offset: the
 * high-watermark checkpoint that replication needs on restart is not written yet.
 *
 * <h2>Layout</h2>
 * Three objects, so that the shard's writes per event never share a cache line with what every offer reads: this
 * façade (final fields, and the shard reference written once), the {@link ProduceRing} (the ring and the closed
 * flag), and the shard-owned {@link PartitionWriter} (everything written per event), allocated after the padded
 * high-watermark sequence.
 *
 * <h2>Closing</h2>
 * {@link SequencerShard#removePartition} closes it: offers start answering NOT_LEADER_OR_FOLLOWER, the requests
 * already in the ring are answered NOT_LEADER_OR_FOLLOWER without being appended, the waiting acks=all ones too,
 * and the log is closed once every claimed ring slot has been published and drained. Every accepted offer is answered
 * exactly once on the way.
 */
public final class PartitionSequencer
{
    private final PartitionLog log;
    private final ProduceRing ring;
    private final Sequence highWatermark;
    private final PartitionWriter writer;
    private final long rebuiltBatches;
    private volatile SequencerShard shard;
    private volatile AtomicCounter highWatermarkCounter;
    private volatile AtomicCounter segmentBaseCounter;

    /**
     * Take over an open log and rebuild its idempotent-producer state by reading every batch header in it (see
     * {@link ProducerStateLoader} for the cost). The log must not be written by anyone else from now on: the shard
     * that this sequencer joins becomes its writer. Cold path; any thread.
     *
     * @param log               the partition's log, open.
     * @param leaderEpoch       stamped into every batch appended.
     * @param minInsyncReplicas the topic's {@code min.insync.replicas}.
     * @param config            ring and table sizes.
     */
    public PartitionSequencer(
        final PartitionLog log, final int leaderEpoch, final int minInsyncReplicas, final SequencerConfig config)
    {
        if (minInsyncReplicas < 1)
        {
            throw new IllegalArgumentException("min.insync.replicas must be at least 1: " + minInsyncReplicas);
        }
        this.log = log;
        this.ring = new ProduceRing(config.ringSize());
        final ProducerStateTable producers = new ProducerStateTable(config.maxProducerIds(), config.producerIdExpirationMs());
        this.rebuiltBatches = ProducerStateLoader.rebuild(log, producers, System.currentTimeMillis());
        this.highWatermark = new Sequence(log.logEndOffset());
        this.writer = new PartitionWriter(log, config, ring, highWatermark, producers, leaderEpoch, minInsyncReplicas);
    }

    /**
     * Hand a produce request for this partition to its shard. Any thread; never blocks, never allocates.
     * <p>
     * The bytes are not copied: keep {@code buffer[offset, offset + length)} alive and unchanged until
     * {@code completion} is called, which happens exactly once, on the shard thread, if and only if this returns
     * {@link ProduceStatus#OK}.
     *
     * @param buffer      the partition's record batches (Kafka RecordBatch v2), one or more back to back.
     * @param offset      of the first batch in {@code buffer}.
     * @param length      of all the batches.
     * @param acks        0, 1 or -1 (all).
     * @param timeoutMs   how long an acks=all request may wait for the high watermark.
     * @param correlation opaque to the sequencer, handed back to {@code completion}.
     * @param slot        opaque to the sequencer, handed back to {@code completion}.
     * @param completion  the answer; not null.
     * @return {@link ProduceStatus#OK} (taken), {@link ProduceStatus#BACK_PRESSURED} (ring full: offer again later),
     * {@link ProduceStatus#NOT_LEADER_OR_FOLLOWER} (partition closing) or {@link ProduceStatus#INVALID_REQUIRED_ACKS}.
     */
    public int offer(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int acks,
        final long timeoutMs,
        final long correlation,
        final int slot,
        final ProduceCompletion completion)
    {
        if (completion == null)
        {
            throw new NullPointerException("completion");
        }
        if (acks != 0 && acks != 1 && acks != -1)
        {
            return ProduceStatus.INVALID_REQUIRED_ACKS;
        }
        final int status = ring.offer(buffer, offset, length, acks, timeoutMs, correlation, slot, completion);
        final SequencerShard owner = shard;
        if (owner != null)
        {
            owner.wake();
        }
        return status;
    }

    /** Records below this offset are committed (acks=all) and may be read by consumers. Any thread, acquire. */
    public long highWatermark()
    {
        return highWatermark.get();
    }

    /** The offset the next appended record will get. Any thread, acquire. */
    public long logEndOffset()
    {
        return log.logEndOffset();
    }

    /** The first offset a reader may ask for. Any thread. */
    public long logStartOffset()
    {
        return log.logStartOffset();
    }

    /** The log, for its reading methods (slice, offset look-ups) on any thread; never write it directly. */
    public PartitionLog log()
    {
        return log;
    }

    /** Offers refused because the ring was full, since creation. Any thread. */
    public long backPressuredCount()
    {
        return ring.backPressuredCount();
    }

    /** Records and bytes this partition's shard has appended for producers. Any thread (acquire reads). */
    public AppendCounters appendCounters()
    {
        return writer.appended;
    }

    /** Offers claimed in the ring and not yet taken by the shard, out of {@link #ringSize()}. Any thread. */
    public int ringOccupancy()
    {
        return ring.occupancy();
    }

    /** Events the ring holds. */
    public int ringSize()
    {
        return ring.size();
    }

    /** Batch headers read to rebuild the producer state when this sequencer was created. */
    public long rebuiltBatches()
    {
        return rebuiltBatches;
    }

    /** The counter the high watermark is mirrored into, or null. Any thread. */
    public AtomicCounter highWatermarkCounter()
    {
        return highWatermarkCounter;
    }

    /** The counter the active segment's base offset is mirrored into, or null. Any thread. */
    public AtomicCounter segmentBaseCounter()
    {
        return segmentBaseCounter;
    }

    /** True once removal has begun. Any thread. */
    public boolean isClosed()
    {
        return ring.isClosed();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Control path, any thread: queued to the shard, answered through a future completed on the shard thread.

    /**
     * Advance the log start offset (Kafka's DeleteRecords); -1 means the high watermark. Answers a journal code:
     * OFFSET_OUT_OF_RANGE above the high watermark, as Kafka answers.
     */
    public CompletableFuture<Integer> deleteRecordsBefore(final long offset)
    {
        return onShardThread(p -> p.writer.deleteRecords(offset));
    }

    /**
     * Remove the batches from the one holding {@code offset} on (replication: a diverged log). The high watermark
     * drops to the new log end offset if it was above, acks=all requests waiting beyond it are answered
     * NOT_LEADER_OR_FOLLOWER, and the producer state is rebuilt from the log. Answers a journal code.
     */
    public CompletableFuture<Integer> truncateTo(final long offset)
    {
        return onShardThread(p -> p.writer.truncate(offset, p.shard.nowMs()));
    }

    /** The epoch stamped into every batch appended from now on. */
    public CompletableFuture<Void> setLeaderEpoch(final int epoch)
    {
        return onWriter(w -> w.leaderEpoch(epoch));
    }

    /** The topic's {@code min.insync.replicas}, which acks=all requests are held to; at least 1. */
    public CompletableFuture<Void> setMinInsyncReplicas(final int minInsync)
    {
        if (minInsync < 1)
        {
            throw new IllegalArgumentException("min.insync.replicas must be at least 1: " + minInsync);
        }
        return onWriter(w -> w.minInsyncReplicas(minInsync));
    }

    /**
     * How many replicas are in sync, this one included; at least 1. At 1 the high watermark follows the log end
     * offset (and jumps to it now); above 1 replication drives it.
     */
    public CompletableFuture<Void> setInSyncReplicas(final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("in-sync replicas must be at least 1: " + count);
        }
        return onWriter(w -> w.inSyncReplicas(count));
    }

    /** {@link #advanceHighWatermark} from any thread; answers the high watermark after it. */
    public CompletableFuture<Long> proposeHighWatermark(final long offset)
    {
        return onShardThread(p ->
        {
            p.writer.raiseHighWatermark(offset);
            return p.highWatermark();
        });
    }

    /**
     * Mirror the high watermark into {@code highWatermark}, and the base offset of the active segment into
     * {@code segmentBase}, every time the high watermark moves (on the shard thread: segment base first, then high
     * watermark, each with a release store; see {@code PartitionWriter#mirrorHighWatermark} for why the order
     * matters to same-host readers), and once when this takes effect. Both null: stop mirroring, after which the shard
     * never touches the old counters (so they may be freed once the future completes). The sequencer knows only
     * Agrona's {@link AtomicCounter}; the broker passes Aeron counters, so processes on the same host read the high
     * watermark from shared memory.
     * <p>
     * Before the sequencer joins a shard this takes effect at once, on the calling thread (the shard's
     * {@code addPartition} hand-off publishes it); after, it is queued to the shard like any control operation.
     */
    public CompletableFuture<Void> mirrorHighWatermark(final AtomicCounter highWatermark, final AtomicCounter segmentBase)
    {
        if ((highWatermark == null) != (segmentBase == null))
        {
            throw new IllegalArgumentException("mirror both counters or neither");
        }
        if (shard == null && !ring.isClosed())
        {
            writer.mirror(highWatermark, segmentBase);
            highWatermarkCounter = highWatermark;
            segmentBaseCounter = segmentBase;
            return CompletableFuture.completedFuture(null);
        }
        return onWriter(w ->
        {
            w.mirror(highWatermark, segmentBase);
            highWatermarkCounter = highWatermark;
            segmentBaseCounter = segmentBase;
        });
    }

    /**
     * Run {@code action} on the shard thread, where it may use the shard-thread methods; cold path (it allocates).
     * Fails with {@link IllegalStateException} when the sequencer is on no shard or closing, and with
     * {@link java.util.concurrent.RejectedExecutionException} when the shard's command queue is full or closed.
     */
    public <T> CompletableFuture<T> onShardThread(final Function<PartitionSequencer, T> action)
    {
        final SequencerShard owner = shard;
        if (owner == null || ring.isClosed())
        {
            return CompletableFuture.failedFuture(new IllegalStateException(this + " is on no shard or closed"));
        }
        return owner.submit(() ->
        {
            if (writer.isClosing())
            {
                throw new IllegalStateException(this + " is closing");
            }
            return action.apply(this);
        });
    }

    private CompletableFuture<Void> onWriter(final Consumer<PartitionWriter> change)
    {
        return onShardThread(p ->
        {
            change.accept(p.writer);
            return null;
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Shard thread.

    /**
     * Raise the high watermark to {@code offset} (at most the log end offset; never lowered here) and answer the
     * acks=all requests it reaches. Shard thread only (replication composed onto it); allocation-free.
     *
     * @return requests answered.
     */
    public int advanceHighWatermark(final long offset)
    {
        assert onShard() : "high watermark moved off the shard thread";
        return writer.raiseHighWatermark(offset);
    }

    /**
     * Append batches copied from the leader (replication's follower side), keeping their offsets and epochs, and
     * record them in the idempotent-producer state, so that this replica recognises a retried batch if it becomes
     * the leader. The high watermark does not move here: the leader says where it is. Shard thread only;
     * allocation-free.
     *
     * @return a {@link io.ringlog.journal.JournalStatus} code.
     */
    public int appendAsFollower(final DirectBuffer buffer, final int offset, final int length)
    {
        assert onShard() : "follower append off the shard thread";
        return writer.appendAsFollower(buffer, offset, length, shard.nowMs());
    }

    /** {@link #truncateTo} on the shard thread itself (replication composed onto it). */
    public int truncateOnShard(final long offset)
    {
        assert onShard() : "truncation off the shard thread";
        return writer.truncate(offset, shard.nowMs());
    }

    /**
     * Drop the whole log and start it empty at {@code offset} (a follower whose log ends below the leader's log
     * start); the high watermark becomes {@code offset}. Shard thread only.
     */
    public int restartAt(final long offset)
    {
        assert onShard() : "restart off the shard thread";
        return writer.restartAt(offset, shard.nowMs());
    }

    /** {@link #setInSyncReplicas} on the shard thread itself. */
    public void inSyncReplicasOnShard(final int count)
    {
        assert onShard() : "in-sync replicas set off the shard thread";
        writer.inSyncReplicas(Math.max(1, count));
    }

    /** The idempotent-producer state. Shard thread only. */
    public ProducerStateTable producerState()
    {
        assert onShard() : "producer state read off the shard thread";
        return writer.producers();
    }

    /** Shard thread only. */
    public int leaderEpoch()
    {
        return writer.leaderEpoch();
    }

    /** Shard thread only. */
    public int minInsyncReplicas()
    {
        return writer.minInsyncReplicas();
    }

    /** Shard thread only. */
    public int inSyncReplicas()
    {
        return writer.inSyncReplicas();
    }

    /** acks=all requests waiting for the high watermark. Shard thread only. */
    public int pendingAcks()
    {
        return writer.pendingAcks();
    }

    /** True when offers are waiting in the ring. Shard thread. */
    boolean hasEvents()
    {
        return ring.hasEvents();
    }

    void attach(final SequencerShard owner, final AckTimerWheel timers, final ErrorHandler errors)
    {
        if (shard != null || ring.isClosed())
        {
            throw new IllegalStateException(this + " is already on a shard or closed");
        }
        writer.attach(timers, errors, owner.nowMs());
        shard = owner;
    }

    SequencerShard shard()
    {
        return shard;
    }

    PartitionWriter writer()
    {
        return writer;
    }

    private boolean onShard()
    {
        final SequencerShard owner = shard;
        return owner == null || owner.isShardThread();
    }

    @Override
    public String toString()
    {
        return "PartitionSequencer{" + log.topic() + "-" + log.partition() + '}';
    }
}
