package io.ringlog.journal;

import io.ringlog.journal.segment.SegmentFiles;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On-disk compatibility, proved with Kafka's own code: batches built by Kafka's {@code MemoryRecordsBuilder} go in,
 * and Kafka's {@code FileRecords} reads Ringlog's {@code .log} files back with the offsets Ringlog assigned, every
 * batch's CRC valid and every record's key, value and timestamp intact.
 */
@Timeout(60)
class KafkaCompatibilityTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void kafkaReadsBackWhatRingLogWrote(final String codec) throws Exception
    {
        final Compression compression = Compression.of(codec).build();
        final int batches = 20;
        final int perBatch = 7;
        try (PartitionLog log = PartitionLog.open(dir, "orders", 3, LogConfig.defaults()))
        {
            final AppendResult result = new AppendResult();
            for (int b = 0; b < batches; b++)
            {
                final ByteBuffer batch = TestBatches.batch(compression, 10_000L * b, perBatch, 50);
                final var direct = TestBatches.direct(batch);
                assertEquals(JournalStatus.OK, log.appendAsLeader(direct, 0, direct.capacity(), 5, result));
                assertEquals((long)b * perBatch, result.firstOffset());
                assertEquals((long)b * perBatch + perBatch - 1, result.lastOffset());
                assertEquals(perBatch, result.recordCount());
            }
            assertEquals(batches * perBatch, log.logEndOffset());
        }

        final Path logFile = SegmentFiles.logFile(dir.resolve("orders-3"), 0);
        assertTrue(logFile.getFileName().toString().equals("00000000000000000000.log"));
        try (FileRecords records = FileRecords.open(logFile.toFile()))
        {
            long expectedOffset = 0;
            int batchIndex = 0;
            for (final FileChannelRecordBatch batch : records.batches())
            {
                batch.ensureValid();
                assertEquals(expectedOffset, batch.baseOffset());
                assertEquals(5, batch.partitionLeaderEpoch());
                assertEquals(compression.type(), batch.compressionType());
                int i = 0;
                for (final Record record : batch)
                {
                    assertEquals(expectedOffset + i, record.offset());
                    assertEquals(10_000L * batchIndex + i, record.timestamp());
                    assertEquals("key-" + i, StandardCharsets.UTF_8.decode(record.key()).toString());
                    final byte[] value = new byte[record.valueSize()];
                    record.value().get(value);
                    assertArrayEquals(TestBatches.value(i, 50), value);
                    i++;
                }
                assertEquals(perBatch, i);
                expectedOffset += perBatch;
                batchIndex++;
            }
            assertEquals(batches, batchIndex);
            assertEquals(records.sizeInBytes(), records.channel().size(), "the closed segment is trimmed");
        }
    }

    @Test
    void bytesReadBackAreTheBytesWrittenButForOffsetAndEpoch() throws Exception
    {
        final ByteBuffer original = TestBatches.batch(Compression.NONE, 1L, 3, 10);
        try (PartitionLog log = PartitionLog.open(dir, "t", 0, LogConfig.defaults()))
        {
            assertEquals(JournalStatus.OK, TestBatches.append(log, original, 0));
            assertEquals(JournalStatus.OK, TestBatches.append(log, original, 7));
            final LogSlice slice = new LogSlice();
            assertEquals(JournalStatus.OK, log.slice(3, Integer.MAX_VALUE, log.logEndOffset(), slice));
            assertEquals(3, slice.baseOffset());
            assertEquals(6, slice.nextOffset());
            final byte[] read = new byte[slice.length()];
            slice.buffer().getBytes(0, read);
            final byte[] expected = new byte[original.remaining()];
            original.duplicate().get(expected);
            // Bytes 0-7 (base offset) and 12-15 (partition leader epoch) are the broker's; the rest is the producer's.
            assertEquals(expected.length, read.length);
            assertArrayEquals(
                java.util.Arrays.copyOfRange(expected, 16, expected.length),
                java.util.Arrays.copyOfRange(read, 16, read.length));
            assertEquals(3L, ByteBuffer.wrap(read).getLong(0));
            assertEquals(7, ByteBuffer.wrap(read).getInt(12));
        }
    }

    @Test
    void ringLogReadsAFileKafkaWrote() throws Exception
    {
        // Kafka's FileRecords writes a segment; Ringlog opens it as an existing log and appends after it.
        final Path partitionDir = dir.resolve("legacy-0");
        java.nio.file.Files.createDirectories(partitionDir);
        final List<Long> bases = new ArrayList<>();
        try (FileRecords kafkaFile = FileRecords.open(SegmentFiles.logFile(partitionDir, 0).toFile()))
        {
            long next = 0;
            for (int b = 0; b < 4; b++)
            {
                final ByteBuffer batch = TestBatches.batch(Compression.NONE, 5L, 5, 20);
                batch.putLong(0, next);
                bases.add(next);
                next += 5;
                kafkaFile.append(org.apache.kafka.common.record.internal.MemoryRecords.readableRecords(batch));
            }
            kafkaFile.flush();
        }
        try (PartitionLog log = PartitionLog.open(dir, "legacy", 0, LogConfig.defaults()))
        {
            assertEquals(20, log.logEndOffset());
            assertEquals(JournalStatus.OK, TestBatches.append(log, TestBatches.batch(2, 10), 1));
            assertEquals(22, log.logEndOffset());
            final LogSlice slice = new LogSlice();
            for (final long base : bases)
            {
                assertEquals(JournalStatus.OK, log.slice(base + 2, 1, 100, slice));
                assertEquals(base, slice.baseOffset());
            }
        }
    }
}
