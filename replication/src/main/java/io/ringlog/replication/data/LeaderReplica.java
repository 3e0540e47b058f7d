package io.ringlog.replication.data;

import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.LogSlice;
import io.ringlog.journal.LogTailer;
import io.ringlog.journal.PartitionLog;
import io.ringlog.journal.epoch.EpochEndOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One partition this broker leads, as replication sees it: a {@link FollowerProgress} per other replica, each
 * streamed the journal by its own {@link LogTailer} once it has said where its log ends (FetchStart); the high
 * watermark computed from the followers' acknowledged log ends; the ISR kept by asking the controller to change it.
 * <p>
 * The high watermark is the lowest log end offset over the committed ISR together with any replica a pending change
 * adds: a pending shrink does not count until committed, so an acknowledged record is always on every replica the
 * controller may elect. With the leader alone in the ISR the sequencer moves the high watermark itself.
 * <p>
 * Owned by the shard thread of the partition (the thread that also appends to its journal): no locks.
 */
final class LeaderReplica
{
    private static final Logger LOG = LoggerFactory.getLogger(LeaderReplica.class);
    private static final int SLICES_PER_DUTY_CYCLE = 4;
    /** How often the ISR is reviewed; also the retry interval of a refused change. */
    private static final long ISR_CHECK_INTERVAL_MS = 100;
    /** A proposed ISR change not committed within this long is forgotten (and proposed again if still wanted). */
    private static final long ISR_CHANGE_TIMEOUT_MS = 5_000;

    final int key;
    final UUID topicId;
    final int partition;
    final ReplicaLog replica;
    private final ReplicationSettings settings;
    private final Outbox outbox;
    private final IsrChanges isrChanges;
    private final ReplicationMetrics metrics;
    private final FollowerProgress[] followers;
    final int leaderEpoch;
    /** The offset this leader's epoch began at: a follower joins the ISR only once it has reached it. */
    private final long epochStartOffset;
    private int partitionEpoch;
    private List<Integer> isr;
    private List<Integer> pendingIsr;
    private long pendingSinceMs;
    /** The change the controller refused; written by the quorum client's thread, read here. */
    private volatile List<Integer> refusedIsr;
    private long nextIsrCheckMs;
    private boolean highWatermarkDirty;
    private FollowerProgress current;
    private long nowMs;
    private final LogTailer.Sink sink = this::sendSlice;

    LeaderReplica(final int key, final UUID topicId, final int partition, final ReplicaLog replica,
        final int leaderEpoch, final int partitionEpoch, final List<Integer> replicas, final List<Integer> isr,
        final ReplicationSettings settings, final Outbox outbox, final IsrChanges isrChanges,
        final ReplicationMetrics metrics, final long nowMs)
    {
        this.key = key;
        this.topicId = topicId;
        this.partition = partition;
        this.replica = replica;
        this.leaderEpoch = leaderEpoch;
        this.settings = settings;
        this.outbox = outbox;
        this.isrChanges = isrChanges;
        this.metrics = metrics;
        this.epochStartOffset = replica.log().logEndOffset();
        final List<FollowerProgress> others = new ArrayList<>();
        final PartitionLog log = replica.log();
        for (final int r : replicas)
        {
            if (r != settings.nodeId())
            {
                final FollowerProgress f = new FollowerProgress(r, new LogTailer(log, log.logEndOffset()));
                f.lastCaughtUpMs = nowMs; // an ISR member gets the whole lag time to show up
                f.lastAckMs = nowMs;
                f.publish();
                others.add(f);
            }
        }
        this.followers = others.toArray(new FollowerProgress[0]);
        updateIsr(partitionEpoch, isr);
        this.nextIsrCheckMs = nowMs + ISR_CHECK_INTERVAL_MS;
    }

    /**
     * The controller committed a change of this partition at the same leader epoch (its ISR, its epoch). A committed
     * ISR that lost or gained members counts as a shrink or an expansion, whoever asked for it: this leader's
     * AlterPartition, or the controller itself, which takes a fenced broker out of every ISR (a clean stop is fenced
     * at once, long before its leaders would find it lagging).
     */
    void updateIsr(final int partitionEpoch, final List<Integer> isr)
    {
        if (this.isr != null)
        {
            if (!isr.containsAll(this.isr))
            {
                metrics.isrShrink();
                markStale(this.isr, isr);
            }
            if (!this.isr.containsAll(isr))
            {
                metrics.isrExpand();
            }
        }
        this.partitionEpoch = partitionEpoch;
        this.isr = List.copyOf(isr);
        this.pendingIsr = null;
        replica.inSyncReplicas(Math.max(1, isr.size()));
        highWatermarkDirty = true;
    }

    /** A follower asks to be streamed from {@code fetchOffset}: find where its log diverges from this one. */
    void onFetchStart(final int followerId, final int followerKey, final int replyStreamId, final int epoch,
        final long fetchOffset, final int lastFetchedEpoch, final long now)
    {
        final FollowerProgress f = follower(followerId);
        if (f == null || epoch != leaderEpoch)
        {
            return; // not a replica of this partition, or it has not seen this leader's epoch yet: it will ask again
        }
        final PartitionLog log = replica.log();
        final long end = log.logEndOffset();
        final long start = log.logStartOffset();
        int divergingEpoch = -1;
        long divergingEnd = -1;
        if (lastFetchedEpoch >= 0)
        {
            final EpochEndOffset ours = log.endOffsetForEpoch(lastFetchedEpoch);
            if (ours.leaderEpoch() == EpochEndOffset.UNDEFINED)
            {
                divergingEpoch = 0; // nothing that old here: the follower keeps nothing above our log start
                divergingEnd = start;
            }
            else if (ours.leaderEpoch() != lastFetchedEpoch || ours.endOffset() < fetchOffset)
            {
                divergingEpoch = ours.leaderEpoch();
                divergingEnd = ours.endOffset();
            }
        }
        else if (fetchOffset > end)
        {
            divergingEpoch = Math.max(0, log.latestEpoch());
            divergingEnd = end;
        }
        final long from = Math.max(fetchOffset, start);
        f.followerKey = followerKey;
        f.replyStreamId = replyStreamId;
        if (!outbox.streamStart(followerId, replyStreamId, followerKey, key, leaderEpoch, divergingEpoch,
            divergingEnd, start, replica.highWatermark(), from))
        {
            return; // the follower asks again
        }
        if (divergingEpoch >= 0)
        {
            f.streaming = false;
            LOG.info("{}-{}: follower {} diverges at epoch {} (ends at {} here); it truncates", topicId, partition,
                followerId, divergingEpoch, divergingEnd);
            return;
        }
        f.streaming = true;
        f.tailer.seek(from);
        f.logEndOffset = from;
        f.publish();
        f.lastSentMs = now;
        f.sentHighWatermark = replica.highWatermark();
        LOG.info("{}-{}: streaming to follower {} from offset {} at epoch {}", topicId, partition, followerId, from,
            leaderEpoch);
    }

    /** A follower has the log up to {@code logEndOffset}. */
    void onAck(final int followerId, final int epoch, final long logEndOffset, final long now)
    {
        final FollowerProgress f = follower(followerId);
        if (f == null || epoch != leaderEpoch || !f.streaming)
        {
            return;
        }
        f.onAck(logEndOffset, replica.log().logEndOffset(), now);
        highWatermarkDirty = true;
    }

    /** One duty cycle: stream to each follower, move the high watermark, review the ISR. */
    int doWork(final long now)
    {
        nowMs = now;
        int work = 0;
        final long end = replica.log().logEndOffset();
        for (final FollowerProgress f : followers)
        {
            if (!f.streaming)
            {
                continue;
            }
            current = f;
            final int taken = f.tailer.poll(end, settings.maxSliceBytes(), SLICES_PER_DUTY_CYCLE, sink);
            if (taken == JournalStatus.OFFSET_OUT_OF_RANGE)
            {
                f.streaming = false; // retention or a truncation passed it: it must ask again
                LOG.info("{}-{}: follower {} at offset {} is outside the log; it asks again", topicId, partition,
                    f.brokerId, f.tailer.position());
                continue;
            }
            if (taken > 0)
            {
                work += taken;
            }
            else if (f.sentHighWatermark != replica.highWatermark() || now - f.lastSentMs >= settings.keepAliveMs())
            {
                if (outbox.records(f.brokerId, f.replyStreamId, f.followerKey, leaderEpoch, f.tailer.position(),
                    replica.highWatermark(), replica.log().logStartOffset(), null))
                {
                    f.sentHighWatermark = replica.highWatermark();
                    f.lastSentMs = now;
                    work++;
                }
            }
        }
        if (highWatermarkDirty)
        {
            highWatermarkDirty = false;
            work += moveHighWatermark();
        }
        if (now >= nextIsrCheckMs)
        {
            nextIsrCheckMs = now + ISR_CHECK_INTERVAL_MS;
            reviewIsr(now);
        }
        return work;
    }

    private boolean sendSlice(final LogSlice slice)
    {
        final FollowerProgress f = current;
        final long hw = replica.highWatermark();
        if (!outbox.records(f.brokerId, f.replyStreamId, f.followerKey, leaderEpoch, slice.baseOffset(), hw,
            replica.log().logStartOffset(), slice))
        {
            return false;
        }
        f.sentHighWatermark = hw;
        f.lastSentMs = nowMs;
        metrics.bytesOut(slice.length());
        return true;
    }

    /** The lowest log end over the ISR and any replica a pending change adds. */
    private int moveHighWatermark()
    {
        if (isr.size() <= 1 && pendingIsr == null)
        {
            return 0; // the leader alone: the sequencer keeps the high watermark at the log end
        }
        long hw = replica.log().logEndOffset();
        for (final FollowerProgress f : followers)
        {
            if (isr.contains(f.brokerId) || (pendingIsr != null && pendingIsr.contains(f.brokerId)))
            {
                hw = Math.min(hw, f.logEndOffset);
            }
        }
        if (hw > replica.highWatermark())
        {
            replica.advanceHighWatermark(hw);
            return 1;
        }
        return 0;
    }

    /**
     * Drop the followers that stopped keeping up, take back those that caught up and are heard from (a pending
     * addition holds the high watermark, so a silent follower must not be one): one change in flight at a time.
     */
    private void reviewIsr(final long now)
    {
        if (pendingIsr != null && pendingIsr == refusedIsr)
        {
            markStale(pendingIsr, isr); // e.g. INELIGIBLE_REPLICA: a fenced broker, not to be asked for every 100 ms
            pendingIsr = null; // reviewed again below, against the image as it is now
            countInSync();
        }
        if (pendingIsr != null)
        {
            if (now - pendingSinceMs < ISR_CHANGE_TIMEOUT_MS)
            {
                return;
            }
            LOG.warn("{}-{}: ISR change to {} not committed in {} ms; reviewing again", topicId, partition,
                pendingIsr, ISR_CHANGE_TIMEOUT_MS);
            pendingIsr = null;
            countInSync();
        }
        final List<Integer> wanted = new ArrayList<>(isr);
        boolean shrink = false;
        for (final FollowerProgress f : followers)
        {
            if (isr.contains(f.brokerId) && now - f.lastCaughtUpMs > settings.lagTimeMaxMs())
            {
                wanted.remove(Integer.valueOf(f.brokerId));
                shrink = true;
                LOG.info("{}-{}: follower {} has not caught up for {} ms (log end {}, leader {}); shrinking the ISR",
                    topicId, partition, f.brokerId, now - f.lastCaughtUpMs, f.logEndOffset,
                    replica.log().logEndOffset());
            }
        }
        if (!shrink)
        {
            final long hw = replica.highWatermark();
            for (final FollowerProgress f : followers)
            {
                if (!isr.contains(f.brokerId) && f.streaming && now - f.lastAckMs <= settings.leaderSilenceMs() &&
                    f.lastAckMs > f.staleAckMs && f.logEndOffset >= hw && f.logEndOffset >= epochStartOffset)
                {
                    wanted.add(f.brokerId);
                    LOG.info("{}-{}: follower {} caught up (log end {}, high watermark {}); expanding the ISR",
                        topicId, partition, f.brokerId, f.logEndOffset, hw);
                }
            }
        }
        if (wanted.equals(isr))
        {
            return;
        }
        if (!wanted.contains(settings.nodeId()))
        {
            wanted.add(0, settings.nodeId());
        }
        pendingIsr = List.copyOf(wanted);
        countInSync();
        pendingSinceMs = now; // counted as a shrink or an expansion once committed (updateIsr), not when asked for
        final List<Integer> proposed = pendingIsr;
        isrChanges.propose(topicId, partition, leaderEpoch, partitionEpoch, proposed).whenComplete((r, failure) ->
        {
            if (failure != null)
            {
                LOG.info("{}-{}: ISR change to {} refused: {}", topicId, partition, proposed, failure.getMessage());
                refusedIsr = proposed;
            }
        });
    }

    /**
     * Tell the replica how many replicas its high watermark waits for: the committed ISR and any replica a pending
     * change adds. With the leader alone the sequencer moves the high watermark to the log end at every append; a
     * pending addition must stop that at once, or a record appended before the controller commits the addition is
     * acknowledged without being on the replica the controller may elect next (found by ReplicationSimulationTest).
     */
    private void countInSync()
    {
        int count = isr.size();
        if (pendingIsr != null)
        {
            for (final int r : pendingIsr)
            {
                count += isr.contains(r) ? 0 : 1;
            }
        }
        replica.inSyncReplicas(Math.max(1, count));
    }

    /** Whether the partition has fewer in-sync replicas than replicas: for the under-replicated metric. */
    boolean underReplicated()
    {
        return isr.size() < followers.length + 1;
    }

    int isrSize()
    {
        return isr.size();
    }

    /** For metrics: how far each follower is behind, in offsets, the largest. */
    long maxFollowerLag()
    {
        final long end = replica.log().logEndOffset();
        long lag = 0;
        for (final FollowerProgress f : followers)
        {
            lag = Math.max(lag, f.logEndOffset < 0 ? end : end - f.logEndOffset);
        }
        return lag;
    }

    /**
     * The followers in {@code from} but not in {@code to} (out of the ISR, or an addition refused) are not proposed
     * again before they ack anew. Without this a follower whose broker stopped cleanly (fenced, taken out of the ISR
     * by the controller) still looked caught up and recently heard from for leaderSilenceMs, so the leader asked for
     * it back every review and was refused INELIGIBLE_REPLICA; each pending addition counted it in sync, so an
     * acks=all produce below min.insync.replicas was appended and answered NOT_ENOUGH_REPLICAS_AFTER_APPEND instead
     * of being refused NOT_ENOUGH_REPLICAS (MinInsyncReplicasTest).
     */
    private void markStale(final List<Integer> from, final List<Integer> to)
    {
        for (final FollowerProgress f : followers)
        {
            if (from.contains(f.brokerId) && !to.contains(f.brokerId))
            {
                f.staleAckMs = f.lastAckMs;
            }
        }
    }

    /**
     * Each follower's lag, for the metrics scrape: any thread. Reads only final fields, the values each
     * {@link FollowerProgress} published (acquire) and the journal's published log end; allocates one record per
     * follower, on the calling thread.
     */
    void followerLags(final List<FollowerLag> into)
    {
        for (final FollowerProgress f : followers)
        {
            final long followerEnd = f.publishedLogEndOffset();
            final long end = replica.log().logEndOffset(); // read second: a leader's log end only grows
            into.add(new FollowerLag(topicId, partition, f.brokerId,
                followerEnd < 0 ? end : Math.max(0, end - followerEnd), f.publishedLastCaughtUpMs()));
        }
    }

    private FollowerProgress follower(final int brokerId)
    {
        for (final FollowerProgress f : followers)
        {
            if (f.brokerId == brokerId)
            {
                return f;
            }
        }
        return null;
    }

    @Override
    public String toString()
    {
        return "LeaderReplica{" + topicId + "-" + partition + ", epoch " + leaderEpoch + ", isr " + isr + '}';
    }
}
