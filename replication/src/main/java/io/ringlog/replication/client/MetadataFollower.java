package io.ringlog.replication.client;

import io.ringlog.replication.metadata.MetadataDelta;
import io.ringlog.replication.metadata.MetadataImage;
import io.ringlog.replication.metadata.MetadataRecord;

import java.util.List;

/**
 * A broker's copy of the metadata: applies the quorum's deltas in order, ignores those from an older controller
 * epoch, and notices when one is missing (its previous position is not the image's) so a full image is fetched.
 * Free of Aeron types, so the apply path is tested alone.
 * <p>
 * Not thread-safe: owned by the {@link QuorumClient}'s agent thread.
 */
public final class MetadataFollower
{
    /** What became of a delta. */
    public enum Outcome
    {
        /** Applied: a new image. */
        APPLIED,
        /** From an older controller epoch than one already seen: ignored. */
        STALE_EPOCH,
        /** Already in the image (it came before a full image that covered it): ignored. */
        ALREADY_APPLIED,
        /** Its base is not this image: one was missed; a full image is needed. */
        GAP
    }

    private MetadataImage image = MetadataImage.EMPTY;
    private long controllerEpoch = -1;
    private boolean needsImage = true;

    public MetadataImage image()
    {
        return image;
    }

    /** The largest controller epoch seen, in a delta, an image or a new-leader event. */
    public long controllerEpoch()
    {
        return controllerEpoch;
    }

    /** True until a full image has been applied since the last gap, reconnect or new leader. */
    public boolean needsImage()
    {
        return needsImage;
    }

    public Outcome onDelta(
        final long epoch, final long previousPosition, final long position, final List<MetadataRecord> records)
    {
        if (epoch < controllerEpoch)
        {
            return Outcome.STALE_EPOCH;
        }
        controllerEpoch = epoch;
        if (position <= image.position())
        {
            return Outcome.ALREADY_APPLIED;
        }
        if (previousPosition != image.position())
        {
            needsImage = true;
            return Outcome.GAP;
        }
        image = new MetadataDelta(image).replay(records).apply(position, epoch);
        return Outcome.APPLIED;
    }

    /**
     * A full image. Taken unless it is older than the image held (a later delta already moved past it).
     *
     * @return true when it replaced the image.
     */
    public boolean onImage(final long epoch, final MetadataImage fullImage)
    {
        controllerEpoch = Math.max(controllerEpoch, epoch);
        needsImage = false;
        if (fullImage.position() < image.position())
        {
            return false;
        }
        final boolean changed = !fullImage.equals(image);
        image = fullImage;
        return changed;
    }

    /** A new leader (or a new session): deltas may have been missed in between. */
    public void onNewLeader(final long epoch)
    {
        controllerEpoch = Math.max(controllerEpoch, epoch);
        needsImage = true;
    }

    /** The connection was lost; ask for an image once back. */
    public void onReconnect()
    {
        needsImage = true;
    }
}
