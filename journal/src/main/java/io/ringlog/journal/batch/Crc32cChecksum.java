package io.ringlog.journal.batch;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.checksum.Crc32c;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) of bytes in any {@link DirectBuffer}, on- or off-heap, without allocating. Both paths end in
 * the JVM's CRC32C intrinsic. Off-heap memory goes through Agrona's {@link Crc32c}, which needs
 * {@code --add-opens java.base/java.util.zip=ALL-UNNAMED} (every Ringlog launcher passes it); without that flag the
 * bytes are copied through a small heap scratch array first, correct but about half as fast, and a warning is
 * logged once. Not thread-safe: one instance per thread.
 */
public final class Crc32cChecksum
{
    private static final int SCRATCH_BYTES = 8 * 1024;
    private static final boolean OFF_HEAP_INTRINSIC = probeOffHeapIntrinsic();

    private final CRC32C heapCrc = new CRC32C();
    private byte[] scratch;

    /**
     * @return the CRC32C of {@code buffer[index, index + length)}.
     */
    public int compute(final DirectBuffer buffer, final int index, final int length)
    {
        final byte[] array = buffer.byteArray();
        if (null != array)
        {
            heapCrc.reset();
            heapCrc.update(array, (int)(buffer.addressOffset() - BufferUtil.ARRAY_BASE_OFFSET) + index, length);
            return (int)heapCrc.getValue();
        }
        if (OFF_HEAP_INTRINSIC)
        {
            return Crc32c.INSTANCE.compute(buffer.addressOffset(), index, length);
        }
        return computeByCopy(buffer, index, length);
    }

    private int computeByCopy(final DirectBuffer buffer, final int index, final int length)
    {
        if (null == scratch)
        {
            scratch = new byte[SCRATCH_BYTES];
        }
        heapCrc.reset();
        for (int done = 0; done < length; )
        {
            final int n = Math.min(SCRATCH_BYTES, length - done);
            buffer.getBytes(index + done, scratch, 0, n);
            heapCrc.update(scratch, 0, n);
            done += n;
        }
        return (int)heapCrc.getValue();
    }

    private static boolean probeOffHeapIntrinsic()
    {
        try
        {
            return Crc32c.INSTANCE != null;
        }
        catch (final Throwable ex)
        {
            System.getLogger(Crc32cChecksum.class.getName()).log(System.Logger.Level.WARNING,
                "CRC32C of off-heap memory falls back to copying: start the JVM with " +
                "--add-opens java.base/java.util.zip=ALL-UNNAMED for the intrinsic (" + ex + ")");
            return false;
        }
    }
}
