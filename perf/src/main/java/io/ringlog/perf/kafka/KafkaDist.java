package io.ringlog.perf.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Kafka 4.3.1's jars are ({@code perf/target/kafka-4.3.1/libs}, copied from Maven Central by
 * {@code perf/kafka-dist/pom.xml}), and how its processes are launched: the broker, StorageTool, the perf tools and
 * this package's probes all run with that classpath, never with the harness's. Immutable.
 *
 * @param java          the java executable (the harness's own).
 * @param libs          the directory of jars.
 * @param log4jConfig   {@code perf/kafka-dist/log4j2.properties}.
 * @param harnessCode   the directory or jar holding this package's classes, appended for the probes.
 */
record KafkaDist(String java, Path libs, Path log4jConfig, Path harnessCode)
{
    /** The tools' JVM: kafka-producer-perf-test.sh's heap and kafka-run-class.sh's performance options. */
    static final List<String> TOOL_JVM_FLAGS = List.of("-Xmx512m", "-server", "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true");

    /**
     * Check the jars are there.
     *
     * @throws IOException naming what is missing and the command that provides it.
     */
    void check() throws IOException
    {
        for (final String jar : List.of("kafka_2.13-4.3.1.jar", "kafka-tools-4.3.1.jar", "kafka-clients-4.3.1.jar"))
        {
            if (!Files.isRegularFile(libs.resolve(jar)))
            {
                throw new IOException("missing " + libs.resolve(jar) + ": run mvn -B -q -f perf/kafka-dist/pom.xml "
                    + "dependency:copy-dependencies -DoutputDirectory=$PWD/perf/target/kafka-4.3.1/libs");
            }
        }
        if (!Files.isRegularFile(log4jConfig))
        {
            throw new IOException("missing " + log4jConfig);
        }
    }

    /** @return Kafka's classpath, as {@code libs/*}. */
    String classpath()
    {
        return libs.toAbsolutePath() + "/*";
    }

    /**
     * Kafka's jars first, so the probes run on Kafka 4.3.1's kafka-clients even when the harness's code is a jar
     * that holds another version.
     *
     * @return the probes' classpath.
     */
    String probeClasspath()
    {
        return classpath() + ":" + harnessCode.toAbsolutePath();
    }

    /**
     * @param level log level for the root logger.
     * @param flags the process's own JVM flags.
     * @return the flags plus the logging configuration.
     */
    List<String> jvmFlags(final String level, final List<String> flags)
    {
        final List<String> all = new ArrayList<>(flags);
        all.add("-Dlog4j2.configurationFile=" + log4jConfig.toAbsolutePath());
        all.add("-Dkafka.perf.log.level=" + level);
        return all;
    }
}
