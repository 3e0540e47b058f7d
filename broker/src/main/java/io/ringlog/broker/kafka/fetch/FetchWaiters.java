package io.ringlog.broker.kafka.fetch;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.transport.kafka.net.KafkaRequest;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Long-polling fetches: a Fetch that finds fewer than its {@code min.bytes} waits here, in the waiting list of each
 * partition it reads, until the high watermark of one of them moves (then it is read again, and answered if it has
 * enough) or its {@code max.wait.ms} passes (then it is answered with whatever there is), by a
 * {@link DeadlineTimerWheel}. No thread per request and no thread per partition.
 * <p>
 * An Agrona {@link Agent}, composed onto the thread of the sequencer shard that owns the first partition of each
 * fetch it holds: it runs right after the shard in the same duty cycle, so a record appended is seen by waiting
 * consumers without a hand-off between threads. {@link #offer} is called from the selector thread through a bounded
 * queue; everything else runs on the agent's thread.
 */
public final class FetchWaiters implements Agent
{
    /** Fetches taken in per duty cycle; the rest wait for the next one. */
    private static final int DRAIN_LIMIT = 256;
    /** About 1 ms (the wheel wants a power of two): max.wait.ms is honoured to within a tick. */
    private static final long TICK_NS = 1L << 20;

    private final ManyToOneConcurrentArrayQueue<PendingFetch> incoming;
    private final Map<Partition, WaitList> waiting = new IdentityHashMap<>();
    private final Long2ObjectHashMap<PendingFetch> byTimer = new Long2ObjectHashMap<>();
    private final DeadlineTimerWheel timers;
    // Method references held once: written inline in doWork they may allocate a new object per duty cycle (60-80 MB/s
    // on a spinning shard whenever the JIT does not scalar-replace them; seen with JFR on).
    private final Consumer<PendingFetch> admitHandler = this::admit;
    private final DeadlineTimerWheel.TimerHandler deadlineHandler = this::onDeadline;
    private final FetchResponder responder = new FetchResponder();
    private final List<PendingFetch> retries = new ArrayList<>();
    private final List<PendingFetch> woken = new ArrayList<>();
    private final String roleName;
    private Runnable wake = () -> { };

    /** Fetches waiting on one partition, and the high watermark they last saw. */
    private static final class WaitList
    {
        final List<PendingFetch> fetches = new ArrayList<>();
        long seenHighWatermark;
    }

    /**
     * @param capacity fetches that may be waiting at once; a fetch beyond it is answered at once with what there is.
     * @param roleName for the agent's thread.
     */
    public FetchWaiters(final int capacity, final String roleName)
    {
        this.incoming = new ManyToOneConcurrentArrayQueue<>(capacity);
        this.timers = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), TICK_NS, 512);
        this.roleName = roleName;
    }

    /**
     * Park a fetch. Selector thread.
     *
     * @return false when the waiting room is full: the caller answers the fetch now.
     */
    boolean offer(final PendingFetch fetch)
    {
        if (!incoming.offer(fetch))
        {
            return false;
        }
        wake.run();
        return true;
    }

    /** How to wake this agent's thread when a fetch is handed to it. Set before the thread starts. */
    public void wakeWith(final Runnable wakeThread)
    {
        wake = wakeThread;
    }

    /** True when fetches are waiting to be taken in: the last check before the thread parks. Agent's thread. */
    public boolean hasPendingWork()
    {
        return !incoming.isEmpty();
    }

    @Override
    public int doWork()
    {
        int work = incoming.drain(admitHandler, DRAIN_LIMIT);
        work += wakeOnHighWatermark();
        work += timers.poll(System.nanoTime(), deadlineHandler, DRAIN_LIMIT);
        work += retryBackPressured();
        return work;
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    /** Number of fetches waiting now (this agent's thread). */
    public int waitingCount()
    {
        return byTimer.size();
    }

    private void admit(final PendingFetch fetch)
    {
        if (fetch.readAll() || System.nanoTime() >= fetch.deadlineNs)
        {
            answer(fetch);
            return;
        }
        fetch.timerId = timers.scheduleTimer(fetch.deadlineNs);
        byTimer.put(fetch.timerId, fetch);
        for (int i = 0; i < fetch.partitionCount(); i++)
        {
            final Partition partition = fetch.partitions[i];
            if (partition != null)
            {
                final WaitList list = waiting.computeIfAbsent(partition, p -> new WaitList());
                if (list.fetches.isEmpty())
                {
                    list.seenHighWatermark = fetch.highWatermarks[i];
                }
                if (!list.fetches.contains(fetch))
                {
                    list.fetches.add(fetch);
                }
            }
        }
    }

    private int wakeOnHighWatermark()
    {
        if (waiting.isEmpty())
        {
            return 0;
        }
        woken.clear();
        for (final Map.Entry<Partition, WaitList> e : waiting.entrySet())
        {
            final WaitList list = e.getValue();
            final long hw = e.getKey().highWatermark();
            if (hw != list.seenHighWatermark)
            {
                list.seenHighWatermark = hw;
                for (final PendingFetch fetch : list.fetches)
                {
                    if (!woken.contains(fetch))
                    {
                        woken.add(fetch);
                    }
                }
            }
        }
        int work = 0;
        for (final PendingFetch fetch : woken)
        {
            if (fetch.readAll())
            {
                timers.cancelTimer(fetch.timerId);
                release(fetch);
                answer(fetch);
                work++;
            }
        }
        return work;
    }

    private boolean onDeadline(final TimeUnit unit, final long now, final long timerId)
    {
        final PendingFetch fetch = byTimer.get(timerId);
        if (fetch != null)
        {
            release(fetch);
            fetch.readAll();
            answer(fetch);
        }
        return true;
    }

    private void release(final PendingFetch fetch)
    {
        byTimer.remove(fetch.timerId);
        for (final Partition partition : fetch.partitions)
        {
            if (partition != null)
            {
                final WaitList list = waiting.get(partition);
                if (list != null)
                {
                    list.fetches.remove(fetch);
                    if (list.fetches.isEmpty())
                    {
                        waiting.remove(partition);
                    }
                }
            }
        }
    }

    private void answer(final PendingFetch fetch)
    {
        if (responder.respond(fetch) == KafkaRequest.BACK_PRESSURED)
        {
            retries.add(fetch);
        }
    }

    private int retryBackPressured()
    {
        if (retries.isEmpty())
        {
            return 0;
        }
        final List<PendingFetch> again = new ArrayList<>(retries);
        retries.clear();
        again.forEach(this::answer);
        return again.size();
    }
}
