package io.ringlog.transport.kafka.net;

import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * A response frame: a buffer of bytes (length prefix, response header, body) with, optionally,
 * file regions spliced in at given offsets, which the listener sends with
 * {@code FileChannel.transferTo} (sendfile: journal to socket without passing through the heap).
 * <pre>
 *   buffer[0, at0) | region0 | buffer[at0, at1) | region1 | ... | buffer[atN, length)
 * </pre>
 * The first 4 bytes of the buffer are the frame's length prefix; the listener writes them from
 * the real size before sending, so a builder may leave them blank.
 * <p>
 * Reusable: a broker keeps a pool of responses, {@link #reset()}s one, writes it (for Fetch with
 * the {@code FetchResponseEncoder} over {@link #buffer()}), hands it to
 * {@link KafkaRequest#respond(KafkaResponse)}, and gets it back through its
 * {@link ResponseReleaseHandler}. Cold-path answers wrap a serialized frame with {@link #ofFrame}.
 * <p>
 * <b>Thread:</b> owned by the broker's thread that builds it until {@code respond} accepts it,
 * then by the selector thread until it calls the release handler. It is never shared.
 */
public final class KafkaResponse
{
    /** Size of the frame's length prefix. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    private static final int INITIAL_REGIONS = 4;

    private final ExpandableDirectByteBuffer ownBuffer;
    private ByteBuffer wrappedFrame;
    private int frameStart;
    private int length;
    private FileChannel[] channels = new FileChannel[INITIAL_REGIONS];
    private long[] positions = new long[INITIAL_REGIONS];
    private int[] lengths = new int[INITIAL_REGIONS];
    private int[] insertAt = new int[INITIAL_REGIONS];
    private int regionCount;
    private long regionBytes;
    private ResponseReleaseHandler releaseHandler;

    /**
     * A response with its own direct, expandable buffer of an initial capacity.
     *
     * @param initialCapacity bytes; the buffer grows when written past it.
     */
    public KafkaResponse(final int initialCapacity)
    {
        this(new ExpandableDirectByteBuffer(initialCapacity));
    }

    private KafkaResponse(final ExpandableDirectByteBuffer ownBuffer)
    {
        this.ownBuffer = ownBuffer;
    }

    /**
     * A response over a frame already serialized, e.g. by {@code KafkaMessages.serializeResponse}.
     * Allocates: control path.
     *
     * @param frame the frame from its position to its limit, length prefix included.
     * @return the response.
     */
    public static KafkaResponse ofFrame(final ByteBuffer frame)
    {
        return new KafkaResponse((ExpandableDirectByteBuffer)null).wrapFrame(frame);
    }

    /**
     * Forget the content, regions and wrapped frame; keep the buffers and the release handler.
     *
     * @return this.
     */
    public KafkaResponse reset()
    {
        wrappedFrame = null;
        frameStart = 0;
        length = 0;
        Arrays.fill(channels, 0, regionCount, null);
        regionCount = 0;
        regionBytes = 0;
        return this;
    }

    /**
     * @return the response's own buffer, to write the frame into from offset 0.
     * @throws IllegalStateException for a response made by {@link #ofFrame}, which has none.
     */
    public MutableDirectBuffer buffer()
    {
        if (null == ownBuffer)
        {
            throw new IllegalStateException("a response made by ofFrame has no buffer of its own");
        }
        return ownBuffer;
    }

    /**
     * @param length bytes of the frame written into {@link #buffer()}, length prefix included.
     * @return this.
     */
    public KafkaResponse length(final int length)
    {
        buffer();
        checkLength(length);
        this.wrappedFrame = null;
        this.frameStart = 0;
        this.length = length;
        return this;
    }

    /**
     * Send this frame instead of the own buffer's content. The listener reads the frame and
     * overwrites its length prefix, but leaves its position and limit alone.
     *
     * @param frame from its position to its limit, length prefix included.
     * @return this.
     */
    public KafkaResponse wrapFrame(final ByteBuffer frame)
    {
        checkLength(frame.remaining());
        this.wrappedFrame = frame;
        this.frameStart = frame.position();
        this.length = frame.remaining();
        return this;
    }

    /**
     * Splice {@code length} bytes of a file, from {@code position}, into the frame at offset
     * {@code at} of the buffer. Regions are added in order of {@code at}; several may share an
     * offset. They may be added while the buffer is still being written (the offset a
     * {@code FetchResponseEncoder.partition} call returns), before {@link #length(int)} is set.
     *
     * @param at       offset in the frame's bytes (from the start of the length prefix), at most the final length.
     * @param channel  the file; it must stay open until the release handler runs.
     * @param position in the file.
     * @param length   bytes to send, at least 0.
     * @return this.
     */
    public KafkaResponse addFileRegion(final int at, final FileChannel channel, final long position, final int length)
    {
        if (at < LENGTH_PREFIX_BYTES || (regionCount > 0 && at < insertAt[regionCount - 1]))
        {
            throw new IllegalArgumentException("region offset out of order or inside the length prefix: " + at);
        }
        if (position < 0 || length < 0)
        {
            throw new IllegalArgumentException("negative position or length");
        }
        if (regionCount == channels.length)
        {
            final int capacity = regionCount * 2;
            channels = Arrays.copyOf(channels, capacity);
            positions = Arrays.copyOf(positions, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
            insertAt = Arrays.copyOf(insertAt, capacity);
        }
        channels[regionCount] = channel;
        positions[regionCount] = position;
        lengths[regionCount] = length;
        insertAt[regionCount] = at;
        regionCount++;
        regionBytes += length;
        return this;
    }

    /**
     * @param releaseHandler told on the selector thread when the listener is done with this response; may be null.
     * @return this.
     */
    public KafkaResponse releaseHandler(final ResponseReleaseHandler releaseHandler)
    {
        this.releaseHandler = releaseHandler;
        return this;
    }

    /**
     * @return bytes of the frame held in the buffer, length prefix included.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return number of file regions.
     */
    public int regionCount()
    {
        return regionCount;
    }

    /**
     * @return total bytes on the wire: buffer bytes plus region bytes.
     */
    public long frameBytes()
    {
        return length + regionBytes;
    }

    private void checkLength(final int length)
    {
        if (length < LENGTH_PREFIX_BYTES)
        {
            throw new IllegalArgumentException("a frame has at least its length prefix: " + length);
        }
        if (regionCount > 0 && insertAt[regionCount - 1] > length)
        {
            throw new IllegalArgumentException("a file region is spliced in past the end of the frame: " +
                insertAt[regionCount - 1] + " > " + length);
        }
    }

    ByteBuffer frameBuffer()
    {
        return null != wrappedFrame ? wrappedFrame : ownBuffer.byteBuffer();
    }

    int frameStart()
    {
        return frameStart;
    }

    int insertAt(final int region)
    {
        return insertAt[region];
    }

    FileChannel channel(final int region)
    {
        return channels[region];
    }

    long position(final int region)
    {
        return positions[region];
    }

    int regionLength(final int region)
    {
        return lengths[region];
    }

    /**
     * Write the length prefix from the real size. Called by the selector thread before sending.
     *
     * @return false if the frame is too large for Kafka's int32 length prefix, or a region lies
     * past the end of the frame's bytes (regions added after the last length was set).
     */
    boolean writeLengthPrefix()
    {
        final long size = length - LENGTH_PREFIX_BYTES + regionBytes;
        if (size > Integer.MAX_VALUE || length < LENGTH_PREFIX_BYTES ||
            (regionCount > 0 && insertAt[regionCount - 1] > length))
        {
            return false;
        }
        if (null != wrappedFrame)
        {
            final int value = wrappedFrame.order() == ByteOrder.BIG_ENDIAN ? (int)size : Integer.reverseBytes((int)size);
            wrappedFrame.putInt(frameStart, value);
        }
        else
        {
            ownBuffer.putInt(0, (int)size, ByteOrder.BIG_ENDIAN);
        }
        return true;
    }

    void release(final boolean sent)
    {
        final ResponseReleaseHandler handler = releaseHandler;
        if (null != handler)
        {
            handler.onResponseReleased(this, sent);
        }
    }
}
