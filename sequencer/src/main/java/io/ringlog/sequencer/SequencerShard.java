package io.ringlog.sequencer;

import io.ringlog.sequencer.ack.AckTimerWheel;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemEpochClock;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * An Agrona {@link Agent} that is the single writer of a set of partitions: each duty cycle it runs the queued
 * control commands, drains each partition's ring (at most {@link SequencerConfig#drainLimit()} events per partition,
 * so one hot partition cannot starve the others), expires acks=all requests whose timeout passed, and every
 * {@link SequencerConfig#housekeepingIntervalMs()} runs retention and producer expiry. {@link #doWork()} returns
 * the sum of those steps.
 * <p>
 * Run it with an {@code AgentRunner} (or inside a {@code CompositeAgent}). The idle strategy is the deployment's
 * choice: a {@code BackoffIdleStrategy} (spin, yield, then park up to its max park period; that period bounds the
 * added latency of a request arriving at an idle shard) for the 2-core default, a busy spin on a pinned core for the
 * trading profile, where one shard may own a single hot partition.
 *
 * <h2>Threads</h2>
 * The partition set, the timer wheel and every partition's writer state belong to the thread running
 * {@link #doWork()} (debug builds assert it). Other threads reach them only through the bounded command queue:
 * {@link #addPartition}, {@link #removePartition} and the control methods of {@link PartitionSequencer}, which
 * answer through {@link CompletableFuture}s completed on the shard thread. {@link #partitionCount()} and
 * {@link #maxDutyCycleNs()} may be read from any thread.
 * <p>
 * On close (the runner stopping) every partition is removed as by {@link #removePartition}: its waiting and queued
 * requests answered NOT_LEADER_OR_FOLLOWER and its log closed; commands still queued fail.
 */
public final class SequencerShard implements Agent
{
    private static final System.Logger LOG = System.getLogger(SequencerShard.class.getName());
    /** Commands run per duty cycle at most: control traffic must not starve the produce path. */
    private static final int COMMAND_LIMIT = 16;
    /** On close, how long to wait for producers that have claimed a ring slot to publish it. */
    private static final long CLOSE_DRAIN_TIMEOUT_NS = 1_000_000_000L;

    private final String roleName;
    private final SequencerConfig config;
    private final EpochClock clock;
    private final ErrorHandler errors;
    private final ManyToOneConcurrentArrayQueue<ShardCommand<?>> commands;
    private volatile ShardIdleStrategy idle;
    private final AckTimerWheel timers;
    private final java.util.function.Consumer<ShardCommand<?>> runCommand = ShardCommand::run;
    private PartitionSequencer[] partitions = new PartitionSequencer[16];
    private int count;
    private Thread thread;
    private long nowMs;
    private long nextHousekeepingMs;
    private volatile int partitionCount;
    private volatile long maxDutyCycleNs;
    private volatile boolean closed;

    /**
     * A shard on the system clock that logs the errors it catches.
     *
     * @param roleName the agent's name (the thread's name under an {@code AgentRunner}).
     */
    public SequencerShard(final String roleName, final SequencerConfig config)
    {
        this(roleName, config, SystemEpochClock.INSTANCE, SequencerShard::logError);
    }

    /**
     * @param roleName the agent's name.
     * @param config   drain cap, queue sizes, housekeeping interval.
     * @param clock    milliseconds for timeouts, retention and producer expiry.
     * @param errors   told of exceptions caught in the duty cycle (completions that throw, bugs).
     */
    public SequencerShard(final String roleName, final SequencerConfig config, final EpochClock clock, final ErrorHandler errors)
    {
        this.roleName = roleName;
        this.config = config;
        this.clock = clock;
        this.errors = errors;
        this.commands = new ManyToOneConcurrentArrayQueue<>(config.commandQueueCapacity());
        this.nowMs = clock.time();
        this.timers = new AckTimerWheel(nowMs);
        this.nextHousekeepingMs = nowMs + config.housekeepingIntervalMs();
    }

    /**
     * Make this shard the writer of {@code partition}: from the next duty cycle on its ring is drained here. Any
     * thread. Fails with {@link IllegalStateException} when it is on a shard already or closed, with
     * {@link RejectedExecutionException} when the command queue is full or the shard closed.
     */
    public CompletableFuture<Void> addPartition(final PartitionSequencer partition)
    {
        return submit(() ->
        {
            partition.attach(this, timers, errors);
            if (count == partitions.length)
            {
                partitions = Arrays.copyOf(partitions, count * 2);
            }
            partitions[count++] = partition;
            partitionCount = count;
            return null;
        });
    }

    /**
     * Take {@code partition} off this shard and close its log: offers answer NOT_LEADER_OR_FOLLOWER at once, what
     * its ring and waiting list hold is answered NOT_LEADER_OR_FOLLOWER (not appended), and the future completes once
     * the log is closed. Any thread.
     */
    public CompletableFuture<Void> removePartition(final PartitionSequencer partition)
    {
        final CompletableFuture<Void> removed = new CompletableFuture<>();
        submit(() ->
        {
            if (partition.shard() != this || partition.writer().isClosing())
            {
                throw new IllegalStateException(partition + " is not on " + roleName + " or already leaving");
            }
            partition.writer().beginClose(removed);
            return null;
        }).whenComplete((ignored, failure) ->
        {
            if (failure != null)
            {
                removed.completeExceptionally(failure);
            }
        });
        return removed;
    }

    /**
     * Let offers and commands wake this shard's thread when it parks idle: pass the same strategy to its
     * {@code AgentRunner}. Without it the shard relies on its runner's idle strategy alone.
     */
    public void wakeWith(final ShardIdleStrategy strategy)
    {
        idle = strategy;
    }

    /** Work was handed to this shard (an offer, a command). Any thread; one volatile read when not parked. */
    void wake()
    {
        final ShardIdleStrategy strategy = idle;
        if (strategy != null)
        {
            strategy.wake();
        }
    }

    /**
     * True when commands or produce events are waiting: the last check before the thread parks. Shard thread.
     */
    public boolean hasPendingWork()
    {
        if (!commands.isEmpty())
        {
            return true;
        }
        for (int i = 0; i < count; i++)
        {
            if (partitions[i].hasEvents())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Queue {@code action} to run on the shard thread. Any thread; cold path (allocates the command and future).
     */
    <T> CompletableFuture<T> submit(final Supplier<T> action)
    {
        final ShardCommand<T> command = new ShardCommand<>(action);
        if (closed)
        {
            command.reject(new RejectedExecutionException(roleName + " is closed"));
        }
        else if (!commands.offer(command))
        {
            command.reject(new RejectedExecutionException(roleName + "'s command queue is full"));
        }
        else if (closed)
        {
            // Closed meanwhile: the shard thread has stopped running commands, so this one would wait forever.
            command.reject(new RejectedExecutionException(roleName + " is closed"));
        }
        else
        {
            wake();
        }
        return command.future();
    }

    @Override
    public void onStart()
    {
        thread = Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        if (thread == null)
        {
            thread = Thread.currentThread(); // driven directly, without a runner
        }
        final long startNs = System.nanoTime();
        final long now = clock.time();
        nowMs = now;
        int work = commands.drain(runCommand, COMMAND_LIMIT);
        for (int i = 0; i < count; )
        {
            final PartitionWriter writer = partitions[i].writer();
            work += writer.drain(now);
            if (writer.isClosing() && writer.closeDrained())
            {
                finishRemoval(i);
                work++;
            }
            else
            {
                i++;
            }
        }
        work += timers.poll(now);
        if (now >= nextHousekeepingMs)
        {
            nextHousekeepingMs = now + config.housekeepingIntervalMs();
            work += housekeeping(now);
        }
        if (work > 0)
        {
            final long cycleNs = System.nanoTime() - startNs;
            if (cycleNs > maxDutyCycleNs)
            {
                maxDutyCycleNs = cycleNs;
            }
        }
        return work;
    }

    private int housekeeping(final long now)
    {
        int work = 0;
        for (int i = 0; i < count; i++)
        {
            final PartitionWriter writer = partitions[i].writer();
            if (!writer.isClosing())
            {
                try
                {
                    work += writer.housekeeping(now);
                }
                catch (final Throwable ex)
                {
                    errors.onError(ex);
                }
            }
        }
        return work;
    }

    private void finishRemoval(final int index)
    {
        final PartitionSequencer partition = partitions[index];
        System.arraycopy(partitions, index + 1, partitions, index, count - index - 1);
        partitions[--count] = null;
        partitionCount = count;
        try
        {
            partition.writer().finishClose();
        }
        catch (final Throwable ex)
        {
            errors.onError(ex);
        }
    }

    /**
     * The runner is stopping: fail queued commands, then remove every partition, waiting (up to one second) for
     * producers that claimed a ring slot to publish it, so that every accepted offer is answered.
     */
    @Override
    public void onClose()
    {
        closed = true;
        commands.drain(command -> command.reject(new RejectedExecutionException(roleName + " is closed")));
        for (int i = 0; i < count; i++)
        {
            if (!partitions[i].writer().isClosing())
            {
                partitions[i].writer().beginClose(null);
            }
        }
        final long deadline = System.nanoTime() + CLOSE_DRAIN_TIMEOUT_NS;
        while (count > 0)
        {
            final PartitionWriter writer = partitions[count - 1].writer();
            writer.drain(clock.time());
            if (writer.closeDrained() || System.nanoTime() > deadline)
            {
                finishRemoval(count - 1);
            }
            else
            {
                Thread.yield();
            }
        }
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    /** Partitions on this shard, those being removed included. Any thread. */
    public int partitionCount()
    {
        return partitionCount;
    }

    /** The longest duty cycle that did work, in nanoseconds, since start. Any thread. */
    public long maxDutyCycleNs()
    {
        return maxDutyCycleNs;
    }

    /** The time at the start of the current duty cycle. Shard thread. */
    long nowMs()
    {
        return nowMs;
    }

    boolean isShardThread()
    {
        return thread == null || thread == Thread.currentThread();
    }

    private static void logError(final Throwable ex)
    {
        LOG.log(System.Logger.Level.ERROR, "sequencer shard error", ex);
    }

    @Override
    public String toString()
    {
        return "SequencerShard{" + roleName + ", partitions=" + partitionCount + '}';
    }

    /** A control action queued to the shard thread with the future that answers it. */
    private static final class ShardCommand<T>
    {
        private final Supplier<T> action;
        private final CompletableFuture<T> future = new CompletableFuture<>();

        ShardCommand(final Supplier<T> action)
        {
            this.action = action;
        }

        void run()
        {
            try
            {
                future.complete(action.get());
            }
            catch (final Throwable ex)
            {
                future.completeExceptionally(ex);
            }
        }

        void reject(final Throwable reason)
        {
            future.completeExceptionally(reason);
        }

        CompletableFuture<T> future()
        {
            return future;
        }
    }
}
