package io.ringlog.broker.kafka.group;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.replica.Partition;
import io.ringlog.sequencer.ProduceStatus;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The classic group coordinator: every group this broker coordinates, their members, generations and committed
 * offsets, owned by one Agrona {@link Agent} on its own thread. No thread per group or per member.
 * <ul>
 *   <li>Requests arrive from the selector thread through a bounded many-to-one queue ({@link #submit}), drained
 *   {@value #DRAIN_LIMIT} per duty cycle. A JoinGroup or SyncGroup that must wait for the rest of the group is
 *   parked in its member and answered when the rebalance moves on.</li>
 *   <li>Session expiry, rebalance timeouts, the initial rebalance delay, the expiry of unclaimed member ids and the
 *   offset retention check are timers on one wheel ({@link GroupTimers}) polled every duty cycle.</li>
 *   <li>Records (offset commits, group metadata, tombstones) are appended to {@code __consumer_offsets} through its
 *   sequencers with acks=all; each append is answered on a shard thread into the append itself and picked up here
 *   ({@link OffsetsLog#pollCompletions}), so the answer to an OffsetCommit goes out once its record is committed,
 *   and the offset becomes visible to OffsetFetch at the same moment.</li>
 *   <li>A group is coordinated here while this broker leads its partition of {@code __consumer_offsets}, as in
 *   Kafka. The replica manager's transitions reach this thread through {@link OffsetsLeadership}: a partition this
 *   broker comes to lead (at start-up or later) is read back to rebuild its groups and their offsets
 *   ({@link GroupLoader}, a few slices per duty cycle), and its groups are answered COORDINATOR_LOAD_IN_PROGRESS
 *   until then; a partition it no longer leads, or that closes, has its groups dropped from memory at once, their
 *   waiting JoinGroups and SyncGroups answered NOT_COORDINATOR, so the members find the new coordinator. Groups of a
 *   partition another broker leads are answered NOT_COORDINATOR.</li>
 * </ul>
 * This class is the agent's shell: it owns the queue, the clock, the groups and the timer wheel, and hands each
 * request, and each timer that fires, to the collaborator that holds its logic: {@link JoinGroupApi},
 * {@link SyncGroupApi} and {@link Rebalance} (the rebalance protocol), {@link MemberSessions} (Heartbeat, LeaveGroup,
 * session expiry), {@link OffsetApis} and {@link GroupAdminApis}. They are plain objects called on this thread, not
 * agents of their own. The state machine is Kafka's classic one ({@link GroupState}); see the broker README for what
 * is kept and what is not. Thread: everything here runs on the coordinator thread except {@link #submit} and
 * {@link #isLoaded} (any thread); debug builds assert it.
 */
public final class GroupCoordinator implements Agent
{
    /** Requests waiting for the coordinator; beyond it the selector answers COORDINATOR_NOT_AVAILABLE (retriable). */
    public static final int REQUEST_QUEUE_CAPACITY = 4096;
    /** Requests taken per duty cycle. */
    static final int DRAIN_LIMIT = 64;
    /** Appends in flight past which no more requests are taken until some are answered (back-pressure). */
    static final int MAX_APPENDS_IN_FLIGHT = 1024;
    /** The client's text kept with an offset, at most (Kafka's {@code offset.metadata.max.bytes} default). */
    static final int OFFSET_METADATA_MAX_BYTES = 4096;
    /** Snapshots asked for and not made yet: a scrape asks for one at a time, so a few is plenty. */
    static final int SNAPSHOT_QUEUE_CAPACITY = 4;

    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    final GroupConfig config;
    final OffsetsLog log;
    private final OffsetsLeadership leadership;
    /** The {@link OffsetsLeadership#changes()} applied so far. */
    private long appliedChanges = -1;
    final Map<String, ClassicGroup> groups = new HashMap<>();
    private Runnable wake = () -> { };
    private final Supplier<MetadataImage> metadata;
    private final EpochClock clock;
    private final ManyToOneConcurrentArrayQueue<GroupCall> requests;
    // Held once, not written inline in doWork, where each duty cycle could allocate a new one.
    private final Consumer<GroupCall> requestHandler = this::onRequest;
    private final Consumer<CompletableFuture<List<GroupSnapshot>>> snapshotHandler =
        this::answerSnapshot;
    private final ManyToOneConcurrentArrayQueue<CompletableFuture<List<GroupSnapshot>>> snapshots =
        new ManyToOneConcurrentArrayQueue<>(SNAPSHOT_QUEUE_CAPACITY);
    private final GroupTimers timers;
    private final Rebalance rebalance;
    final MemberSessions sessions;
    private final JoinGroupApi joins;
    private final SyncGroupApi syncs;
    private final OffsetApis offsets;
    private final GroupAdminApis admin;
    private final GroupLoader loader;
    private Thread owner;
    /** No partition is being loaded (and the first duty cycle has run): any thread reads it. */
    private volatile boolean loaded;
    private long nowMs;

    /**
     * @param config     settings.
     * @param log        {@code __consumer_offsets}, through its sequencers.
     * @param leadership which of its partitions this broker leads.
     * @param metadata   the current metadata image (topic names and ids), any thread.
     * @param clock      milliseconds; the system clock, or a test's.
     */
    GroupCoordinator(final GroupConfig config, final OffsetsLog log, final OffsetsLeadership leadership,
        final Supplier<MetadataImage> metadata, final EpochClock clock)
    {
        this.config = config;
        this.log = log;
        this.leadership = leadership;
        this.metadata = metadata;
        this.clock = clock;
        this.requests = new ManyToOneConcurrentArrayQueue<>(REQUEST_QUEUE_CAPACITY);
        this.nowMs = clock.time();
        this.timers = new GroupTimers(nowMs, this::onTimer);
        this.rebalance = new Rebalance(this, timers);
        this.sessions = new MemberSessions(this, timers, rebalance);
        this.joins = new JoinGroupApi(this, timers, rebalance, sessions);
        this.syncs = new SyncGroupApi(this, rebalance, sessions);
        this.offsets = new OffsetApis(this);
        this.admin = new GroupAdminApis(this);
        this.loader = new GroupLoader(this, sessions);
    }

    /**
     * Hand a request to the coordinator. Any thread; never blocks.
     *
     * @return false when the queue is full: the caller answers the request itself.
     */
    boolean submit(final GroupCall call)
    {
        if (!requests.offer(call))
        {
            return false;
        }
        wake.run();
        return true;
    }

    /**
     * A copy of every group's state, member count and committed offsets, for metrics. Made on the coordinator thread
     * in its next duty cycle (after the start-up replay), so the coordinator never waits for the caller and never
     * shares its maps; the caller waits on the future with a timeout. Allocates in proportion to the groups and
     * their offsets: a scrape, not a request path. Any thread; never blocks.
     *
     * @return the snapshot to come; failed at once when {@value #SNAPSHOT_QUEUE_CAPACITY} are already waiting, and
     * when the coordinator closes first.
     */
    public CompletableFuture<List<GroupSnapshot>> snapshot()
    {
        final CompletableFuture<List<GroupSnapshot>> future = new CompletableFuture<>();
        if (!snapshots.offer(future))
        {
            return CompletableFuture.failedFuture(new IllegalStateException("group snapshots already waiting"));
        }
        wake.run();
        return future;
    }

    /** How a request wakes the coordinator's thread. Set before the thread starts. */
    void wakeWith(final Runnable wakeThread)
    {
        wake = wakeThread;
        log.wakeWith(wakeThread);
        leadership.wakeWith(wakeThread);
    }

    /** Requests, shard answers, leadership changes or a load waiting: the last check before the thread parks. */
    boolean hasPendingWork()
    {
        return !requests.isEmpty() || log.hasAnsweredAppends() || !snapshots.isEmpty() ||
            leadership.changes() != appliedChanges || loader.isLoading();
    }

    /** Whether no partition of {@code __consumer_offsets} is being loaded. Any thread. */
    public boolean isLoaded()
    {
        return loaded;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The agent

    @Override
    public String roleName()
    {
        return "ringlog-group-coordinator";
    }

    @Override
    public void onStart()
    {
        owner = Thread.currentThread();
        nowMs = clock.time();
        leadership.coordinatorRunning(true);
        applyLeadership();
        scheduleRetentionCheck();
    }

    @Override
    public int doWork()
    {
        assert onCoordinatorThread();
        nowMs = clock.time();
        int work = applyLeadership();
        work += log.pollCompletions();
        if (log.inFlightCount() < MAX_APPENDS_IN_FLIGHT)
        {
            work += requests.drain(requestHandler, DRAIN_LIMIT);
        }
        work += timers.poll(nowMs);
        // After the requests: a request that arrived with a partition's leadership is answered LOAD_IN_PROGRESS.
        work += loader.doWork();
        if (loaded == loader.isLoading())
        {
            loaded = !loaded;
        }
        work += snapshots.drain(snapshotHandler, SNAPSHOT_QUEUE_CAPACITY);
        return work;
    }

    /**
     * Follow the replica manager: own (and start loading) each partition this broker now leads, drop each one it no
     * longer leads. One volatile read when nothing changed.
     *
     * @return partitions taken or dropped.
     */
    private int applyLeadership()
    {
        final long changes = leadership.changes();
        if (changes == appliedChanges)
        {
            return 0;
        }
        int work = 0;
        for (int p = 0; p < log.partitionCount(); p++)
        {
            final Partition wanted = leadership.led(p);
            final Partition owned = log.owned(p);
            if (wanted == owned)
            {
                continue;
            }
            work++;
            if (owned != null)
            {
                unload(p);
            }
            if (wanted != null)
            {
                log.own(p, wanted);
                loader.start(p, wanted.log());
                loaded = false;
                LOG.info("{}-{} led here: loading its groups", OffsetsLog.TOPIC, p);
            }
        }
        appliedChanges = changes;
        leadership.applied(changes);
        return work;
    }

    /**
     * This broker no longer leads the partition (or it is closing): forget its groups, as Kafka's coordinator does on
     * resignation. Their waiting JoinGroups and SyncGroups are answered NOT_COORDINATOR, their timers cancelled, and
     * each is marked dead, so that appends still in flight for it change nothing here when they complete (an
     * OffsetCommit in flight is still answered with its append's outcome).
     */
    private void unload(final int partition)
    {
        loader.cancel(partition);
        log.disown(partition);
        int unloaded = 0;
        for (final ClassicGroup group : new ArrayList<>(groups.values()))
        {
            if (group.partition != partition)
            {
                continue;
            }
            groups.remove(group.groupId);
            unloaded++;
            for (final GroupMember member : group.members.values())
            {
                Rebalance.answerJoin(member, GroupResponses.joinError(Rebalance.versionOf(member.awaitingJoin),
                    Errors.NOT_COORDINATOR, member.memberId));
                Rebalance.answerSync(member, GroupResponses.syncError(Errors.NOT_COORDINATOR));
                timers.cancel(member.sessionTimerId);
            }
            group.pendingMembers.values().forEach(timers::cancel);
            timers.cancel(group.joinTimerId);
            timers.cancel(group.syncTimerId);
            group.transitionTo(GroupState.DEAD, nowMs);
        }
        LOG.info("{}-{} no longer led here: {} group(s) dropped", OffsetsLog.TOPIC, partition, unloaded);
    }

    /** Whether the group's partition is loaded here (its state is complete). */
    boolean isLoaded(final ClassicGroup group)
    {
        return log.state(group.partition) == OffsetsLog.LOADED;
    }

    private void answerSnapshot(final CompletableFuture<List<GroupSnapshot>> future)
    {
        final List<GroupSnapshot> all = new ArrayList<>(groups.size());
        for (final ClassicGroup group : groups.values())
        {
            if (!isLoaded(group))
            {
                continue; // being loaded: left out until its partition is read back
            }
            final List<GroupSnapshot.Committed> offsets = new ArrayList<>();
            group.offsets.forEach((topic, byPartition) -> byPartition.forEach((partition, committed) ->
                offsets.add(new GroupSnapshot.Committed(topic, partition, committed.offset()))));
            all.add(new GroupSnapshot(group.groupId, group.state.kafkaName(), group.members.size(), List.copyOf(offsets)));
        }
        future.complete(List.copyOf(all));
    }

    /** Answer every waiting request: the broker is stopping (its listener is already closed). */
    @Override
    public void onClose()
    {
        leadership.coordinatorRunning(false);
        GroupCall call;
        while ((call = requests.poll()) != null)
        {
            call.fail(Errors.NOT_COORDINATOR);
        }
        CompletableFuture<List<GroupSnapshot>> snapshot;
        while ((snapshot = snapshots.poll()) != null)
        {
            snapshot.completeExceptionally(new IllegalStateException("group coordinator closed"));
        }
        for (final ClassicGroup group : groups.values())
        {
            for (final GroupMember member : group.members.values())
            {
                Rebalance.answerJoin(member, GroupResponses.joinError(Rebalance.versionOf(member.awaitingJoin),
                    Errors.NOT_COORDINATOR, member.memberId));
                Rebalance.answerSync(member, GroupResponses.syncError(Errors.NOT_COORDINATOR));
            }
        }
    }

    private void onRequest(final GroupCall call)
    {
        try
        {
            switch (ApiKeys.forId(call.request.apiKey()))
            {
                case JOIN_GROUP -> joins.join(call);
                case SYNC_GROUP -> syncs.sync(call);
                case HEARTBEAT -> sessions.heartbeat(call);
                case LEAVE_GROUP -> sessions.leave(call);
                case OFFSET_COMMIT -> offsets.commit(call);
                case OFFSET_FETCH -> offsets.fetch(call);
                case OFFSET_DELETE -> offsets.delete(call);
                case LIST_GROUPS -> admin.list(call);
                case DESCRIBE_GROUPS -> admin.describe(call);
                case DELETE_GROUPS -> admin.delete(call);
                default -> call.fail(Errors.UNSUPPORTED_VERSION);
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.error("{} v{} failed", ApiKeys.forId(call.request.apiKey()), call.version(), ex);
            if (!call.isAnswered() && !isParked(call))
            {
                call.fail(Errors.UNKNOWN_SERVER_ERROR);
            }
        }
    }

    /** A timer fired: hand it to what it is for, which checks that it is not stale. */
    private void onTimer(final GroupTimers.Timer timer, final long timerId)
    {
        if (timer.kind() == GroupTimers.RETENTION)
        {
            offsets.expire();
            scheduleRetentionCheck();
            return;
        }
        final ClassicGroup group = groups.get(timer.groupId());
        if (group == null)
        {
            return;
        }
        switch (timer.kind())
        {
            case GroupTimers.SESSION -> sessions.onSessionTimer(group, timer.memberId(), timerId);
            case GroupTimers.PENDING_MEMBER -> joins.onMemberIdExpired(group, timer.memberId(), timerId);
            case GroupTimers.JOIN -> rebalance.onJoinTimer(group, timerId);
            case GroupTimers.SYNC -> rebalance.onSyncTimer(group, timerId);
            default -> LOG.error("unknown timer kind {}", timer.kind());
        }
    }

    private void scheduleRetentionCheck()
    {
        timers.schedule(nowMs + config.retentionCheckIntervalMs(), GroupTimers.RETENTION, null, null);
    }

    private boolean isParked(final GroupCall call)
    {
        for (final ClassicGroup group : groups.values())
        {
            for (final GroupMember m : group.members.values())
            {
                if (m.awaitingJoin == call || m.awaitingSync == call)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean onCoordinatorThread()
    {
        return owner == null || owner == Thread.currentThread();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the request classes share

    /** The time of this duty cycle. */
    long nowMs()
    {
        return nowMs;
    }

    MetadataImage image()
    {
        return metadata.get();
    }

    /**
     * @param allowEmpty the offset and admin APIs accept the empty group id, as Kafka does; membership does not.
     * @return NONE, INVALID_GROUP_ID, NOT_COORDINATOR when this broker does not lead the group's partition, or
     * COORDINATOR_LOAD_IN_PROGRESS while it is reading that partition back (both make clients retry: the first after
     * finding the coordinator again).
     */
    Errors checkGroupId(final String groupId, final boolean allowEmpty)
    {
        if (groupId == null || (!allowEmpty && groupId.isEmpty()))
        {
            return Errors.INVALID_GROUP_ID;
        }
        return switch (log.state(log.partitionFor(groupId)))
        {
            case OffsetsLog.LOADED -> Errors.NONE;
            case OffsetsLog.LOADING -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            default -> Errors.NOT_COORDINATOR;
        };
    }

    /** SyncGroup's and Heartbeat's check: a live group, a current member, its current generation. */
    static Errors checkMemberOfGeneration(final ClassicGroup group, final String memberId,
        final String groupInstanceId, final int generation)
    {
        if (group.is(GroupState.DEAD))
        {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        final Errors member = validateMember(group, memberId, groupInstanceId);
        if (member != Errors.NONE)
        {
            return member;
        }
        return generation == group.generation ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }

    /** Whether the member id (and the instance id, for a static member) names a current member. */
    static Errors validateMember(final ClassicGroup group, final String memberId, final String groupInstanceId)
    {
        if (groupInstanceId != null)
        {
            final String current = group.staticMemberId(groupInstanceId);
            if (current == null)
            {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!current.equals(memberId))
            {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return memberId != null && group.has(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /**
     * Append a batch of this group's records; {@code callback} runs here once it is committed or refused.
     *
     * @return {@link ProduceStatus#OK}, or the refusal (the callback then never runs).
     */
    int append(final ClassicGroup group, final MemoryRecords records, final PendingAppend.Callback callback)
    {
        group.appendsInFlight++;
        final int status = log.append(group.partition, records, s ->
        {
            group.appendsInFlight--;
            callback.onAppended(s);
        });
        if (status != ProduceStatus.OK)
        {
            group.appendsInFlight--;
        }
        return status;
    }
}
