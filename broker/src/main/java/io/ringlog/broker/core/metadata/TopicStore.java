package io.ringlog.broker.core.metadata;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The log dirs' {@code meta.properties} (cluster id and node id), as Kafka keeps them, and the topic files of the
 * single-node broker from before the controller quorum: one properties file per topic under
 * {@code <first log dir>/__ringlog_metadata/topics/} (id, partition count, replication factor, own configs), which a
 * first start with the quorum hands over ({@code core.quorum.TopicStoreMigration}). The writer stays, for the tests
 * that make such a directory. Cold path.
 */
public final class TopicStore
{
    public static final String DIR_NAME = "__ringlog_metadata";
    private static final String TOPIC_SUFFIX = ".topic";
    private static final String CONFIG_PREFIX = "config.";

    private final Path topicsDir;

    public TopicStore(final Path firstLogDir) throws IOException
    {
        this.topicsDir = firstLogDir.resolve(DIR_NAME).resolve("topics");
        Files.createDirectories(topicsDir);
    }

    /** A stored topic: what the controller needs to rebuild its image. */
    public record StoredTopic(String name, UUID id, int partitions, int replicationFactor, Map<String, String> configs)
    {
    }

    public List<StoredTopic> loadAll() throws IOException
    {
        final List<StoredTopic> topics = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(topicsDir, "*" + TOPIC_SUFFIX))
        {
            for (final Path file : files)
            {
                final Properties p = new Properties();
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
                {
                    p.load(reader);
                }
                final Map<String, String> configs = new TreeMap<>();
                for (final String key : p.stringPropertyNames())
                {
                    if (key.startsWith(CONFIG_PREFIX))
                    {
                        configs.put(key.substring(CONFIG_PREFIX.length()), p.getProperty(key));
                    }
                }
                try
                {
                    topics.add(new StoredTopic(
                        p.getProperty("name"),
                        UUID.fromString(p.getProperty("id")),
                        Integer.parseInt(p.getProperty("partitions")),
                        Integer.parseInt(p.getProperty("replication.factor")),
                        configs));
                }
                catch (final RuntimeException ex)
                {
                    throw new IOException("malformed topic metadata file " + file + ": " + ex, ex);
                }
            }
        }
        return topics;
    }

    /** Write one topic's file as the single-node broker did (a crash leaves the old or the new file). */
    public void write(final StoredTopic topic) throws IOException
    {
        final Properties p = new Properties();
        p.setProperty("name", topic.name());
        p.setProperty("id", topic.id().toString());
        p.setProperty("partitions", Integer.toString(topic.partitions()));
        p.setProperty("replication.factor", Integer.toString(topic.replicationFactor()));
        topic.configs().forEach((k, v) -> p.setProperty(CONFIG_PREFIX + k, v));
        writeAtomically(topicsDir.resolve(topic.name() + TOPIC_SUFFIX), p);
    }

    /** A fresh cluster id in Kafka's form (a random UUID, URL-safe base64), for a node that has none yet. */
    public static String newClusterId()
    {
        return base64(UUID.randomUUID());
    }

    /**
     * The cluster id in the log dirs' {@code meta.properties}, or null when none has one (a new node: it learns the
     * cluster's id from the quorum when it registers, and {@link #writeClusterId} keeps it); all dirs must agree with
     * each other and with {@code nodeId}, as Kafka checks. Reads only.
     */
    public static String clusterId(final List<Path> logDirs, final int nodeId) throws IOException
    {
        String clusterId = null;
        for (final Path dir : logDirs)
        {
            final Path meta = dir.resolve("meta.properties");
            if (Files.exists(meta))
            {
                final Properties p = new Properties();
                try (Reader reader = Files.newBufferedReader(meta, StandardCharsets.UTF_8))
                {
                    p.load(reader);
                }
                final String storedNode = p.getProperty("node.id");
                if (storedNode != null && Integer.parseInt(storedNode.trim()) != nodeId)
                {
                    throw new IOException(meta + " belongs to node.id " + storedNode + ", not " + nodeId);
                }
                final String id = p.getProperty("cluster.id");
                if (clusterId != null && id != null && !clusterId.equals(id))
                {
                    throw new IOException(meta + " has cluster.id " + id + ", but another log dir has " + clusterId);
                }
                clusterId = id != null ? id : clusterId;
            }
        }
        return clusterId;
    }

    /** Write {@code meta.properties} (version, cluster.id, node.id) into every log dir; a crash leaves old or new. */
    public static void writeClusterId(final List<Path> logDirs, final int nodeId, final String clusterId)
        throws IOException
    {
        for (final Path dir : logDirs)
        {
            Files.createDirectories(dir);
            final Properties p = new Properties();
            p.setProperty("version", "1");
            p.setProperty("cluster.id", clusterId);
            p.setProperty("node.id", Integer.toString(nodeId));
            writeAtomically(dir.resolve("meta.properties"), p);
        }
    }

    /** Kafka's text form of a UUID: URL-safe base64 of its 16 bytes, without padding. */
    static String base64(final UUID id)
    {
        final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(16);
        bytes.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    private static void writeAtomically(final Path file, final Properties properties) throws IOException
    {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8))
        {
            properties.store(writer, null);
        }
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE))
        {
            channel.force(true);
        }
        try
        {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
