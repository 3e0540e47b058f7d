package io.ringlog.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kcat (librdkafka) and kafkajs against three brokers with a replicated partition, through a leader move: both
 * write at acks=all, the partition's leader is shut down, both write again (finding the new leader themselves), and
 * each reads back every record, in order, from the new leader. Run by {@code mvn verify -Pinterop} (kcat and kafkajs
 * installed, as {@code .ci/run} does); a missing tool is a failure, never a skip.
 */
@Timeout(180)
class ClusterInteropIT
{
    private static final String TOPIC = "interop-cluster";
    private static final int PER_WRITE = 100;
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ThreeBrokers cluster;
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stop()
    {
        children.forEach(Process::destroyForcibly);
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void kcatAndKafkajsFollowALeaderMove() throws Exception
    {
        final String kcat = executable("kcat");
        final String node = executable("node");
        final Path modules = Path.of(System.getProperty("ringlog.interop.node.modules", "target/node/node_modules"))
            .toAbsolutePath();
        assertTrue(Files.isRegularFile(modules.resolve("kafkajs/package.json")), "kafkajs is not installed in " +
            modules + ": run npm install --prefix " + modules.getParent() + " kafkajs@2.2.4 (.ci/run does)");
        final String script = Path.of("src/test/js/kafkajs-cluster.js").toAbsolutePath().toString();

        cluster = new ThreeBrokers(dir, id -> new String[0]);
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short)3).configs(Map.of("min.insync.replicas", "2"))))
                .all().get(30, TimeUnit.SECONDS);
        }
        final List<String> expected = new ArrayList<>();
        final String all = cluster.bootstrap();
        write(kcat, node, script, modules, all, "before", expected);

        final int leader;
        try (Admin admin = TestBroker.adminFor(all))
        {
            leader = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC)
                .partitions().get(0).leader().id();
        }
        cluster.stop(leader);
        try (Admin admin = TestBroker.adminFor(cluster.bootstrap()))
        {
            Conditions.await("a new leader", Duration.ofSeconds(30), () ->
            {
                try
                {
                    final TopicPartitionInfo p = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(5, TimeUnit.SECONDS).get(TOPIC).partitions().get(0);
                    return p.leader() != null && p.leader().id() != leader;
                }
                catch (final Exception ex)
                {
                    return false;
                }
            });
        }
        // The clients are given every broker, the stopped one first: they must find the new leader themselves.
        write(kcat, node, script, modules, all, "after", expected);

        final Result kcatRead = run(modules, List.of(kcat, "-C", "-b", all, "-t", TOPIC, "-p", "0", "-o", "beginning",
            "-e", "-q"), "");
        assertEquals(0, kcatRead.exitCode, kcatRead.toString());
        assertEquals(expected, kcatRead.stdout.lines().toList(), "kcat read back");

        final Result jsRead = run(modules, List.of(node, script, "consume", cluster.bootstrap(), TOPIC,
            Integer.toString(expected.size())), "");
        assertEquals(0, jsRead.exitCode, jsRead.toString());
        final String json = jsRead.stdout.strip();
        final List<String> jsValues = List.of(json.substring(json.indexOf('[') + 2, json.lastIndexOf(']') - 1)
            .split("\",\""));
        assertEquals(expected, jsValues, "kafkajs read back");
        System.out.println("cluster interop: kcat and kafkajs wrote " + expected.size() + " records at acks=all " +
            "across the shutdown of leader " + leader + " and read them all back");
    }

    /** kcat then kafkajs each write {@link #PER_WRITE} records at acks=all, appended to {@code expected}. */
    private void write(final String kcat, final String node, final String script, final Path modules,
        final String bootstrap, final String phase, final List<String> expected) throws Exception
    {
        final List<String> kcatValues = IntStream.range(0, PER_WRITE).mapToObj(i -> "kcat-" + phase + "-" + i)
            .toList();
        final Result kcatWrite = run(modules, List.of(kcat, "-P", "-b", bootstrap, "-t", TOPIC, "-p", "0",
            "-X", "acks=all", "-X", "enable.idempotence=true"), kcatValues.stream().collect(Collectors.joining("\n",
            "", "\n")));
        assertEquals(0, kcatWrite.exitCode, kcatWrite.toString());
        expected.addAll(kcatValues);
        final Result jsWrite = run(modules, List.of(node, script, "produce", bootstrap, TOPIC, "js-" + phase,
            Integer.toString(PER_WRITE)), "");
        assertEquals(0, jsWrite.exitCode, jsWrite.toString());
        IntStream.range(0, PER_WRITE).forEach(i -> expected.add("js-" + phase + "-" + i));
    }

    private Result run(final Path modules, final List<String> command, final String stdin) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NODE_PATH", modules.toString());
        final Path out = Files.createTempFile(dir, "tool", ".out");
        final Path err = Files.createTempFile(dir, "tool", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        final Process process = builder.start();
        children.add(process);
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(command.get(0) + " did not finish in " + TOOL_TIMEOUT + ": " + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String executable(final String name)
    {
        for (final String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path candidate = Path.of(d, name);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return fail(name + " is not on PATH; the interop profile needs it (.ci/run installs it)");
    }

    private record Result(int exitCode, String stdout, String stderr)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + ", stdout: " + stdout.strip() + ", stderr: " + stderr.strip();
        }
    }
}
