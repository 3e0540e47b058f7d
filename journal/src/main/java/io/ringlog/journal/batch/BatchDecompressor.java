package io.ringlog.journal.batch;

import org.agrona.ExpandableArrayBuffer;

/**
 * Decompresses the records of a compressed batch, for the rare look-ups that need record-level detail (the first
 * record at a timestamp). The journal never decompresses on append or read; codecs (gzip, snappy, lz4, zstd) come
 * from the caller, the broker plugging in Kafka's own, so the journal stays free of them.
 */
@FunctionalInterface
public interface BatchDecompressor
{
    /**
     * @param batch a compressed batch.
     * @param out   receives the uncompressed records (the bytes that follow the batch header when uncompressed),
     *              from index 0.
     * @return the number of bytes written to {@code out}.
     */
    int decompress(RecordBatch batch, ExpandableArrayBuffer out);
}
