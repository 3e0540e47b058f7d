package io.ringlog.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The distribution as an operator gets it: {@code tools/target/ringlog-<version>.tar.gz} unpacked, then
 * {@code bin/ringlog server} from the unpacked directory (its lib/, its config/) and the other subcommands against
 * it. Runs after {@code package} (the integration-test phase), since it needs the archive.
 */
@Timeout(120)
class DistributionIT
{
    private static final Pattern STARTED = Pattern.compile("ringlog: broker started on port (\\d+)");

    @TempDir
    Path dir;

    @Test
    void unpackedDistributionRunsABrokerAndTheCommandLine() throws Exception
    {
        final Path home = unpack();
        assertTrue(Files.isExecutable(home.resolve("bin/ringlog")));
        assertTrue(Files.readString(home.resolve("config/server.properties")).contains("#metrics.port=-1"));
        assertTrue(Files.exists(home.resolve("config/simplelogger.properties")));
        assertTrue(Files.exists(home.resolve("README.md")));
        final List<String> jars = jars(home.resolve("lib"));
        for (final String prefix : new String[]{"ringlog-tools-", "ringlog-broker-", "ringlog-journal-",
            "kafka-clients-", "picocli-", "HdrHistogram-", "prometheus-metrics-exporter-httpserver-", "slf4j-simple-"})
        {
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(prefix)), () -> prefix + " missing from " + jars);
        }
        assertFalse(jars.stream().anyMatch(j -> j.startsWith("junit")), jars::toString);

        final int metricsPort = TestBroker.freePort();
        final Path stderr = dir.resolve("server.stderr");
        final Process server = command(home, "server", "--config", "config/server.properties",
            "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"),
            // the native path stays on, as shipped, with its own media driver dir and IPC only (no fixed UDP port)
            "--override", "aeron.dir=" + dir.resolve("aeron"), "--override", "native.ingress.channels=aeron:ipc",
            "--override", "offsets.topic.num.partitions=1", "--override", "metrics.port=" + metricsPort)
            .redirectError(stderr.toFile()).start();
        try
        {
            final String bootstrap = "127.0.0.1:" + awaitStartLine(server);
            assertEquals(0, run(home, null, "topics", "create", "shipped", "-b", bootstrap).exitCode());
            assertEquals(0, run(home, "hello\n", "produce", "shipped", "-b", bootstrap).exitCode());
            final Cli.Result consumed = run(home, null, "consume", "shipped", "--from-beginning", "-n", "1",
                "-b", bootstrap);
            assertEquals("hello\n", consumed.stdout(), consumed::toString);

            final String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scrape.contains("ringlog_partition_log_end_offset{partition=\"0\",topic=\"shipped\"} 1.0"),
                scrape);

            // config/simplelogger.properties is on the class path: dated lines with the thread and logger.
            assertTrue(Files.readString(stderr).matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* " +
                "\\[main] INFO io\\.ringlog\\.broker\\..*"), () -> read(stderr));
        }
        finally
        {
            server.destroy(); // SIGTERM: a clean stop
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the broker did not stop on SIGTERM");
        }
        assertTrue(read(stderr).contains("Ringlog broker 1 stopped"), () -> read(stderr));
    }

    private Path unpack() throws Exception
    {
        final String dist = System.getProperty("ringlog.dist");
        assumeTrue(dist != null, "runs in the integration-test phase, where the archive exists");
        final Path archive = Path.of(dist);
        assertTrue(Files.exists(archive), () -> archive + " is missing: run the package phase first");
        final Process tar = new ProcessBuilder("tar", "xzf", archive.toAbsolutePath().toString(), "-C",
            dir.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar failed");
        try (Stream<Path> top = Files.list(dir))
        {
            return top.filter(p -> p.getFileName().toString().startsWith("ringlog-")).findFirst().orElseThrow();
        }
    }

    private static ProcessBuilder command(final Path home, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/ringlog").toString());
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("RINGLOG_BOOTSTRAP_SERVER");
        return pb;
    }

    private static Cli.Result run(final Path home, final String stdin, final String... args) throws Exception
    {
        final Path out = Files.createTempFile("dist-", ".out");
        final Path err = Files.createTempFile("dist-", ".err");
        final ProcessBuilder pb = command(home, args).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null)
        {
            pb.redirectInput(new File("/dev/null"));
        }
        else
        {
            final Path in = Files.writeString(Files.createTempFile("dist-", ".in"), stdin);
            pb.redirectInput(in.toFile());
        }
        final long start = System.nanoTime();
        final Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            fail("bin/ringlog " + String.join(" ", args) + " did not finish");
        }
        return new Cli.Result(p.exitValue(), read(out), read(err), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The port from the server's start line; the read blocks until it comes, bounded by the test's time-out. */
    private static int awaitStartLine(final Process server) throws IOException
    {
        final BufferedReader reader = new BufferedReader(
            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine())
        {
            final Matcher m = STARTED.matcher(line);
            if (m.matches())
            {
                return Integer.parseInt(m.group(1));
            }
        }
        return fail("the broker exited before its start line");
    }

    private static List<String> jars(final Path lib) throws IOException
    {
        try (Stream<Path> files = Files.list(lib))
        {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + file + ")";
        }
    }
}
