package io.ringlog.broker.core.metadata;

import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The holder of the cluster's metadata. Request handlers read {@link #image()}; admin requests ask for changes;
 * every change is published as a new {@link MetadataImage} to the listeners, in order. The broker's implementation
 * is the controller quorum's ({@code core.quorum.QuorumController}): a change is committed by the quorum and comes
 * back to every broker as a metadata delta; a single broker runs a one-member quorum, the same path.
 * <p>
 * Threads: {@link #image()} from any thread. Changes from any thread but a listener's; they are applied one at a
 * time and this broker's listeners have run by the time the call returns. Refusals throw {@link MetadataException}.
 */
public interface Controller extends AutoCloseable
{
    /** The current image. */
    MetadataImage image();

    /**
     * Call {@code listener} with the current image now and with every new image after it, on the thread that made
     * the change.
     */
    void subscribe(Consumer<MetadataImage> listener);

    /**
     * Create a topic.
     *
     * @param name              the topic.
     * @param partitions        partition count; -1 for the broker default.
     * @param replicationFactor replicas; -1 for the broker default.
     * @param configs           configs set on the topic.
     * @param validateOnly      check everything but change nothing.
     * @return the topic as created (or as it would be).
     */
    MetadataImage.TopicImage createTopic(
        String name, int partitions, int replicationFactor, Map<String, String> configs, boolean validateOnly);

    /** Delete a topic and, through the listeners, its partitions' data. */
    void deleteTopic(String name);

    /** Grow a topic to {@code totalCount} partitions. */
    void createPartitions(String name, int totalCount, boolean validateOnly);

    /**
     * Change a topic's own configs.
     *
     * @param set          keys to set.
     * @param delete       keys to remove (back to the broker default).
     * @param replaceAll   when true the topic's configs become exactly {@code set} (Kafka's legacy AlterConfigs).
     */
    void alterTopicConfigs(String name, Map<String, String> set, Set<String> delete, boolean replaceAll,
        boolean validateOnly);

    @Override
    void close();
}
