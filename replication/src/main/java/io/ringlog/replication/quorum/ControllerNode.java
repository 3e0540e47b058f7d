package io.ringlog.replication.quorum;

import io.aeron.Aeron;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.ringlog.replication.controller.ControllerStateMachine;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.PartitionRegistration;
import io.ringlog.replication.quorum.QuorumVoters.Voter;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One member of the controller quorum: media driver (embedded, SHARED, back-off idle; or an external one), archive,
 * consensus module and the {@link ControllerService} in its container, all from a {@link ControllerNodeConfig}.
 * <p>
 * Threads: the driver's shared agent, the archive's shared agent, the consensus module's agent, the service
 * container's agent (which owns the metadata state) and the {@link LogHousekeeper}'s; every one idles with a
 * back-off strategy (spin briefly, yield, then park up to {@link #MAX_PARK_NS}, 10 ms; the housekeeper sleeps 50 ms),
 * so an idle quorum costs a few % of a core.
 * The accessors read values the service publishes and are safe from any thread. {@link #close()} from one thread.
 */
public final class ControllerNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ControllerNode.class);
    /**
     * Idle strategy of every agent of the member: spin 10, yield 20, then park from 1 us doubling up to
     * {@link #MAX_PARK_NS}. Three idle combined nodes on one 2-core machine spent 118-154 % of a core with a 1 ms
     * maximum (each parked thread wakes 1000 times a second, about 20 us each here); at 10 ms the quorum's agents
     * are a few % together. What it costs: a proposal or a heartbeat that arrives after a quiet spell waits up to
     * 10 ms per hop (ingress, log, archive, service), against a 100 ms heartbeat interval and a 1 s heartbeat
     * timeout; under load the agents never park long, since work resets the back-off.
     */
    public static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final Supplier<IdleStrategy> BACK_OFF = () -> new BackoffIdleStrategy(
        10, 20, TimeUnit.MICROSECONDS.toNanos(1), MAX_PARK_NS);
    /**
     * The embedded driver's threads: park from 100 us doubling to 1 ms. Its conductor counts its 1 ms timer check as
     * work, which resets the back-off, so a strategy starting at 1 us would wake about ten times per millisecond.
     */
    public static final Supplier<IdleStrategy> DRIVER_BACK_OFF = () -> new BackoffIdleStrategy(
        10, 20, TimeUnit.MICROSECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(1));
    /** The driver's name-resolution executor only ever resolves the voters' hosts: it may sleep. */
    private static final long RESOLVER_SLEEP_MS = 10;
    /** The housekeeper only counts commands towards the next snapshot and purges after one. */
    private static final long HOUSEKEEPER_SLEEP_MS = 50;

    private final ControllerNodeConfig config;
    private final QuorumVoters voters;
    private final long startNs = System.nanoTime();
    private MediaDriver driver;
    private volatile boolean terminated;
    private volatile String lastError = "none reported";
    private FileChannel lockChannel; // holds dirLock on <dataDir>/.lock for the member's life
    private FileLock dirLock;
    private Archive archive;
    private ConsensusModule consensusModule;
    private ClusteredServiceContainer container;
    private Aeron aeron;
    private AgentRunner housekeeperRunner;
    private LogHousekeeper housekeeper;
    private ControllerService service;
    private volatile boolean closed;

    private ControllerNode(final ControllerNodeConfig config, final QuorumVoters voters)
    {
        this.config = config;
        this.voters = voters;
    }

    /**
     * Start the member. Returns once its parts run; the quorum elects a leader afterwards ({@link
     * #awaitActiveController(Duration)}).
     *
     * @throws IllegalArgumentException naming {@code node.id} or {@code controller.quorum.voters} when they are wrong.
     */
    public static ControllerNode launch(final ControllerNodeConfig config)
    {
        final ControllerNode node = new ControllerNode(config, config.validate());
        try
        {
            node.start();
            return node;
        }
        catch (final RuntimeException ex)
        {
            node.close();
            throw ex;
        }
    }

    private void start()
    {
        final Voter self = voters.voter(config.nodeId);
        final String host = self.host();
        final File dataDir = config.dataDir.getAbsoluteFile();
        if (config.deleteDataOnStart)
        {
            IoUtil.delete(dataDir, true);
        }
        IoUtil.ensureDirectoryExists(dataDir, "controller data");
        lockAndClearStaleMarkFiles(dataDir);

        final String aeronDir;
        if (null == config.aeronDirectoryName)
        {
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(dataDir, "driver").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(DRIVER_BACK_OFF.get())
                .asyncExecutorIdleStrategy(new SleepingMillisIdleStrategy(RESOLVER_SLEEP_MS))
                .termBufferSparseFile(true)
                .publicationTermBufferLength(config.ingressTermLength)
                .ipcTermBufferLength(config.egressTermLength)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .errorHandler(ex -> LOG.warn("controller {} media driver: {}", config.nodeId, ex.toString())));
            aeronDir = driver.aeronDirectoryName();
        }
        else
        {
            aeronDir = config.aeronDirectoryName;
        }

        final String localControl = "aeron:ipc?term-length=64k|alias=controller-archive-" + config.nodeId;
        archive = Archive.launch(new Archive.Context()
            .aeronDirectoryName(aeronDir)
            .archiveId(config.nodeId)
            .archiveDir(new File(dataDir, "archive"))
            .deleteArchiveOnStart(config.deleteDataOnStart)
            .controlChannel("aeron:udp?endpoint=" + self.endpoint(QuorumVoters.ARCHIVE_CONTROL_OFFSET))
            .localControlChannel(localControl)
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveClientContext(new AeronArchive.Context()
                .controlResponseChannel("aeron:udp?endpoint=" + host + ":0"))
            .recordingEventsEnabled(false)
            // Aeron refuses to record with less than 128 MiB free by default; a few segments is what the log needs
            // next, and the broker's own full-disk reserve (log.dir.reserve.bytes) guards the rest.
            .lowStorageSpaceThreshold(4L * config.archiveSegmentLength)
            .segmentFileLength(config.archiveSegmentLength)
            .fileSyncLevel(1)
            .catalogFileSyncLevel(1)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(BACK_OFF)
            .errorHandler(ex -> LOG.warn("controller {} archive: {}", config.nodeId, ex.toString())));

        final AeronArchive.Context archiveClient = new AeronArchive.Context()
            .aeronDirectoryName(aeronDir)
            .controlRequestChannel(localControl)
            .controlRequestStreamId(archive.context().localControlStreamId())
            .controlResponseChannel("aeron:ipc?term-length=64k");

        final File clusterDir = new File(dataDir, "cluster");
        consensusModule = ConsensusModule.launch(new ConsensusModule.Context()
            .aeronDirectoryName(aeronDir)
            .clusterMemberId(config.nodeId)
            .clusterMembers(voters.clusterMembers())
            .clusterDir(clusterDir)
            .deleteDirOnStart(config.deleteDataOnStart)
            .ingressChannel("aeron:udp?term-length=" + config.ingressTermLength)
            .logChannel("aeron:udp?term-length=" + config.logTermLength)
            .consensusChannel("aeron:udp?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveContext(archiveClient.clone())
            .fileSyncLevel(1)
            .sessionTimeoutNs(config.sessionTimeoutNs)
            .leaderHeartbeatTimeoutNs(config.leaderHeartbeatTimeoutNs)
            .leaderHeartbeatIntervalNs(config.leaderHeartbeatIntervalNs)
            .electionTimeoutNs(config.electionTimeoutNs)
            .startupCanvassTimeoutNs(config.startupCanvassTimeoutNs)
            .terminationTimeoutNs(config.leaderHeartbeatTimeoutNs)
            .idleStrategySupplier(BACK_OFF)
            .terminationHook(() -> terminated = true)
            .errorHandler(ex ->
            {
                lastError = ex.toString();
                LOG.warn("controller {} consensus module: {}", config.nodeId, ex.toString());
            }));

        service = new ControllerService(new ControllerStateMachine(MetadataImage.EMPTY, config.configValidator,
            config.defaultPartitions, config.defaultReplicationFactor));
        container = ClusteredServiceContainer.launch(new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .clusterDir(clusterDir)
            .archiveContext(archiveClient.clone())
            .clusteredService(service)
            .idleStrategySupplier(BACK_OFF)
            .errorHandler(ex -> LOG.warn("controller {} service: {}", config.nodeId, ex.toString())));

        // Our own error handler: Aeron's default one exits the JVM when the driver goes away.
        aeron = Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(aeronDir)
            .errorHandler(ex -> LOG.warn("controller {} housekeeper client: {}", config.nodeId, ex.toString())));
        housekeeper = new LogHousekeeper(service, aeron, archiveClient.clone().controlResponseStreamId(30_000 +
            config.nodeId), clusterDir, config.snapshotEveryCommands, config.snapshotEveryLogBytes, config.purgeLogAfterSnapshot,
            consensusModule.context().clusterId());
        housekeeperRunner = new AgentRunner(new SleepingMillisIdleStrategy(HOUSEKEEPER_SLEEP_MS),
            ex -> LOG.warn("controller {} housekeeper: {}", config.nodeId, ex.toString()), null, housekeeper);
        AgentRunner.startOnThread(housekeeperRunner);
        LOG.info("controller {} started its parts in {} ms (voters {})", config.nodeId,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), voters);
    }

    /**
     * Wait until this member knows the active controller.
     *
     * @return the time since launch.
     * @throws IllegalStateException when none is known in time.
     */
    public Duration awaitActiveController(final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (-1 == activeController() || -1 == service.controllerEpoch())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("controller " + config.nodeId + ": no active controller after " +
                    timeout + " (voters " + voters + ")");
            }
            sleep();
        }
        return Duration.ofNanos(System.nanoTime() - startNs);
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(10);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** The media driver directory this member uses (its embedded driver's, or the external one). */
    public String aeronDirectoryName()
    {
        return null != driver ? driver.aeronDirectoryName() : config.aeronDirectoryName;
    }

    public int nodeId()
    {
        return config.nodeId;
    }

    public QuorumVoters voters()
    {
        return voters;
    }

    /** The member id of the quorum's leader as this member knows it, -1 when unknown. */
    public int activeController()
    {
        return service.leaderMemberId();
    }

    public boolean isActiveController()
    {
        return service.isLeader();
    }

    /** The leadership term id of the current term. */
    public long controllerEpoch()
    {
        return service.controllerEpoch();
    }

    /**
     * The quorum's commit position as this member knows it (the consensus module's commit-position counter): the
     * log's high watermark, -1 before the member has one or after it stopped.
     */
    public long commitPosition()
    {
        final ConsensusModule cm = consensusModule;
        if (null == cm || closed)
        {
            return -1;
        }
        final io.aeron.Counter counter = cm.context().commitPositionCounter();
        return null == counter || counter.isClosed() ? -1 : counter.get();
    }

    /** Log position of the last command applied here. */
    public long appliedPosition()
    {
        return service.appliedPosition();
    }

    public MetadataImage image()
    {
        return service.image();
    }

    public List<Integer> fencedBrokers()
    {
        return service.image().fencedBrokers();
    }

    public List<PartitionRegistration> offlinePartitions()
    {
        return service.image().offlinePartitions();
    }

    public long snapshotsTaken()
    {
        return service.snapshotsTaken();
    }

    /** Ask for a snapshot now; only the active controller's request takes effect. */
    public void takeSnapshot()
    {
        housekeeper.requestSnapshot();
    }

    /** Where the archived log starts after the last purge, -1 before any. */
    public long logPurgedUpTo()
    {
        return housekeeper.purgedUpTo();
    }

    public long logSegmentsPurged()
    {
        return housekeeper.purgedSegments();
    }

    /**
     * Whether the consensus module has stopped by itself (an unrecoverable error, such as a full disk under its log):
     * this member takes no further part in the quorum until it is launched again; {@link #lastError()} says why.
     */
    public boolean isTerminated()
    {
        return terminated;
    }

    /** The consensus module's last error, for a start-up that cannot go on. */
    public String lastError()
    {
        return lastError;
    }

    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Stop the member as a crash looks to its peers: the embedded media driver goes first, so not one more packet
     * (no goodbye, no last heartbeat) leaves; then the rest is closed. For failover tests; needs the embedded driver.
     */
    public void halt()
    {
        if (null == driver)
        {
            throw new IllegalStateException("halt() needs the embedded media driver");
        }
        CloseHelper.quietClose(driver);
        driver = null;
        CloseHelper.quietCloseAll(housekeeperRunner, aeron, container, consensusModule, archive, lockChannel);
        closed = true;
        LOG.info("controller {} halted", config.nodeId);
    }

    /**
     * Take the member's directory for this process ({@code .lock}, held until close) and then delete the mark files a
     * killed member left behind. Aeron's archive and consensus module refuse to start while a mark file looks
     * active, and one written just before a {@code kill -9} looks active for seconds; with the lock held, no other
     * process can be running this member, so any mark file in its directories is stale.
     *
     * @throws IllegalStateException when another process holds the directory.
     */
    private void lockAndClearStaleMarkFiles(final File dataDir)
    {
        try
        {
            lockChannel = FileChannel.open(new File(dataDir, ".lock").toPath(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
            dirLock = lockChannel.tryLock();
        }
        catch (final IOException | OverlappingFileLockException ex)
        {
            dirLock = null;
        }
        if (null == dirLock)
        {
            CloseHelper.quietClose(lockChannel);
            throw new IllegalStateException("controller member " + config.nodeId + ": " + dataDir +
                " is in use by another process (or another member in this one)");
        }
        for (final String sub : new String[]{"archive", "cluster"})
        {
            final File[] markFiles = new File(dataDir, sub).listFiles((d, name) -> name.contains("-mark"));
            if (null != markFiles)
            {
                for (final File markFile : markFiles)
                {
                    if (markFile.delete())
                    {
                        LOG.info("controller {}: removed {} left by a stopped process", config.nodeId, markFile);
                    }
                }
            }
        }
    }

    /** Stop the member: service, consensus module, archive, driver, in that order. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            CloseHelper.closeAll(housekeeperRunner, aeron, container, consensusModule, archive, driver);
        }
        finally
        {
            CloseHelper.quietClose(lockChannel); // releases the directory's lock
        }
        LOG.info("controller {} closed", config.nodeId);
    }
}
