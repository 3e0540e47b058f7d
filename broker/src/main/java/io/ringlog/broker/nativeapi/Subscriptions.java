package io.ringlog.broker.nativeapi;

import io.aeron.Publication;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.journal.LogSlice;
import io.ringlog.journal.LogTailer;
import io.ringlog.transport.nativeproto.NativeErrors;

import java.util.ArrayList;
import java.util.List;

/**
 * Every native subscription, and the duty-cycle step that streams them: each is a {@link LogTailer} over its
 * partition's journal whose limit is the high watermark, so catching up from disk and following the tail are the
 * same loop. Records go out as RecordsMessages of whole batches, straight from the journal's mapping into the
 * session's egress term (one copy).
 * <p>
 * Fairness and bounds: subscriptions are served round-robin from a moving start, at most
 * {@link #MAX_MESSAGES_PER_CYCLE} messages and {@link #MAX_BYTES_PER_CYCLE} bytes per duty cycle in all, so one
 * subscription catching up on a large log cannot starve the others or the gateway's other work. A back-pressured
 * egress stops that subscription for this cycle; it resumes from the same offset in the next.
 * <p>
 * Ends (SubscriptionEnded): Unsubscribe and a replacing Subscribe (a seek) with NONE; a position below the log start
 * offset (retention or DeleteRecords passed it) with OFFSET_OUT_OF_RANGE; a batch larger than a RecordsMessage can
 * carry on this session's egress with MESSAGE_TOO_LARGE; a deleted partition with UNKNOWN_TOPIC_OR_PARTITION.
 * <p>
 * Gateway thread only.
 */
final class Subscriptions implements LogTailer.Sink
{
    static final int MAX_MESSAGES_PER_CYCLE = 64;
    static final int MAX_BYTES_PER_CYCLE = 4 * 1024 * 1024;
    /** RecordsMessage size when the client asks for 0 (the broker's default). */
    static final int DEFAULT_MAX_BYTES_PER_MESSAGE = 256 * 1024;
    /** Subscriptions one session may hold. */
    static final int MAX_PER_SESSION = 1024;

    private final EgressWriter egress;
    private final GatewayCounters counters;
    private final List<NativeSubscription> all = new ArrayList<>();
    private int start;
    private int open;

    // The subscription being polled, for onSlice.
    private NativeSubscription current;
    private long currentHighWatermark;
    private int currentMaxRecords;
    private int messagesLeft;
    private long bytesLeft;
    private boolean tooLarge;

    Subscriptions(final EgressWriter egress, final GatewayCounters counters)
    {
        this.egress = egress;
        this.counters = counters;
    }

    int open()
    {
        return open;
    }

    /**
     * Start streaming {@code partition} to {@code session} from {@code startOffset}; a subscription of the session on
     * the same partition ends (a seek). SubscribeResponse goes out first, from the duty cycle.
     *
     * @return the new subscription, or null past {@link #MAX_PER_SESSION}.
     */
    NativeSubscription subscribe(final NativeSession session, final long subscriptionId, final Partition partition,
        final long startOffset, final int maxBytesPerMessage)
    {
        int live = 0;
        for (final NativeSubscription s : session.subscriptions)
        {
            if (s.partition == partition && s.state != NativeSubscription.State.ENDING)
            {
                s.end(NativeErrors.NONE);
            }
            live += s.isLive() ? 1 : 0;
        }
        if (live >= MAX_PER_SESSION)
        {
            return null;
        }
        final NativeSubscription subscription = new NativeSubscription(session, subscriptionId, partition, startOffset,
            maxBytesPerMessage <= 0 ? DEFAULT_MAX_BYTES_PER_MESSAGE : maxBytesPerMessage);
        session.subscriptions.add(subscription);
        all.add(subscription);
        open++;
        counters.subscriptionsOpen.setRelease(open);
        return subscription;
    }

    /** @return false when the session has no live subscription with that id. */
    boolean unsubscribe(final NativeSession session, final long subscriptionId)
    {
        for (final NativeSubscription s : session.subscriptions)
        {
            if (s.subscriptionId == subscriptionId && (s.state == NativeSubscription.State.RESPONDING ||
                s.state == NativeSubscription.State.STREAMING))
            {
                s.end(NativeErrors.NONE);
                return true;
            }
        }
        return false;
    }

    /** The partition is closing: no subscription reads its log from now on. */
    void partitionClosing(final Partition partition)
    {
        for (final NativeSubscription s : all)
        {
            if (s.partition == partition)
            {
                s.end(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION);
            }
        }
    }

    /**
     * Another broker leads the partition now: its subscriptions here end with NOT_LEADER_OR_FOLLOWER naming the new
     * leader, so their clients resume on it (a follower's log is not what consumers read).
     */
    void partitionDemoted(final Partition partition, final int leaderId, final int leaderEpoch)
    {
        for (final NativeSubscription s : all)
        {
            if (s.partition == partition && (s.state == NativeSubscription.State.RESPONDING ||
                s.state == NativeSubscription.State.STREAMING))
            {
                s.end(NativeErrors.NOT_LEADER_OR_FOLLOWER);
                s.endLeaderId = leaderId;
                s.endLeaderEpoch = leaderEpoch;
            }
        }
    }

    /** The session is gone: its subscriptions stop without a word (there is no egress to say it on). */
    void sessionClosed(final NativeSession session)
    {
        for (final NativeSubscription s : session.subscriptions)
        {
            retire(s);
        }
        session.subscriptions.clear();
    }

    /** The Aeron client is gone: forget everything. */
    void abandonAll()
    {
        all.clear();
        open = 0;
    }

    int doWork()
    {
        final int n = all.size();
        if (n == 0)
        {
            return 0;
        }
        int work = 0;
        messagesLeft = MAX_MESSAGES_PER_CYCLE;
        bytesLeft = MAX_BYTES_PER_CYCLE;
        if (start >= n)
        {
            start = 0;
        }
        for (int i = 0; i < n; i++)
        {
            work += serve(all.get((start + i) % n));
        }
        start++;
        for (int i = all.size() - 1; i >= 0; i--)
        {
            final NativeSubscription s = all.get(i);
            if (s.state == NativeSubscription.State.ENDED)
            {
                all.remove(i);
                s.session.subscriptions.remove(s);
            }
        }
        return work;
    }

    private int serve(final NativeSubscription s)
    {
        final Publication pub = s.session.publication;
        if (s.state == NativeSubscription.State.ENDED || pub == null || !s.session.isOpen())
        {
            return 0;
        }
        final Partition partition = s.partition;
        if (s.state == NativeSubscription.State.RESPONDING)
        {
            final long result = egress.subscribeResponse(pub, s.subscriptionId, NativeErrors.NONE, s.startOffset,
                partition.log().logStartOffset(), partition.highWatermark(), -1, -1);
            if (!sent(s, result))
            {
                return 0;
            }
            s.state = NativeSubscription.State.STREAMING;
        }
        if (s.state == NativeSubscription.State.STREAMING)
        {
            return stream(s, pub);
        }
        if (s.state == NativeSubscription.State.ENDING)
        {
            final long result = egress.subscriptionEnded(pub, s.subscriptionId, s.endCode, s.tailer.position(),
                s.endLeaderId, s.endLeaderEpoch);
            if (sent(s, result) || !EgressWriter.isRetriable(result))
            {
                retire(s);
                return 1;
            }
        }
        return 0;
    }

    private int stream(final NativeSubscription s, final Publication pub)
    {
        final long hw = s.partition.highWatermark();
        if (messagesLeft <= 0 || bytesLeft <= 0 || s.tailer.position() >= hw)
        {
            return 0;
        }
        current = s;
        currentHighWatermark = hw;
        currentMaxRecords = Math.min(s.maxBytesPerMessage, EgressWriter.maxRecordsLength(pub));
        tooLarge = false;
        final int taken = s.tailer.poll(hw, currentMaxRecords, messagesLeft, this);
        current = null;
        if (taken < 0)
        {
            s.end(NativeErrors.OFFSET_OUT_OF_RANGE);
            return 1;
        }
        if (tooLarge)
        {
            s.end(NativeErrors.MESSAGE_TOO_LARGE);
            return 1;
        }
        return taken;
    }

    @Override
    public boolean onSlice(final LogSlice slice)
    {
        final NativeSubscription s = current;
        final int length = slice.length();
        if (length > currentMaxRecords)
        {
            tooLarge = true; // one batch larger than a message may be: it can never go out on this egress
            return false;
        }
        if (messagesLeft <= 0 || bytesLeft <= 0)
        {
            return false;
        }
        final long result = egress.records(s.session.publication, s.subscriptionId, s.partition.index(),
            currentHighWatermark, s.partition.log().logStartOffset(), slice.nextOffset(), slice.buffer(), 0, length);
        if (!sent(s, result))
        {
            return false;
        }
        messagesLeft--;
        bytesLeft -= length;
        counters.recordsMessages.incrementRelease();
        counters.recordBytes.getAndAddRelease(length);
        return true;
    }

    private static boolean sent(final NativeSubscription s, final long result)
    {
        if (result > 0)
        {
            return true;
        }
        if (!EgressWriter.isRetriable(result))
        {
            s.session.egressFailed = true;
        }
        return false;
    }

    private void retire(final NativeSubscription s)
    {
        if (s.state != NativeSubscription.State.ENDED)
        {
            s.state = NativeSubscription.State.ENDED;
            open--;
            counters.subscriptionsOpen.setRelease(open);
        }
    }
}
