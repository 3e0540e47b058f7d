package io.ringlog.broker.kafka.group;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.PartitionListener;
import io.ringlog.broker.core.replica.ReplicaManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Which partitions of {@code __consumer_offsets} this broker leads, handed from the replica manager to the
 * coordinator: a group is coordinated by the broker that leads its partition, as in Kafka. The replica manager's
 * transitions ({@link #onBecomeLeader}, {@link #onBecomeFollower}, {@link #onClosing}) record the partition under
 * its index and count a change; the coordinator compares the count once per duty cycle (one volatile read when
 * nothing changed) and, when it moved, loads the partitions it now leads and drops the groups of those it does not
 * ({@link GroupCoordinator}). Nothing is queued, so nothing can fill: however many transitions happen between two
 * duty cycles, the coordinator sees the latest one of each partition.
 * <p>
 * A closing partition's log is unmapped once {@link #onClosing} returns, so it waits until the coordinator has
 * applied the change (it then neither reads nor appends to that log), at most {@value #CLOSE_WAIT_MS} ms and not at all
 * when the coordinator is not running.
 * <p>
 * Threads: the listener methods run on the replica manager's thread (the quorum client's, the admin thread, or
 * start-up), {@link #adopt} on start-up; the reads and {@link #applied} on the coordinator thread.
 */
final class OffsetsLeadership implements PartitionListener
{
    /** The longest a closing partition waits for the coordinator to let go of it. */
    static final long CLOSE_WAIT_MS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(OffsetsLeadership.class);

    private final Map<Integer, Partition> led = new ConcurrentHashMap<>();
    /** Partitions a transition has been heard for: {@link #adopt} leaves them alone. Guarded by this. */
    private final Set<Integer> heard = new java.util.HashSet<>();
    private final AtomicLong changes = new AtomicLong();
    private volatile long applied;
    private volatile boolean coordinatorRunning;
    private volatile Runnable wake = () -> { };

    @Override
    public void onBecomeLeader(final Partition partition, final int leaderEpoch)
    {
        if (isOffsets(partition))
        {
            record(partition.index(), partition);
        }
    }

    @Override
    public void onBecomeFollower(final Partition partition, final int leaderId, final int leaderEpoch)
    {
        if (isOffsets(partition))
        {
            record(partition.index(), null);
        }
    }

    @Override
    public void onClosing(final Partition partition)
    {
        if (!isOffsets(partition))
        {
            return;
        }
        final long change = record(partition.index(), null);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        while (coordinatorRunning && applied < change)
        {
            if (System.nanoTime() > deadline)
            {
                LOG.error("{}: the group coordinator did not let go of it within {} ms; closing it anyway", partition,
                    CLOSE_WAIT_MS);
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Take the partitions this broker already leads (opened before this listener was added). A partition a
     * transition has been heard for meanwhile is left as the transition said. Any thread, once, at start-up.
     */
    synchronized void adopt(final ReplicaManager partitions, final int partitionCount)
    {
        for (int p = 0; p < partitionCount; p++)
        {
            final Partition partition = partitions.partition(OffsetsLog.TOPIC, p);
            if (!heard.contains(p) && partition != null && partition.isLeader())
            {
                led.put(p, partition);
            }
        }
        changes.incrementAndGet();
        wake.run();
    }

    private synchronized long record(final int index, final Partition partition)
    {
        heard.add(index);
        if (partition == null)
        {
            led.remove(index);
        }
        else
        {
            led.put(index, partition);
        }
        final long change = changes.incrementAndGet();
        wake.run();
        return change;
    }

    private static boolean isOffsets(final Partition partition)
    {
        return OffsetsLog.TOPIC.equals(partition.topic());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The coordinator's side

    /** The partition with this index if this broker leads it, else null. Any thread. */
    Partition led(final int index)
    {
        return led.get(index);
    }

    /** Transitions counted so far: the coordinator applies them when it has applied fewer. Any thread. */
    long changes()
    {
        return changes.get();
    }

    /** The coordinator has applied the transitions up to {@code change}. Coordinator thread. */
    void applied(final long change)
    {
        applied = change;
    }

    /** Whether {@link #onClosing} should wait for the coordinator. Coordinator thread, at its start and close. */
    void coordinatorRunning(final boolean running)
    {
        coordinatorRunning = running;
    }

    /** How a transition wakes the coordinator's thread. */
    void wakeWith(final Runnable wakeThread)
    {
        wake = wakeThread;
    }
}
