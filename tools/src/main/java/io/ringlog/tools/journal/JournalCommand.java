package io.ringlog.tools.journal;

import io.ringlog.journal.batch.RecordBatch;
import io.ringlog.journal.segment.SegmentFiles;
import io.ringlog.tools.CliCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.ParentCommand;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ringlog journal dump|verify PATH}: read partition logs straight from their files, no broker needed. PATH is
 * a segment file, a partition directory ({@code topic-0}) or a log dir holding partition directories.
 */
@Command(name = "journal", description = "dump or verify partition logs from their files (no broker needed)",
    subcommands = {JournalCommand.Dump.class, JournalCommand.Verify.class})
public final class JournalCommand extends ParentCommand
{
    @Command(name = "dump", description = "print every batch (and with --records every record) of the segments")
    static final class Dump extends CliCommand
    {
        @Parameters(index = "0", paramLabel = "PATH", description = "segment file, partition dir or log dir")
        Path path;

        @Option(names = "--records", description = "also print each record: offset, timestamp, key, value, headers")
        boolean records;

        @Option(names = "--indexes", description = "also print the offset and time index entries")
        boolean indexes;

        @Override
        public Integer call() throws IOException
        {
            return new Walk(out(), path, true, records, indexes).run();
        }
    }

    @Command(name = "verify",
        description = "check CRCs, offsets, epochs and indexes; exit 1 and say where on a problem")
    static final class Verify extends CliCommand
    {
        @Parameters(index = "0", paramLabel = "PATH", description = "segment file, partition dir or log dir")
        Path path;

        @Override
        public Integer call() throws IOException
        {
            return new Walk(out(), path, false, false, false).run();
        }
    }

    /** One pass over the partitions under a path: checks always, printing as asked. */
    private static final class Walk
    {
        private final PrintWriter out;
        private final Path path;
        private final boolean printBatches;
        private final boolean printRecords;
        private final boolean printIndexes;
        private long segments;
        private long batches;
        private long records;
        private long bytes;
        private long problems;

        Walk(
            final PrintWriter out,
            final Path path,
            final boolean batches,
            final boolean records,
            final boolean indexes)
        {
            this.out = out;
            this.path = path;
            this.printBatches = batches;
            this.printRecords = records;
            this.printIndexes = indexes;
        }

        int run() throws IOException
        {
            final Map<Path, List<Path>> partitions = segmentsUnder(path);
            for (final Map.Entry<Path, List<Path>> p : partitions.entrySet())
            {
                partition(p.getKey(), p.getValue());
            }
            out.println("journal: " + partitions.size() + " partition(s), " + segments + " segment(s), " + batches +
                " batch(es), " + records + " record(s), " + bytes + " bytes: " +
                (problems == 0 ? "OK" : problems + " problem(s)"));
            out.flush();
            return problems == 0 ? 0 : CliException.FAILED;
        }

        private void partition(final Path dir, final List<Path> logs) throws IOException
        {
            EpochHistory epochs = EpochHistory.NONE;
            try
            {
                epochs = EpochHistory.read(dir);
            }
            catch (final IOException ex)
            {
                problem(dir.resolve("leader-epoch-checkpoint"), 0, "offset unknown", ex.getMessage());
            }
            long expected = -1;
            for (final Path log : logs)
            {
                try (SegmentScanner scanner = SegmentScanner.open(log))
                {
                    final long base = scanner.fileBaseOffset();
                    if (expected >= 0 && base >= 0 && base != expected)
                    {
                        problem(log, 0, "offset " + expected, "segment starts at offset " + base +
                            " but the previous segment ends before " + expected + " (offsets missing or doubled)");
                    }
                    expected = segment(scanner, base >= 0 ? base : expected, epochs);
                }
            }
        }

        private long segment(final SegmentScanner scanner, final long base, final EpochHistory epochs)
            throws IOException
        {
            segments++;
            if (printBatches)
            {
                out.println("segment " + scanner.file() + ": base offset " + base + ", " + scanner.size() + " bytes");
            }
            final IndexCheck.Batches readable = new IndexCheck.Batches();
            final long next = scanner.scan(base, epochs, new SegmentScanner.Visitor()
            {
                @Override
                public void batch(
                    final int position, final RecordBatch batch, final long first, final long last,
                    final boolean intact)
                {
                    batches++;
                    records += Math.max(0, batch.recordCount());
                    bytes += batch.sizeInBytes();
                    readable.add(position, last, batch.maxTimestamp());
                    if (printBatches)
                    {
                        printBatch(scanner, position, batch, intact);
                    }
                }

                @Override
                public void problem(final int position, final String where, final String message)
                {
                    Walk.this.problem(scanner.file(), position, where, message);
                }
            });
            if (scanner.fileBaseOffset() >= 0)
            {
                final Path dir = scanner.file().getParent();
                final IndexCheck.Problems report = this::problem;
                final PrintWriter print = printIndexes ? out : null;
                IndexCheck.checkOffsetIndex(SegmentFiles.indexFile(dir, base), base, readable, scanner.dataEnd(),
                    report, print);
                IndexCheck.checkTimeIndex(SegmentFiles.timeIndexFile(dir, base), base, readable, report, print);
            }
            return next;
        }

        private void printBatch(final SegmentScanner scanner, final int position, final RecordBatch b,
            final boolean intact)
        {
            out.println("baseOffset: " + b.baseOffset() + " lastOffset: " + b.lastOffset() +
                " count: " + b.recordCount() + " position: " + position + " size: " + b.sizeInBytes() +
                " epoch: " + b.partitionLeaderEpoch() + " magic: " + b.magic() +
                " compression: " + compression(b.compressionType()) +
                " baseTimestamp: " + b.baseTimestamp() + " maxTimestamp: " + b.maxTimestamp() +
                " producerId: " + b.producerId() + " producerEpoch: " + b.producerEpoch() +
                " baseSequence: " + b.baseSequence() +
                (b.isTransactional() ? " transactional" : "") + (b.isControl() ? " control" : "") +
                String.format(" crc: 0x%08x valid: %s", b.crc(), intact));
            if (printRecords && intact)
            {
                printRecords(scanner.batchBytes(position, b.sizeInBytes()));
            }
        }

        private void printRecords(final ByteBuffer batch)
        {
            for (final org.apache.kafka.common.record.internal.RecordBatch kafkaBatch :
                MemoryRecords.readableRecords(batch).batches())
            {
                for (final Record r : kafkaBatch)
                {
                    final StringBuilder line = new StringBuilder("| offset: ").append(r.offset())
                        .append(" timestamp: ").append(r.timestamp())
                        .append(" key: ").append(text(r.key()))
                        .append(" value: ").append(text(r.value()));
                    for (final Header h : r.headers())
                    {
                        line.append(" header: ").append(h.key()).append('=')
                            .append(h.value() == null ? "null" : new String(h.value(), StandardCharsets.UTF_8));
                    }
                    out.println(line);
                }
            }
        }

        private void problem(final Path file, final int position, final String where, final String message)
        {
            problems++;
            out.println("PROBLEM " + file + " position " + position + " (" + where + "): " + message);
        }

        private static String text(final ByteBuffer b)
        {
            if (b == null)
            {
                return "null";
            }
            final byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private static String compression(final int type)
        {
            return switch (type)
            {
                case 0 -> "none";
                case 1 -> "gzip";
                case 2 -> "snappy";
                case 3 -> "lz4";
                case 4 -> "zstd";
                default -> "unknown(" + type + ")";
            };
        }
    }

    /** Segment files by partition directory, each list in offset order. */
    static Map<Path, List<Path>> segmentsUnder(final Path path) throws IOException
    {
        final Map<Path, List<Path>> found = new LinkedHashMap<>();
        if (Files.isRegularFile(path))
        {
            if (SegmentFiles.parseLogFileName(path.getFileName().toString()) < 0 &&
                !path.getFileName().toString().endsWith(SegmentFiles.LOG_SUFFIX))
            {
                throw CliException.usage(path + " is not a segment file (NNNNNNNNNNNNNNNNNNNN.log)");
            }
            found.put(path.toAbsolutePath().getParent(), List.of(path));
            return found;
        }
        if (!Files.isDirectory(path))
        {
            throw CliException.usage("no such file or directory: " + path);
        }
        final List<Path> here = logsIn(path);
        if (!here.isEmpty())
        {
            found.put(path, here);
            return found;
        }
        try (Stream<Path> children = Files.list(path))
        {
            for (final Path dir : children.filter(Files::isDirectory).sorted().toList())
            {
                final List<Path> logs = logsIn(dir);
                if (!logs.isEmpty())
                {
                    found.put(dir, logs);
                }
            }
        }
        if (found.isEmpty())
        {
            throw new CliException("no segment files (NNNNNNNNNNNNNNNNNNNN.log) in " + path +
                " or its directories");
        }
        return found;
    }

    private static List<Path> logsIn(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            final List<Path> logs = new ArrayList<>(files
                .filter(f -> SegmentFiles.parseLogFileName(f.getFileName().toString()) >= 0)
                .toList());
            logs.sort(Comparator.comparingLong(f -> SegmentFiles.parseLogFileName(f.getFileName().toString())));
            return logs;
        }
    }
}
