package io.ringlog.tools;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ringlog journal dump|verify} on the files a real broker wrote and closed, read with no broker running;
 * then on copies with one byte changed, where verify must name the file, the position and the offset.
 */
@Timeout(120)
class JournalCommandTest
{
    private static final Pattern BATCH = Pattern.compile(
        "baseOffset: (\\d+) lastOffset: (\\d+) count: (\\d+) position: (\\d+) size: (\\d+) .*valid: true");

    @TempDir
    static Path dir;
    static Path data;
    static Path partition;

    /** A topic whose partition spans several segments, written in batches of 5 records, then the broker stopped. */
    @BeforeAll
    static void writeAndStop() throws Exception
    {
        data = dir.resolve("data");
        try (TestBroker broker = new TestBroker(data))
        {
            broker.createTopic("journaled", 1, "segment.bytes=2048", "index.interval.bytes=100");
            try (KafkaProducer<String, String> producer = broker.producer(ProducerConfig.LINGER_MS_CONFIG, 1000,
                ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20))
            {
                for (int batch = 0; batch < 12; batch++)
                {
                    final List<Future<?>> sent = new ArrayList<>();
                    for (int i = 0; i < 5; i++)
                    {
                        sent.add(producer.send(new ProducerRecord<>("journaled", "key-" + batch + "-" + i,
                            "value of record " + (batch * 5 + i) + " with some padding to fill the segment")));
                    }
                    producer.flush();
                    for (final Future<?> f : sent)
                    {
                        f.get();
                    }
                }
            }
        }
        partition = data.resolve("journaled-0");
    }

    @Test
    void dumpPrintsBatchesRecordsAndIndexes()
    {
        final Cli.Result r = Cli.run("journal", "dump", partition.toString(), "--records", "--indexes");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("segment " + partition.resolve("00000000000000000000.log")), r::toString);
        assertTrue(r.stdout().contains("baseOffset: 0 lastOffset: 4 count: 5 position: 0 "), r::toString);
        assertTrue(r.stdout().contains("| offset: 7 timestamp: "), r::toString);
        assertTrue(r.stdout().contains("key: key-1-2 value: value of record 7 with some padding"), r::toString);
        assertTrue(r.stdout().contains("  index: offset "), r::toString);
        assertTrue(r.stdout().matches("(?s).* 60 record\\(s\\), \\d+ bytes: OK\\n"), r::toString);
        assertTrue(segmentCount() > 2, "the test wants several segments");
    }

    @Test
    void verifyOfIntactFilesIsOk()
    {
        final Cli.Result r = Cli.run("journal", "verify", data.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().matches("journal: \\d+ partition\\(s\\), \\d+ segment\\(s\\), \\d+ batch\\(es\\), " +
            "\\d+ record\\(s\\), \\d+ bytes: OK\\n"), r::toString);
    }

    @Test
    void verifyFindsACorruptByteInARecordAndSaysWhere() throws Exception
    {
        final Path copy = copyOfPartition("record-byte");
        final Batch target = batches(copy).get(5); // in a segment after the first
        final Path log = segmentHolding(copy, target.base);
        final int position = target.position + target.size - 10; // inside the last record's value
        flipByte(log, position);

        final Cli.Result r = Cli.run("journal", "verify", copy.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("PROBLEM " + log + " position " + position + " (offset " + target.last +
            "): CRC mismatch"), r::toString);
        assertTrue(r.stdout().contains("exactly one changed byte explains it"), r::toString);
        assertTrue(r.stdout().endsWith(": 1 problem(s)\n"), r::toString);
    }

    @Test
    void verifyFindsACorruptBaseOffsetOutsideTheCrc() throws Exception
    {
        final Path copy = copyOfPartition("base-offset");
        final Batch target = batches(copy).get(3);
        final Path log = segmentHolding(copy, target.base);
        flipByte(log, target.position + 7); // the low byte of baseOffset

        final Cli.Result r = Cli.run("journal", "verify", copy.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("PROBLEM " + log + " position " + (target.position + 7) + " (offsets " +
            target.base + ".." + target.last + "): base offset "), r::toString);
    }

    @Test
    void verifyFindsAnIndexEntryThatDisagreesWithTheLog() throws Exception
    {
        final Path copy = copyOfPartition("index");
        final Path index = copy.resolve("00000000000000000000.index");
        assertTrue(Files.size(index) >= 8, "the test wants an index entry");
        flipByte(index, 7); // the first entry's position

        final Cli.Result r = Cli.run("journal", "verify", copy.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("PROBLEM " + index + " position 0 (offset "), r::toString);
        assertTrue(r.stdout().contains("where no batch starts"), r::toString);
    }

    private record Batch(long base, long last, int position, int size)
    {
    }

    private static List<Batch> batches(final Path partitionDir)
    {
        final Cli.Result dump = Cli.run("journal", "dump", partitionDir.toString());
        final List<Batch> found = new ArrayList<>();
        final Matcher m = BATCH.matcher(dump.stdout());
        while (m.find())
        {
            found.add(new Batch(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseInt(m.group(4)),
                Integer.parseInt(m.group(5))));
        }
        return found;
    }

    private static Path segmentHolding(final Path partitionDir, final long offset) throws IOException
    {
        try (Stream<Path> files = Files.list(partitionDir))
        {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                .filter(f -> Long.parseLong(f.getFileName().toString().substring(0, 20)) <= offset)
                .max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    private static Path copyOfPartition(final String name) throws IOException
    {
        final Path copy = dir.resolve(name).resolve("journaled-0");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(partition))
        {
            for (final Path f : files.toList())
            {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static void flipByte(final Path file, final long position) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.seek(position);
            final int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x20);
        }
    }

    private static long segmentCount()
    {
        try (Stream<Path> files = Files.list(partition))
        {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
