package io.ringlog.broker.metrics;

import io.ringlog.broker.core.metadata.MetadataImage;
import io.ringlog.broker.core.metadata.MetadataImage.PartitionImage;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Counts the leader elections this broker sees in the controller's metadata images: each time a partition it knew
 * in the previous image has a larger leader epoch and a leader (the epoch grows with every leader change, a leader
 * going offline included, which is not counted; its later election is). The first image, new topics and new
 * partitions are the baseline, not elections. Every broker sees every partition, so the count is the cluster's, the
 * same on each broker: take one broker's (or the max), never the sum.
 * <p>
 * Clean and unclean elections cannot be told apart here: an image says who leads, not how it was chosen.
 * <p>
 * Threads: {@link #accept} on the thread that publishes images (one at a time; synchronized all the same, as it
 * also runs once on the subscribing thread), {@link #count} on any thread (a volatile read of a single-writer value).
 */
final class LeaderElections implements Consumer<MetadataImage>
{
    /** Leader epoch per partition, by topic id, as of the last image; null before the first. */
    private Map<UUID, int[]> epochs;
    private volatile long count;

    @Override
    public synchronized void accept(final MetadataImage image)
    {
        final Map<UUID, int[]> now = new HashMap<>();
        long elected = 0;
        for (final TopicImage topic : image.topics().values())
        {
            final List<PartitionImage> partitions = topic.partitions();
            final int[] before = epochs == null ? null : epochs.get(topic.id());
            final int[] after = new int[partitions.size()];
            for (int i = 0; i < after.length; i++)
            {
                final PartitionImage p = partitions.get(i);
                after[i] = p.leaderEpoch();
                if (before != null && i < before.length && p.leaderEpoch() > before[i] && p.leader() >= 0)
                {
                    elected++;
                }
            }
            now.put(topic.id(), after);
        }
        epochs = now;
        if (elected > 0)
        {
            count += elected; // the one writer: this method, under its lock
        }
    }

    /** Leader elections seen since this broker started. Any thread. */
    long count()
    {
        return count;
    }
}
