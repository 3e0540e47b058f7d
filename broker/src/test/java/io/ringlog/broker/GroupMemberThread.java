package io.ringlog.broker;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One real KafkaConsumer in a group, on a thread of its own (a consumer is single-threaded): it subscribes, polls,
 * records every value it reads into a shared map (value to times seen), commits synchronously after each batch and
 * on revocation, and keeps its current assignment and every revocation for the test to check. It can be told to
 * stall (its poll thread blocks, as a consumer stuck processing) and to stop (close, leaving the group).
 */
final class GroupMemberThread implements AutoCloseable
{
    final String name;
    final Map<String, Integer> seen;
    final List<Set<TopicPartition>> revocations = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicReference<Set<TopicPartition>> assignment = new AtomicReference<>(Set.of());
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean stop;
    private volatile CountDownLatch stall;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile int rebalances;
    private volatile long pollingSinceNanos;

    GroupMemberThread(final String name, final Supplier<KafkaConsumer<String, String>> factory, final String topic,
        final Map<String, Integer> seen)
    {
        this.name = name;
        this.seen = seen;
        this.thread = new Thread(() -> run(factory, topic), "group-member-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run(final Supplier<KafkaConsumer<String, String>> factory, final String topic)
    {
        try (KafkaConsumer<String, String> c = factory.get())
        {
            consumer = c;
            c.subscribe(List.of(topic), new ConsumerRebalanceListener()
            {
                @Override
                public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
                {
                    if (!partitions.isEmpty())
                    {
                        revocations.add(Set.copyOf(partitions));
                        c.commitSync();
                    }
                    final Set<TopicPartition> now = new HashSet<>(assignment.get());
                    now.removeAll(partitions);
                    assignment.set(Set.copyOf(now));
                }

                @Override
                public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
                {
                    rebalances++;
                    final Set<TopicPartition> now = new HashSet<>(assignment.get());
                    now.addAll(partitions);
                    assignment.set(Set.copyOf(now));
                }

                @Override
                public void onPartitionsLost(final Collection<TopicPartition> partitions)
                {
                    final Set<TopicPartition> now = new HashSet<>(assignment.get());
                    now.removeAll(partitions);
                    assignment.set(Set.copyOf(now));
                }
            });
            started.countDown();
            pollingSinceNanos = System.nanoTime();
            while (!stop)
            {
                final CountDownLatch s = stall;
                if (s != null)
                {
                    s.await();
                    stall = null;
                }
                final ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(100));
                for (final ConsumerRecord<String, String> r : records)
                {
                    seen.merge(r.value(), 1, Integer::sum);
                }
                if (!records.isEmpty())
                {
                    c.commitSync();
                }
            }
        }
        catch (final WakeupException ex)
        {
            // stopped
        }
        catch (final Throwable t)
        {
            errors.add(t);
        }
        finally
        {
            assignment.set(Set.of());
        }
    }

    Set<TopicPartition> assignment()
    {
        return assignment.get();
    }

    int rebalances()
    {
        return rebalances;
    }

    /** {@code System.nanoTime()} just before the first poll (so before the member's first JoinGroup), or 0. */
    long pollingSinceNanos()
    {
        return pollingSinceNanos;
    }

    /** Block the poll thread until {@link #resume()}: no poll, so no rejoin (the heartbeat thread goes on). */
    void stall()
    {
        stall = new CountDownLatch(1);
    }

    void resume()
    {
        final CountDownLatch s = stall;
        if (s != null)
        {
            s.countDown();
        }
    }

    boolean isAlive()
    {
        return thread.isAlive();
    }

    /** Close the consumer (it leaves the group) and wait for the thread. */
    @Override
    public void close() throws InterruptedException
    {
        stop = true;
        resume();
        final KafkaConsumer<String, String> c = consumer;
        if (c != null)
        {
            c.wakeup();
        }
        thread.join(30_000);
    }

    static List<Throwable> allErrors(final Collection<GroupMemberThread> members)
    {
        final List<Throwable> all = new ArrayList<>();
        members.forEach(m -> all.addAll(m.errors));
        return all;
    }

    static Map<String, Integer> newSeenMap()
    {
        return new ConcurrentHashMap<>();
    }
}
