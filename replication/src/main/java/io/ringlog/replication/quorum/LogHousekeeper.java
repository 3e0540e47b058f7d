package io.ringlog.replication.quorum;

import io.aeron.Aeron;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.client.RecordingDescriptorConsumer;
import io.aeron.archive.status.RecordingPos;
import io.aeron.cluster.ClusterControl;
import io.aeron.cluster.RecordingLog;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;

/**
 * Keeps the cluster log bounded. On the leader, asks the consensus module for a snapshot (its control toggle) once
 * the service applied {@code snapshotEveryCommands} commands or the log grew {@code snapshotEveryLogBytes} since the
 * last one; on every member, after a snapshot is
 * in the recording log, purges the archived log's segments before it ({@link AeronArchive#purgeSegments}): the
 * archive never trims the log by itself. Recovery then starts from the snapshot, which is all it needs.
 * <p>
 * Threads: runs on its own agent thread (a slow archive request must not stall the service); reads the service's
 * published counters and writes nothing the service reads. A pending snapshot request from outside is an
 * {@code volatile} flag.
 */
final class LogHousekeeper implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(LogHousekeeper.class);
    private static final long CHECK_INTERVAL_MS = 100;

    private final ControllerService service;
    private final Aeron aeron;
    private final AeronArchive.Context archiveContext;
    private final File clusterDir;
    private final long snapshotEveryCommands;
    private final long snapshotEveryLogBytes;
    private final boolean purge;
    private final int clusterId;
    private AeronArchive archive;
    private long nextCheckMs;
    private long purgedForSnapshots;
    private volatile boolean snapshotRequested;
    private volatile long purgedUpTo = -1;
    private volatile long purgedSegments;

    LogHousekeeper(
        final ControllerService service,
        final Aeron aeron,
        final AeronArchive.Context archiveContext,
        final File clusterDir,
        final long snapshotEveryCommands,
        final long snapshotEveryLogBytes,
        final boolean purge,
        final int clusterId)
    {
        this.service = service;
        this.aeron = aeron;
        this.archiveContext = archiveContext;
        this.clusterDir = clusterDir;
        this.snapshotEveryCommands = snapshotEveryCommands;
        this.snapshotEveryLogBytes = snapshotEveryLogBytes;
        this.purge = purge;
        this.clusterId = clusterId;
    }

    /** Ask for a snapshot on the next duty cycle; only the leader's request takes effect. Any thread. */
    void requestSnapshot()
    {
        snapshotRequested = true;
    }

    /** The log position the archived log now starts at, after the last purge; -1 before any. */
    long purgedUpTo()
    {
        return purgedUpTo;
    }

    long purgedSegments()
    {
        return purgedSegments;
    }

    @Override
    public int doWork()
    {
        final long nowMs = System.currentTimeMillis(); // housekeeping cadence only, never state
        if (nowMs < nextCheckMs)
        {
            return 0;
        }
        nextCheckMs = nowMs + CHECK_INTERVAL_MS;
        int work = 0;
        if (service.isLeader() && (snapshotRequested || snapshotDue()))
        {
            work += toggleSnapshot();
        }
        if (purge && service.snapshotsTaken() > purgedForSnapshots)
        {
            work += purgeToLatestSnapshot();
        }
        return work;
    }

    private boolean snapshotDue()
    {
        if (snapshotEveryCommands > 0 && service.commandsSinceSnapshot() >= snapshotEveryCommands)
        {
            return true;
        }
        final long since = service.appliedPosition() - Math.max(0, service.lastSnapshotPosition());
        return snapshotEveryLogBytes > 0 && service.commandsSinceSnapshot() > 0 && since >= snapshotEveryLogBytes;
    }

    private int toggleSnapshot()
    {
        final AtomicCounter toggle = ClusterControl.findControlToggle(aeron.countersReader(), clusterId);
        if (null != toggle && ClusterControl.ToggleState.SNAPSHOT.toggle(toggle))
        {
            snapshotRequested = false;
            LOG.info("snapshot requested after {} commands", service.commandsSinceSnapshot());
            return 1;
        }
        return 0; // another action in progress; try again next cycle
    }

    private int purgeToLatestSnapshot()
    {
        final RecordingLog.Entry snapshot;
        final long recordingId;
        try (RecordingLog recordingLog = new RecordingLog(clusterDir, false))
        {
            snapshot = recordingLog.getLatestSnapshot(0);
            recordingId = recordingLog.findLastTermRecordingId();
        }
        if (null == snapshot || snapshot.logPosition < service.lastSnapshotPosition() ||
            RecordingPos.NULL_RECORDING_ID == recordingId)
        {
            return 0; // the consensus module has not written the snapshot's entry yet
        }
        if (null == archive)
        {
            archive = AeronArchive.connect(archiveContext.clone().aeron(aeron).ownsAeronClient(false));
        }
        final long[] descriptor = new long[3]; // start position, term length, segment length
        final RecordingDescriptorConsumer consumer = (controlSessionId, correlationId, id, startTimestamp,
            stopTimestamp, startPosition, stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength,
            sessionId, streamId, strippedChannel, originalChannel, sourceIdentity) ->
        {
            descriptor[0] = startPosition;
            descriptor[1] = termBufferLength;
            descriptor[2] = segmentFileLength;
        };
        if (1 != archive.listRecording(recordingId, consumer))
        {
            return 0;
        }
        final long newStart = AeronArchive.segmentFileBasePosition(
            descriptor[0], snapshot.logPosition, (int)descriptor[1], (int)descriptor[2]);
        purgedForSnapshots = service.snapshotsTaken();
        if (newStart > descriptor[0])
        {
            final long deleted = archive.purgeSegments(recordingId, newStart);
            purgedSegments += deleted;
            purgedUpTo = newStart;
            LOG.info("purged {} log segment(s) of recording {}: it now starts at {} (snapshot at {})",
                deleted, recordingId, newStart, snapshot.logPosition);
        }
        return 1;
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietClose(archive);
    }

    @Override
    public String roleName()
    {
        return "ringlog-controller-housekeeper";
    }
}
