package io.ringlog.replication.quorum;

import io.ringlog.replication.controller.ConfigValidator;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * Everything one quorum member needs, as plain fields with defaults fit for tests and small clusters. Set what
 * differs, then {@link ControllerNode#launch(ControllerNodeConfig)}; it validates first.
 * <p>
 * Not thread-safe: fill it on one thread, then hand it over.
 */
public final class ControllerNodeConfig
{
    /** {@code node.id}: this member's id; must be one of the voters. */
    public int nodeId = -1;
    /** {@code controller.quorum.voters}: {@code id@host:port,...}; see {@link QuorumVoters} for the ports. */
    public String voters;
    /** Holds {@code cluster/} (consensus module and service) and {@code archive/}. */
    public File dataDir;
    /** An external media driver's directory; null launches an embedded one (SHARED, back-off idle). */
    public String aeronDirectoryName;
    /** Wipe {@link #dataDir} first (tests). */
    public boolean deleteDataOnStart;

    /** Term length of the cluster log (the log's largest message is an eighth of it). */
    public int logTermLength = 256 * 1024;
    /** Term length of client ingress: the largest proposal is an eighth of it. At most {@link #logTermLength}. */
    public int ingressTermLength = 256 * 1024;
    /** Term length of egress to brokers: bounds a full image sent in one message (an eighth of it). */
    public int egressTermLength = 1024 * 1024;
    /** Archive segment file length: the unit the log is purged in; a power of two and at least the log term. */
    public int archiveSegmentLength = 1024 * 1024;

    /** Broker lease: a session that sends nothing for this long is closed and its broker fenced. */
    public long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(3);
    public long leaderHeartbeatTimeoutNs = TimeUnit.SECONDS.toNanos(1);
    public long leaderHeartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(100);
    public long electionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(500);
    /**
     * How long a starting member waits to hear from every other member before electing with a bare majority; Aeron
     * wants a multiple of the leader heartbeat timeout. A single voter does not wait.
     */
    public long startupCanvassTimeoutNs = TimeUnit.SECONDS.toNanos(2);

    /** Ask for a snapshot after this many committed commands since the last one; 0 turns it off. */
    public long snapshotEveryCommands = 10_000;
    /** Or after the log grew this many bytes since the last snapshot; 0 turns it off. */
    public long snapshotEveryLogBytes = 64L * 1024 * 1024;
    /** Purge the archived log up to the latest snapshot after each snapshot. */
    public boolean purgeLogAfterSnapshot = true;

    /** The broker's topic config rules; must answer the same on every member. */
    public ConfigValidator configValidator = ConfigValidator.ACCEPT_ALL;
    public int defaultPartitions = 1;
    public int defaultReplicationFactor = 1;

    /** The voters, parsed. @throws IllegalArgumentException naming the key at fault. */
    public QuorumVoters validate()
    {
        final QuorumVoters parsed = QuorumVoters.parse(voters);
        if (null == parsed.voter(nodeId))
        {
            throw new IllegalArgumentException("node.id " + nodeId + " is not one of the voters in " +
                QuorumVoters.KEY + "=" + voters);
        }
        if (null == dataDir)
        {
            throw new IllegalArgumentException("the controller's data directory is not set");
        }
        if (logTermLength < ingressTermLength)
        {
            throw new IllegalArgumentException("the log term length " + logTermLength + " must be at least the " +
                "ingress term length " + ingressTermLength + ": every proposal is appended to the log whole");
        }
        if (Integer.bitCount(archiveSegmentLength) != 1 || archiveSegmentLength < logTermLength)
        {
            throw new IllegalArgumentException("archive segment length " + archiveSegmentLength +
                " must be a power of two and at least the log term length " + logTermLength);
        }
        if (0 != startupCanvassTimeoutNs % leaderHeartbeatTimeoutNs)
        {
            throw new IllegalArgumentException("the start-up canvass timeout must be a multiple of the leader " +
                "heartbeat timeout");
        }
        if (sessionTimeoutNs <= 0 || leaderHeartbeatTimeoutNs <= leaderHeartbeatIntervalNs)
        {
            throw new IllegalArgumentException("session timeout must be > 0 and the leader heartbeat timeout " +
                "larger than its interval");
        }
        return parsed;
    }
}
