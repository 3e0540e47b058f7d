package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Issue 4's rebalance benchmark, Ringlog's half: a group of {@code members - 1} kafka-clients consumers (classic
 * protocol) on a topic of {@code partitions} partitions; each round a new member joins, and the time is taken from
 * just before its first poll (its JoinGroup follows) until every member holds its new assignment (each its fair share,
 * all partitions held once); then it leaves and the time until the others hold everything again is taken too. Not a
 * test: run it by hand (see the broker README), with the same client settings against Apache Kafka once perf has
 * its side-by-side harness. The leave time starts before the leaving consumer's {@code close()}, which commits and
 * then sends LeaveGroup, so it includes the client's close.
 * <p>
 * Arguments (key=value): members (10), partitions (100), rounds (20), heartbeat.interval.ms (100), assignor (range),
 * bootstrap (none: a Ringlog broker started in this JVM; else host:port of any broker, e.g. Apache Kafka started from
 * perf's kafka-dist, measured with the same clients and settings), label (for the printed line).
 * Run with the test class path and the JVM flags of {@code ringlog.jvm.flags} in the parent pom, e.g.
 * {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp <test class path>
 * io.ringlog.broker.GroupRebalanceBenchmark rounds=20}.
 * The existing members learn of a rebalance from their next heartbeat, so the time is dominated by
 * {@code heartbeat.interval.ms}; the coordinator's own share is what is left.
 */
public final class GroupRebalanceBenchmark
{
    private GroupRebalanceBenchmark()
    {
    }

    public static void main(final String[] args)
    {
        int status = 0;
        try
        {
            run(args);
        }
        catch (final Throwable t)
        {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status); // the broker's and the clients' threads are not all daemons
    }

    private static void run(final String[] args) throws Exception
    {
        final Map<String, String> options = new java.util.HashMap<>(Map.of("members", "10", "partitions", "100",
            "rounds", "20", "heartbeat.interval.ms", "100", "assignor", "range"));
        for (final String arg : args)
        {
            options.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        final int members = Integer.parseInt(options.get("members"));
        final int partitions = Integer.parseInt(options.get("partitions"));
        final int rounds = Integer.parseInt(options.get("rounds"));
        final int heartbeatMs = Integer.parseInt(options.get("heartbeat.interval.ms"));
        final String assignor = options.get("assignor");
        final String strategy = switch (assignor)
        {
            case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
            case "cooperative-sticky" -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
            default -> "org.apache.kafka.clients.consumer.RangeAssignor";
        };
        final String external = options.get("bootstrap");
        final Path dir = external == null ? Files.createTempDirectory("ringlog-rebalance-bench") : null;
        final List<GroupMemberThread> group = new ArrayList<>();
        try (TestBroker broker = external == null ? new TestBroker(dir, "group.initial.rebalance.delay.ms=0") : null)
        {
            final String bootstrap = external == null ? broker.bootstrap() : external;
            final String label = options.getOrDefault("label", external == null ? "Ringlog" : bootstrap);
            final String topic = "bench-" + System.currentTimeMillis();
            try (Admin admin = TestBroker.adminFor(bootstrap))
            {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1))).all().get();
            }
            final Object[] settings = GroupConsumeTest.fastGroup(topic + "-group",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 45_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, heartbeatMs,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, strategy);
            final Map<String, Integer> seen = GroupMemberThread.newSeenMap();
            for (int i = 0; i < members - 1; i++)
            {
                group.add(new GroupMemberThread("m" + i, () -> TestBroker.consumerFor(bootstrap, settings), topic, seen));
            }
            awaitFair(group, partitions);
            final long[] joins = new long[rounds];
            final long[] leaves = new long[rounds];
            for (int r = 0; r < rounds; r++)
            {
                final GroupMemberThread joiner = new GroupMemberThread("joiner" + r,
                    () -> TestBroker.consumerFor(bootstrap, settings), topic, seen);
                group.add(joiner);
                awaitFair(group, partitions);
                joins[r] = System.nanoTime() - joiner.pollingSinceNanos();
                final long leaving = System.nanoTime();
                group.remove(joiner);
                joiner.close();
                awaitFair(group, partitions);
                leaves[r] = System.nanoTime() - leaving;
            }
            System.out.printf("%s, %d members, %d partitions, %s, heartbeat.interval.ms=%d, %d rounds%n", label, members,
                partitions, assignor, heartbeatMs, rounds);
            System.out.println("join -> all members assigned:  " + summary(joins));
            System.out.println("leave -> all members assigned: " + summary(leaves));
            for (final GroupMemberThread m : group)
            {
                m.close(); // while the broker still runs: they commit and leave
            }
            group.clear();
        }
        finally
        {
            if (dir != null)
            {
                try (Stream<Path> files = Files.walk(dir))
                {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /** Wait until every member holds its fair share and the partitions are held exactly once. */
    private static void awaitFair(final List<GroupMemberThread> group, final int partitions)
    {
        final int most = (partitions + group.size() - 1) / group.size();
        final int least = partitions / group.size();
        Conditions.await("a fair assignment over " + group.size() + " members", Duration.ofSeconds(60), () ->
        {
            final Set<TopicPartition> all = new HashSet<>();
            int total = 0;
            for (final GroupMemberThread m : group)
            {
                final int n = m.assignment().size();
                if (n < least || n > most)
                {
                    return false;
                }
                all.addAll(m.assignment());
                total += n;
            }
            return total == partitions && all.size() == partitions;
        });
    }

    private static String summary(final long[] nanos)
    {
        final long[] ms = Arrays.stream(nanos).map(n -> n / 1_000_000).sorted().toArray();
        return String.format("min %d ms, median %d ms, max %d ms (all: %s)", ms[0], ms[ms.length / 2],
            ms[ms.length - 1], Arrays.toString(ms));
    }
}
