package io.ringlog.broker.core.quorum;

import io.ringlog.broker.core.metadata.TopicStore;
import io.ringlog.broker.core.metadata.TopicStore.StoredTopic;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.controller.ControllerError;
import io.ringlog.replication.controller.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A data directory of the single-node broker (before the controller quorum) keeps its topics in
 * {@code __ringlog_metadata/topics/*.topic}. On the first start with the quorum they are proposed to it once, with
 * their own ids (clients and the partitions' metadata files know them by id), so their partitions open as before;
 * a marker file then says it is done, so a topic deleted later through the quorum never comes back from the old
 * files. Cold path, start-up only.
 */
final class TopicStoreMigration
{
    static final String DONE_MARKER = "MIGRATED-TO-QUORUM";
    private static final Logger LOG = LoggerFactory.getLogger(TopicStoreMigration.class);

    private TopicStoreMigration()
    {
    }

    /**
     * @param firstLogDir the broker's first log dir, where the single-node broker kept its topics.
     * @param client      the registered quorum client.
     * @param timeoutMs   how long each proposal may take.
     */
    static void migrate(final Path firstLogDir, final QuorumClient client, final long timeoutMs) throws IOException
    {
        final Path topicsDir = firstLogDir.resolve(TopicStore.DIR_NAME).resolve("topics");
        if (!Files.isDirectory(topicsDir) || Files.exists(topicsDir.resolve(DONE_MARKER)))
        {
            return;
        }
        final List<StoredTopic> stored = new TopicStore(firstLogDir).loadAll();
        int imported = 0;
        for (final StoredTopic t : stored)
        {
            if (client.image().topic(t.name()) != null)
            {
                continue;
            }
            final Reply reply;
            try
            {
                reply = client.createTopic(t.name(), t.id(), t.partitions(), t.replicationFactor(), t.configs(), false)
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while handing topic " + t.name() + " to the quorum", ex);
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                throw new IOException("could not hand topic " + t.name() + " to the controller quorum: " + ex, ex);
            }
            if (!reply.isOk() && reply.error() != ControllerError.TOPIC_ALREADY_EXISTS)
            {
                throw new IOException("the controller quorum refused topic " + t.name() + " of this data " +
                    "directory: " + reply.error() + ": " + reply.message());
            }
            imported++;
        }
        Files.writeString(topicsDir.resolve(DONE_MARKER), "the topics here were handed to the controller quorum; " +
            "it holds them now" + System.lineSeparator(), StandardCharsets.UTF_8);
        LOG.info("Handed {} topic(s) of the single-node data directory {} to the controller quorum", imported,
            firstLogDir);
    }
}
