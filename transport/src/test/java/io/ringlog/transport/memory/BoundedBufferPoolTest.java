package io.ringlog.transport.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class BoundedBufferPoolTest
{
    @Test
    void roundsToSizeClassesAndReusesReleasedBuffers()
    {
        try (BoundedBufferPool pool = new BoundedBufferPool(64 * 1024, 16 * 1024))
        {
            final ByteBuffer small = pool.acquire(10);
            assertEquals(BoundedBufferPool.MIN_BUFFER_BYTES, small.capacity());
            assertEquals(10, small.limit());
            assertEquals(0, small.position());
            assertTrue(small.isDirect());

            final ByteBuffer mid = pool.acquire(3000);
            assertEquals(4096, mid.capacity());
            assertEquals(4096 + 256, pool.inUseBytes());

            pool.release(mid);
            assertEquals(4096, pool.cachedBytes());
            assertSame(mid, pool.acquire(2049), "same class reuses the cached buffer");
            assertEquals(0, pool.cachedBytes());
        }
    }

    @Test
    void neverAllocatesBeyondItsCapacity()
    {
        try (BoundedBufferPool pool = new BoundedBufferPool(8192, 4096))
        {
            final ByteBuffer a = pool.acquire(4096);
            final ByteBuffer b = pool.acquire(3000);
            assertNotNull(a);
            assertNotNull(b);
            assertNull(pool.acquire(1), "full");
            assertEquals(8192, pool.allocatedBytes());

            pool.release(a);
            // The cached 4 KiB buffer is freed to make room for two smaller classes.
            final ByteBuffer c = pool.acquire(2000);
            final ByteBuffer d = pool.acquire(2000);
            assertNotNull(c);
            assertNotNull(d);
            assertEquals(8192, pool.allocatedBytes());
            assertNull(pool.acquire(100));
            assertFalse(pool.canEverAcquire(8193));
            assertTrue(pool.canEverAcquire(8192));
        }
    }

    @Test
    void largeBuffersAreExactAndNotCached()
    {
        try (BoundedBufferPool pool = new BoundedBufferPool(10_000_000, 4096))
        {
            final ByteBuffer large = pool.acquire(1_000_001);
            assertEquals(1_000_001, large.capacity());
            pool.release(large);
            assertEquals(0, pool.allocatedBytes());
            assertEquals(0, pool.cachedBytes());
        }
    }

    @Test
    void accountingHoldsUnderRandomUse()
    {
        final Random random = new Random(3);
        try (BoundedBufferPool pool = new BoundedBufferPool(1 << 20, 64 * 1024))
        {
            final List<ByteBuffer> held = new ArrayList<>();
            for (int i = 0; i < 20_000; i++)
            {
                if (!held.isEmpty() && random.nextBoolean())
                {
                    pool.release(held.remove(random.nextInt(held.size())));
                }
                else
                {
                    final ByteBuffer buffer = pool.acquire(random.nextInt(200_000));
                    if (null != buffer)
                    {
                        held.add(buffer);
                    }
                }
                assertTrue(pool.allocatedBytes() <= pool.capacity());
                assertEquals(pool.allocatedBytes(), pool.inUseBytes() + pool.cachedBytes());
            }
            long inUse = 0;
            for (final ByteBuffer buffer : held)
            {
                inUse += buffer.capacity();
            }
            assertEquals(inUse, pool.inUseBytes());
        }
    }
}
