package io.ringlog.broker.kafka.group;

import io.ringlog.sequencer.ShardIdleStrategy;
import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.group.GroupCoordination;
import io.ringlog.broker.kafka.AsyncApi;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.replica.ReplicaManager;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemEpochClock;

import java.util.Map;

/**
 * The group coordinator as the broker wires it: creates {@code __consumer_offsets} when it is missing, listens to the
 * replica manager for the partitions of it this broker leads ({@link OffsetsLeadership}), starts the
 * {@link GroupCoordinator} on its own thread ({@code ringlog-group-coordinator}, back-off idle: a cold path never
 * busy-spins, whatever {@code idle.strategy} says), and hands the router the group APIs. Close it before the
 * partitions, so that no append is offered to a closing log.
 */
public final class GroupService implements AutoCloseable
{
    private final GroupCoordinator coordinator;
    private final GroupApis apis;
    private final AgentRunner runner;
    private final GroupCoordination coordination;
    private final ReplicaManager partitions;
    private final OffsetsLeadership leadership;

    private GroupService(final GroupCoordinator coordinator, final GroupApis apis, final AgentRunner runner,
        final ReplicaManager partitions, final OffsetsLeadership leadership)
    {
        this.coordinator = coordinator;
        this.apis = apis;
        this.runner = runner;
        this.partitions = partitions;
        this.leadership = leadership;
        this.coordination = new ClassicGroupCoordination(apis.byApiKey());
    }

    /**
     * Ensure {@code __consumer_offsets} exists and start the coordinator; on its own thread it loads the partitions of
     * the topic this broker leads, and follows leadership from then on.
     */
    public static GroupService start(final BrokerConfig config, final Controller controller,
        final ReplicaManager partitions, final ErrorHandler errors)
    {
        // Listen before the topic may be created, so that none of its partitions' transitions is missed; then take
        // the partitions already led (opened before this listener was added).
        final OffsetsLeadership leadership = new OffsetsLeadership();
        partitions.addListener(leadership);
        final int partitionCount;
        try
        {
            partitionCount = OffsetsLog.ensureTopic(controller, config);
        }
        catch (final RuntimeException ex)
        {
            partitions.removeListener(leadership);
            throw ex;
        }
        leadership.adopt(partitions, partitionCount);
        final OffsetsLog log = new OffsetsLog(partitionCount);
        final GroupCoordinator coordinator = new GroupCoordinator(GroupConfig.from(config), log, leadership,
            controller::image, SystemEpochClock.INSTANCE);
        // Parks up to 1 ms when idle and is woken by requests and by the shards' answers to its appends.
        final ShardIdleStrategy idle = new ShardIdleStrategy().hasWork(coordinator::hasPendingWork);
        coordinator.wakeWith(idle::wake);
        final AgentRunner runner = new AgentRunner(idle, errors, null, coordinator);
        AgentRunner.startOnThread(runner);
        return new GroupService(coordinator, new GroupApis(coordinator, controller), runner, partitions, leadership);
    }

    /** The group APIs by api key, for the router. */
    public Map<Short, AsyncApi> asyncApis()
    {
        return apis.byApiKey();
    }

    /** The coordinator as the core's protocol-neutral {@link GroupCoordination}, for the native edge. */
    public GroupCoordination coordination()
    {
        return coordination;
    }

    public GroupCoordinator coordinator()
    {
        return coordinator;
    }

    /** Stop the coordinator thread, answering what it holds, and stop listening to the replica manager. Idempotent. */
    @Override
    public void close()
    {
        CloseHelper.quietClose(runner);
        partitions.removeListener(leadership);
    }
}
