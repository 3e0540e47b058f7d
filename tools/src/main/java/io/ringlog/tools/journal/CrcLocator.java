package io.ringlog.tools.journal;

import org.agrona.DirectBuffer;
import org.agrona.collections.Int2IntHashMap;

/**
 * Finds the one changed byte that explains a CRC32C mismatch, when there is one.
 * <p>
 * CRC32C is linear: for two messages of the same length, {@code crc(a) ^ crc(b)} is the CRC register that the
 * difference {@code a ^ b} alone leaves, from a zero start. A single changed byte {@code v} at index {@code i} of
 * {@code n} leaves {@code TABLE[v]} followed by {@code n - 1 - i} zero-byte steps. A zero-byte step is invertible
 * (the top byte of {@code TABLE[j]} is distinct for every {@code j}), so walking the syndrome back one byte at a
 * time and looking it up among the 255 single-byte syndromes finds {@code i} and {@code v} in one pass over the
 * length, with no access to the data at all. Two or more changed bytes almost never match, and then the answer is
 * "not a single byte" and the caller reports the whole batch.
 * <p>
 * Stateless after class initialisation; any thread.
 */
final class CrcLocator
{
    /** CRC32C (Castagnoli), reflected. */
    private static final int POLY = 0x82F63B78;
    private static final int[] TABLE = new int[256];
    private static final int[] INDEX_OF_TOP_BYTE = new int[256];
    private static final Int2IntHashMap SINGLE_BYTE_SYNDROMES = new Int2IntHashMap(-1);

    static
    {
        for (int i = 0; i < 256; i++)
        {
            int crc = i;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc >>> 1) ^ ((crc & 1) != 0 ? POLY : 0);
            }
            TABLE[i] = crc;
            INDEX_OF_TOP_BYTE[crc >>> 24] = i;
            if (i != 0)
            {
                SINGLE_BYTE_SYNDROMES.put(crc, i);
            }
        }
    }

    private CrcLocator()
    {
    }

    /**
     * @param length   bytes covered by the CRC.
     * @param expected the CRC stored when the bytes were written.
     * @param actual   the CRC of the bytes as they are now.
     * @return {@code (index << 8) | xor}: the index from the start of the covered bytes of the one byte whose change
     * explains the difference, and the xor of old and new value; or -1 when no single byte does.
     */
    static long locate(final int length, final int expected, final int actual)
    {
        int syndrome = expected ^ actual;
        if (syndrome == 0)
        {
            return -1;
        }
        for (int back = 0; back < length; back++)
        {
            final int xor = SINGLE_BYTE_SYNDROMES.get(syndrome);
            if (xor != -1)
            {
                return ((long)(length - 1 - back) << 8) | xor;
            }
            final int j = INDEX_OF_TOP_BYTE[syndrome >>> 24];
            syndrome = ((syndrome ^ TABLE[j]) << 8) | j;
        }
        return -1;
    }

    /** The CRC32C of {@code buffer[index, index + length)} by the table, for tests of the table itself. */
    static int crc(final DirectBuffer buffer, final int index, final int length)
    {
        int crc = 0xFFFFFFFF;
        for (int i = 0; i < length; i++)
        {
            crc = (crc >>> 8) ^ TABLE[(crc ^ buffer.getByte(index + i)) & 0xFF];
        }
        return ~crc;
    }
}
