package io.ringlog.replication.data;

/**
 * How replication behaves; the broker builds it from its config.
 *
 * @param nodeId            this broker's node id.
 * @param lagTimeMaxMs      {@code replica.lag.time.max.ms}: an in-sync follower that has not caught up with the
 *                          leader's log end for this long leaves the ISR.
 * @param keepAliveMs       a leader with nothing new for a follower sends it the high watermark this often; the
 *                          follower answers, which is how the leader knows an idle follower is caught up.
 * @param fetchRetryMs      a follower repeats an unanswered FetchStart this often.
 * @param leaderSilenceMs   a streaming follower that hears nothing from its leader for this long asks again.
 * @param maxSliceBytes     the most journal bytes in one Records message (a single larger batch goes alone).
 * @param controlStreamId   the stream every shard of a broker hears FetchStart on.
 * @param dataStreamIdBase  shard {@code i} receives Records, StreamStart and Ack on {@code dataStreamIdBase + i}.
 * @param termLength        Aeron term length of the publications to peers; an Aeron message is at most an eighth of
 *                          it, so it bounds the largest batch that can be replicated.
 */
public record ReplicationSettings(
    int nodeId,
    long lagTimeMaxMs,
    long keepAliveMs,
    long fetchRetryMs,
    long leaderSilenceMs,
    int maxSliceBytes,
    int controlStreamId,
    int dataStreamIdBase,
    int termLength)
{
    public static final int DEFAULT_CONTROL_STREAM_ID = 3000;
    public static final int DEFAULT_DATA_STREAM_ID_BASE = 3001;

    /** Settings derived from the lag time, the way the broker uses them. */
    public static ReplicationSettings of(final int nodeId, final long lagTimeMaxMs, final int termLength)
    {
        final long keepAlive = Math.max(10, Math.min(500, lagTimeMaxMs / 4));
        return new ReplicationSettings(nodeId, lagTimeMaxMs, keepAlive, Math.max(10, Math.min(200, keepAlive)),
            Math.max(3 * keepAlive, 1_000), Math.min(256 * 1024, termLength / 16), DEFAULT_CONTROL_STREAM_ID,
            DEFAULT_DATA_STREAM_ID_BASE, termLength);
    }

    /** The largest message a publication of this term length carries. */
    public int maxMessageLength()
    {
        return termLength / 8;
    }
}
