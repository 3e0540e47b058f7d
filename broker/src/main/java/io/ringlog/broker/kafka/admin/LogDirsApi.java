package io.ringlog.broker.kafka.admin;

import io.ringlog.broker.core.replica.Partition;
import io.ringlog.broker.core.replica.ReplicaManager;
import io.ringlog.broker.kafka.ColdPathApi;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * DescribeLogDirs, as Kafka answers it: every configured log dir (its absolute path, and from v4 the total and usable
 * bytes of its file store), and in each the partitions this broker holds there, leaders and followers alike, with
 * their size in bytes (the committed bytes of every segment, {@code PartitionLog.sizeInBytes}) and an offset lag of
 * 0: Ringlog has no "future" replicas moving between dirs (AlterReplicaLogDirs), so every log is current. A request
 * with no topic list asks for every partition; a partition this broker does not hold is left out, as Kafka leaves it
 * out. A log dir whose file store cannot be read is answered KAFKA_STORAGE_ERROR.
 * <p>
 * Admin thread. The sizes are read with the journal's any-thread getters, so the answer is a consistent view of
 * each partition but not a snapshot of all of them at one instant, as in Kafka.
 */
public final class LogDirsApi
{
    private final ReplicaManager partitions;
    private final List<Path> logDirs;

    /**
     * @param partitions the partitions this broker holds.
     * @param logDirs    the configured log dirs ({@code log.dirs}).
     */
    public LogDirsApi(final ReplicaManager partitions, final List<Path> logDirs)
    {
        this.partitions = partitions;
        this.logDirs = logDirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
    }

    public ApiMessage describeLogDirs(final ColdPathApi.ApiRequest request)
    {
        final DescribeLogDirsRequestData data = request.body();
        final Map<String, Set<Integer>> wanted = wanted(data);

        // log dir -> topic -> partition -> size; sorted so that answers are stable.
        final Map<Path, Map<String, Map<Integer, Long>>> byDir = new LinkedHashMap<>();
        logDirs.forEach(dir -> byDir.put(dir, new TreeMap<>()));
        partitions.all().forEach(p ->
        {
            if (wanted == null || wanted.getOrDefault(p.topic(), Set.of()).contains(p.index()))
            {
                final Map<String, Map<Integer, Long>> topics = byDir.get(logDirOf(p));
                if (topics != null)
                {
                    topics.computeIfAbsent(p.topic(), t -> new TreeMap<>()).put(p.index(), p.log().sizeInBytes());
                }
            }
        });

        final DescribeLogDirsResponseData response = new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code());
        byDir.forEach((dir, topics) -> response.results().add(result(dir, topics)));
        return response;
    }

    private static DescribeLogDirsResult result(final Path dir, final Map<String, Map<Integer, Long>> topics)
    {
        final DescribeLogDirsResult result = new DescribeLogDirsResult().setLogDir(dir.toString());
        try
        {
            final FileStore store = Files.getFileStore(dir);
            result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        }
        catch (final IOException | SecurityException ex)
        {
            return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
        final List<DescribeLogDirsTopic> answer = new ArrayList<>();
        topics.forEach((topic, sizes) ->
        {
            final DescribeLogDirsTopic t = new DescribeLogDirsTopic().setName(topic);
            sizes.forEach((index, size) -> t.partitions().add(new DescribeLogDirsPartition()
                .setPartitionIndex(index).setPartitionSize(size).setOffsetLag(0).setIsFutureKey(false)));
            answer.add(t);
        });
        return result.setErrorCode(Errors.NONE.code()).setTopics(answer);
    }

    /** The topics and partitions asked for, or null for all of them (a null topic list). */
    private static Map<String, Set<Integer>> wanted(final DescribeLogDirsRequestData data)
    {
        if (data.topics() == null)
        {
            return null;
        }
        final Map<String, Set<Integer>> wanted = new TreeMap<>();
        for (final DescribeLogDirsRequestData.DescribableLogDirTopic t : data.topics())
        {
            wanted.computeIfAbsent(t.topic(), k -> new TreeSet<>()).addAll(t.partitions());
        }
        return wanted;
    }

    /** A partition's directory is {@code <log dir>/<topic>-<partition>}. */
    private static Path logDirOf(final Partition p)
    {
        final Path parent = p.log().dir().toAbsolutePath().normalize().getParent();
        return parent == null ? p.log().dir() : parent;
    }
}
