package io.ringlog.replication.data;

import io.ringlog.journal.JournalStatus;
import io.ringlog.journal.PartitionLog;
import io.ringlog.journal.epoch.EpochEndOffset;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * One partition this broker follows: it asks the leader to stream from its log end (FetchStart, naming its last
 * epoch), truncates where the leader says the logs diverge, then appends what the leader streams with the
 * partition's single writer, takes the leader's high watermark (capped at its own log end) and acknowledges its log
 * end after every message. A gap in the stream (a lost image, a restart of either side) or a silent leader sends it
 * back to FetchStart.
 * <p>
 * Owned by the shard thread of the partition: no locks.
 */
final class FollowerReplica
{
    private static final Logger LOG = LoggerFactory.getLogger(FollowerReplica.class);

    enum State
    {
        /** Asking the leader where to start. */
        FETCHING,
        /** Appending what the leader streams. */
        STREAMING
    }

    final int key;
    final UUID topicId;
    final int partition;
    final ReplicaLog replica;
    final int leaderId;
    final int leaderEpoch;
    private final ReplicationSettings settings;
    private final Outbox outbox;
    private final ReplicationMetrics metrics;
    private State state = State.FETCHING;
    private long nextFetchMs;
    private long lastHeardMs;
    private int leaderKey;
    private int ackStreamId;
    private boolean ackPending;
    /**
     * This log matches the leader's below this offset: where the last stream started, moved by every append from
     * it. A StreamStart that would cut below it answers an older FetchStart (a retry, or one overtaken), and obeying
     * it would drop records this follower has already acknowledged, which the leader counts as replicated.
     */
    private long matchedEnd = -1;

    FollowerReplica(final int key, final UUID topicId, final int partition, final ReplicaLog replica,
        final int leaderId, final int leaderEpoch, final ReplicationSettings settings, final Outbox outbox,
        final ReplicationMetrics metrics)
    {
        this.key = key;
        this.topicId = topicId;
        this.partition = partition;
        this.replica = replica;
        this.leaderId = leaderId;
        this.leaderEpoch = leaderEpoch;
        this.settings = settings;
        this.outbox = outbox;
        this.metrics = metrics;
    }

    State state()
    {
        return state;
    }

    int doWork(final long now)
    {
        if (state == State.FETCHING)
        {
            if (now < nextFetchMs)
            {
                return 0;
            }
            nextFetchMs = now + settings.fetchRetryMs();
            final PartitionLog log = replica.log();
            outbox.fetchStart(leaderId, key, outbox.dataStreamId(), topicId, partition, leaderEpoch,
                log.logEndOffset(), log.latestEpoch());
            return 1;
        }
        if (now - lastHeardMs > settings.leaderSilenceMs())
        {
            LOG.info("{}-{}: leader {} silent for {} ms; asking it again", topicId, partition, leaderId,
                now - lastHeardMs);
            refetch(now);
            return 1;
        }
        if (ackPending && outbox.ack(leaderId, ackStreamId, leaderKey, leaderEpoch, replica.log().logEndOffset()))
        {
            ackPending = false;
            return 1;
        }
        return 0;
    }

    /** The leader's answer to FetchStart. */
    void onStreamStart(final int leaderKey, final int ackStreamId, final int epoch, final int divergingEpoch, final long divergingEndOffset,
        final long leaderLogStart, final long highWatermark, final long startOffset, final long now)
    {
        if (epoch != leaderEpoch || state != State.FETCHING)
        {
            return;
        }
        final PartitionLog log = replica.log();
        if (divergingEpoch >= 0)
        {
            final EpochEndOffset ours = log.endOffsetForEpoch(divergingEpoch);
            long target;
            if (ours.leaderEpoch() == EpochEndOffset.UNDEFINED)
            {
                target = log.logStartOffset();
            }
            else if (ours.leaderEpoch() == divergingEpoch)
            {
                target = Math.min(divergingEndOffset, ours.endOffset());
            }
            else
            {
                target = ours.endOffset();
            }
            target = Math.min(target, divergingEndOffset);
            if (target < matchedEnd)
            {
                return; // stale: this log matches the leader's up to matchedEnd; the next FetchStart asks again
            }
            final long before = log.logEndOffset();
            final int code = replica.truncateTo(target);
            LOG.info("{}-{}: log diverges from leader {} at epoch {}: truncated from {} to {} ({})", topicId,
                partition, leaderId, divergingEpoch, before, log.logEndOffset(), JournalStatus.describe(code));
            metrics.truncation();
            nextFetchMs = now; // ask again at once from the new end
            return;
        }
        final long end = log.logEndOffset();
        if (startOffset < matchedEnd)
        {
            return; // stale, as above
        }
        if (startOffset != end)
        {
            final int code = startOffset > end ? replica.restartAt(startOffset) : replica.truncateTo(startOffset);
            LOG.info("{}-{}: leader {} streams from {} and this log ends at {}: {} ({})", topicId, partition, leaderId,
                startOffset, end, startOffset > end ? "started over there" : "truncated there",
                JournalStatus.describe(code));
            if (code != JournalStatus.OK || log.logEndOffset() != startOffset)
            {
                nextFetchMs = now + settings.fetchRetryMs();
                return;
            }
        }
        this.leaderKey = leaderKey;
        this.ackStreamId = ackStreamId;
        state = State.STREAMING;
        matchedEnd = log.logEndOffset();
        lastHeardMs = now;
        ackPending = true;
        replica.advanceHighWatermark(Math.min(highWatermark, log.logEndOffset()));
        LOG.info("{}-{}: following leader {} at epoch {} from offset {}", topicId, partition, leaderId, leaderEpoch,
            log.logEndOffset());
    }

    /** Batches from the leader (none: a keep-alive with the high watermark). */
    void onRecords(final int epoch, final long baseOffset, final long highWatermark, final DirectBuffer buffer,
        final int offset, final int length, final long now)
    {
        if (epoch != leaderEpoch || state != State.STREAMING)
        {
            return;
        }
        lastHeardMs = now;
        final PartitionLog log = replica.log();
        final long end = log.logEndOffset();
        if (baseOffset > end)
        {
            // A keep-alive names where the leader's stream to this follower stands: past this log's end, what lies
            // between was lost (a lost image) and will not be sent again, so an idle partition would never catch up.
            LOG.info("{}-{}: gap in the stream from leader {} ({} expected, {} came); asking again", topicId,
                partition, leaderId, end, baseOffset);
            refetch(now);
            return;
        }
        if (length > 0)
        {
            if (baseOffset == end)
            {
                final int code = replica.appendAsFollower(buffer, offset, length);
                if (code != JournalStatus.OK)
                {
                    LOG.error("{}-{}: cannot append {} bytes from leader {} at offset {}: {}; asking again",
                        topicId, partition, length, leaderId, baseOffset, JournalStatus.describe(code));
                    refetch(now + settings.fetchRetryMs());
                    return;
                }
                metrics.bytesIn(length);
                matchedEnd = log.logEndOffset();
            }
            // else a batch this log has already (sent again after a new FetchStart): acknowledged, not appended
        }
        replica.advanceHighWatermark(Math.min(highWatermark, log.logEndOffset()));
        ackPending = true; // sent once per duty cycle, after every message the cycle took
    }

    private void refetch(final long at)
    {
        state = State.FETCHING;
        nextFetchMs = at;
        ackPending = false;
    }

    @Override
    public String toString()
    {
        return "FollowerReplica{" + topicId + "-" + partition + ", leader " + leaderId + " epoch " + leaderEpoch +
            ", " + state + '}';
    }
}
