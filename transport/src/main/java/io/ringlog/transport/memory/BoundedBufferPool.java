package io.ringlog.transport.memory;

import org.agrona.BufferUtil;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A pool of direct {@link ByteBuffer}s whose total capacity never exceeds a bound: Kafka's
 * {@code queued.max.request.bytes}, applied to the bytes the listener really holds.
 * <p>
 * <b>Thread:</b> not thread-safe. The selector thread that owns the listener is the only caller
 * of every method; buffers handed out may be read by other threads, but come back through the
 * selector thread.
 * <p>
 * <b>Accounting.</b> {@link #allocatedBytes()} is the capacity of every buffer this pool has
 * allocated and not yet freed, whether in use or cached for reuse; {@link #acquire(int)} refuses
 * (returns {@code null}) rather than take it past {@link #capacity()}. Cached buffers are freed
 * (explicitly, not left to the GC) to make room before a request is refused.
 * <p>
 * <b>Size classes.</b> Requests up to {@code maxCachedBufferBytes} are rounded up to a power of
 * two and cached after release, so a steady load allocates nothing. Rounding wastes at most half
 * a buffer, an accepted price for zero garbage; the typical Kafka request is a few hundred bytes
 * to {@code max.request.size} (1 MiB by default), which is the default cached maximum. Larger
 * buffers are allocated at their exact size and freed on release: they are rare, and caching them
 * would pin large blocks of the bound.
 */
public final class BoundedBufferPool implements AutoCloseable
{
    /**
     * Smallest size class: a Kafka request header alone is 10 to 30 bytes and ApiVersions or
     * Metadata requests a few dozen more, so smaller classes would not be reused often enough.
     */
    public static final int MIN_BUFFER_BYTES = 256;

    /** Default largest size class kept for reuse: kafka-clients' default {@code max.request.size}. */
    public static final int DEFAULT_MAX_CACHED_BUFFER_BYTES = 1024 * 1024;

    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_BUFFER_BYTES);

    private final long capacity;
    private final int maxCachedBufferBytes;
    private final ArrayDeque<ByteBuffer>[] freeBySizeClass;
    private long allocatedBytes;
    private long inUseBytes;
    private long cachedBytes;
    private boolean closed;

    /**
     * @param capacity             most bytes of buffer capacity allocated at once, in use or cached.
     * @param maxCachedBufferBytes largest buffer size kept for reuse; rounded up to a power of two.
     */
    @SuppressWarnings("unchecked")
    public BoundedBufferPool(final long capacity, final int maxCachedBufferBytes)
    {
        if (capacity < MIN_BUFFER_BYTES)
        {
            throw new IllegalArgumentException("capacity must be at least " + MIN_BUFFER_BYTES + ": " + capacity);
        }
        if (maxCachedBufferBytes < MIN_BUFFER_BYTES || maxCachedBufferBytes > (1 << 30))
        {
            throw new IllegalArgumentException("maxCachedBufferBytes out of range: " + maxCachedBufferBytes);
        }
        this.capacity = capacity;
        this.maxCachedBufferBytes = roundUpToPowerOfTwo(maxCachedBufferBytes);
        final int classes = sizeClass(this.maxCachedBufferBytes) + 1;
        freeBySizeClass = new ArrayDeque[classes];
        for (int i = 0; i < classes; i++)
        {
            freeBySizeClass[i] = new ArrayDeque<>();
        }
    }

    /**
     * Take a buffer of at least {@code size} bytes, positioned at 0 with its limit at {@code size}.
     *
     * @param size bytes needed, at least 0.
     * @return the buffer, or {@code null} when handing it out would take the pool past its
     * capacity: the caller waits until a {@link #release(ByteBuffer)} and tries again.
     */
    public ByteBuffer acquire(final int size)
    {
        if (size < 0)
        {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        if (closed)
        {
            return null;
        }

        final int bufferBytes = bufferBytesFor(size);
        ByteBuffer buffer = null;
        if (bufferBytes <= maxCachedBufferBytes)
        {
            buffer = freeBySizeClass[sizeClass(bufferBytes)].pollLast();
            if (null != buffer)
            {
                cachedBytes -= bufferBytes;
            }
        }

        if (null == buffer)
        {
            if (!makeRoomFor(bufferBytes))
            {
                return null;
            }
            buffer = ByteBuffer.allocateDirect(bufferBytes);
            allocatedBytes += bufferBytes;
        }

        inUseBytes += bufferBytes;
        buffer.clear().limit(size);
        return buffer;
    }

    /**
     * Give back a buffer taken with {@link #acquire(int)}. The caller must not touch it afterwards.
     *
     * @param buffer the buffer, exactly as acquired (its capacity identifies its size class).
     */
    public void release(final ByteBuffer buffer)
    {
        final int bufferBytes = buffer.capacity();
        inUseBytes -= bufferBytes;
        if (closed || bufferBytes > maxCachedBufferBytes)
        {
            allocatedBytes -= bufferBytes;
            BufferUtil.free(buffer);
        }
        else
        {
            freeBySizeClass[sizeClass(bufferBytes)].addLast(buffer);
            cachedBytes += bufferBytes;
        }
    }

    /**
     * Whether a buffer of {@code size} bytes could ever be handed out, i.e. its rounded size fits
     * within {@link #capacity()}. A frame that fails this must be refused, not waited for.
     *
     * @param size bytes needed.
     * @return true if an empty pool could hand it out.
     */
    public boolean canEverAcquire(final int size)
    {
        return size >= 0 && bufferBytesFor(size) <= capacity;
    }

    /**
     * @return most bytes of buffer capacity this pool may hold at once.
     */
    public long capacity()
    {
        return capacity;
    }

    /**
     * @return bytes of buffer capacity held now, in use or cached.
     */
    public long allocatedBytes()
    {
        return allocatedBytes;
    }

    /**
     * @return bytes of buffer capacity handed out and not yet released.
     */
    public long inUseBytes()
    {
        return inUseBytes;
    }

    /**
     * @return bytes of buffer capacity cached for reuse.
     */
    public long cachedBytes()
    {
        return cachedBytes;
    }

    /**
     * Free every cached buffer. Buffers still in use are left to their holders and the GC,
     * because another thread may still be reading them; releasing them later frees them.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            for (final ArrayDeque<ByteBuffer> free : freeBySizeClass)
            {
                ByteBuffer buffer;
                while (null != (buffer = free.pollLast()))
                {
                    allocatedBytes -= buffer.capacity();
                    cachedBytes -= buffer.capacity();
                    BufferUtil.free(buffer);
                }
            }
        }
    }

    private boolean makeRoomFor(final int bufferBytes)
    {
        if (allocatedBytes + bufferBytes <= capacity)
        {
            return true;
        }
        if (allocatedBytes - cachedBytes + bufferBytes > capacity)
        {
            return false;
        }

        // Free cached buffers, largest classes first: fewest frees for the room needed.
        for (int i = freeBySizeClass.length - 1; i >= 0 && allocatedBytes + bufferBytes > capacity; i--)
        {
            final ArrayDeque<ByteBuffer> free = freeBySizeClass[i];
            ByteBuffer buffer;
            while (allocatedBytes + bufferBytes > capacity && null != (buffer = free.pollLast()))
            {
                allocatedBytes -= buffer.capacity();
                cachedBytes -= buffer.capacity();
                BufferUtil.free(buffer);
            }
        }
        return true;
    }

    private int bufferBytesFor(final int size)
    {
        return size <= maxCachedBufferBytes ? Math.max(MIN_BUFFER_BYTES, roundUpToPowerOfTwo(size)) : size;
    }

    private static int sizeClass(final int powerOfTwoBytes)
    {
        return Integer.numberOfTrailingZeros(powerOfTwoBytes) - MIN_SHIFT;
    }

    private static int roundUpToPowerOfTwo(final int value)
    {
        return value <= 1 ? 1 : 1 << (32 - Integer.numberOfLeadingZeros(value - 1));
    }
}
