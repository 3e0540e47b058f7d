package io.ringlog.perf.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH CSV result file ({@code -rf csv -rff FILE}) of the journal benchmarks into the
 * Markdown tables of perf/RESULTS.md: one row per benchmark and parameter set with ops/s,
 * MB/s (10^6 bytes, from the {@code bytes} aux counter), records/s and {@code -prof gc}'s
 * alloc B/op; then, per batch shape, the journal's append rate as a fraction of the raw mapped
 * copy (plain, and forcing each full segment to disk), and of Chronicle Queue, on the same bytes.
 * <p>
 * Usage: {@code java -cp perf/target/benchmarks.jar io.ringlog.perf.report.ResultsTable FILE}.
 * A command-line tool; not thread-safe, allocates freely.
 */
public final class ResultsTable
{
    static final String JOURNAL_APPEND = "JournalAppendBenchmark.append";
    static final String MAPPED_COPY = "MappedAppendBenchmark.copy";
    static final String MAPPED_COPY_FORCED = "MappedAppendBenchmark.copyForceOnRoll";
    static final String CHRONICLE_APPEND = "ChronicleAppendBenchmark.append";

    private static final String PARAM_PREFIX = "Param: ";
    private static final String BYTES = "bytes";
    private static final String RECORDS = "records";
    private static final String ALLOC_NORM = "gc.alloc.rate.norm";

    /** One benchmark method at one parameter set, with its secondary results. */
    static final class Row
    {
        final String benchmark;
        final String params;
        double score = Double.NaN;
        double error = Double.NaN;
        final Map<String, Double> secondary = new TreeMap<>();

        Row(final String benchmark, final String params)
        {
            this.benchmark = benchmark;
            this.params = params;
        }

        double secondary(final String name)
        {
            return secondary.getOrDefault(name, Double.NaN);
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();

    /**
     * Read JMH's CSV.
     *
     * @param lines the file's lines, header first.
     * @return the parsed results.
     */
    static ResultsTable parse(final List<String> lines)
    {
        final ResultsTable table = new ResultsTable();
        final List<String> header = splitCsv(lines.get(0));
        final int benchmarkColumn = header.indexOf("Benchmark");
        final int scoreColumn = header.indexOf("Score");
        final int errorColumn = header.indexOf("Score Error (99.9%)");
        for (final String line : lines.subList(1, lines.size()))
        {
            if (line.isBlank())
            {
                continue;
            }
            final List<String> cells = splitCsv(line);
            final StringBuilder params = new StringBuilder();
            for (int i = 0; i < header.size(); i++)
            {
                if (header.get(i).startsWith(PARAM_PREFIX) && i < cells.size() && !cells.get(i).isEmpty())
                {
                    params.append(params.length() == 0 ? "" : ", ")
                        .append(header.get(i).substring(PARAM_PREFIX.length())).append('=').append(cells.get(i));
                }
            }
            final String fullName = shortName(cells.get(benchmarkColumn));
            final int colon = fullName.indexOf(':');
            final String benchmark = colon < 0 ? fullName : fullName.substring(0, colon);
            final Row row = table.rows.computeIfAbsent(benchmark + " | " + params, key -> new Row(benchmark, params.toString()));
            final double score = parseDouble(cells.get(scoreColumn));
            if (colon < 0)
            {
                row.score = score;
                row.error = parseDouble(cells.get(errorColumn));
            }
            else
            {
                row.secondary.put(fullName.substring(colon + 1), score);
            }
        }
        return table;
    }

    /**
     * Write the Markdown tables.
     *
     * @param out where to.
     */
    void print(final PrintStream out)
    {
        out.println("| benchmark | params | ops/s | ± (99.9 %) | MB/s | records/s | alloc B/op |");
        out.println("|---|---|---:|---:|---:|---:|---:|");
        for (final Row row : rows.values())
        {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n",
                row.benchmark, row.params, number(row.score), number(row.error),
                number(row.secondary(BYTES) / 1e6), number(row.secondary(RECORDS)), alloc(row.secondary(ALLOC_NORM)));
        }

        out.println();
        out.println("| params | batch bytes | journal ops/s | raw mapped ops/s | raw + fsync on roll ops/s "
            + "| Chronicle ops/s | journal / raw | journal / raw + fsync | journal / Chronicle | journal alloc B/op |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (final Row journal : rowsOf(JOURNAL_APPEND))
        {
            final double raw = score(find(MAPPED_COPY, journal.params));
            final double rawForced = score(find(MAPPED_COPY_FORCED, journal.params));
            final double chronicle = score(find(CHRONICLE_APPEND, journal.params));
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                journal.params, number(journal.secondary(BYTES) / journal.score),
                number(journal.score), number(raw), number(rawForced), number(chronicle),
                percent(journal.score / raw), percent(journal.score / rawForced), ratio(journal.score / chronicle),
                alloc(journal.secondary(ALLOC_NORM)));
        }
    }

    List<Row> rowsOf(final String benchmark)
    {
        final List<Row> found = new ArrayList<>();
        for (final Row row : rows.values())
        {
            if (row.benchmark.equals(benchmark))
            {
                found.add(row);
            }
        }
        return found;
    }

    /**
     * The row of {@code benchmark} run on the same batch shape: every parameter it has is set as
     * in {@code params}, which may have more (the journal's own, such as {@code fsync}).
     */
    Row find(final String benchmark, final String params)
    {
        final List<String> wanted = List.of(params.split(", "));
        for (final Row row : rowsOf(benchmark))
        {
            if (wanted.containsAll(List.of(row.params.split(", "))))
            {
                return row;
            }
        }
        return null;
    }

    /**
     * Print the tables for a JMH CSV file.
     *
     * @param args the CSV file.
     * @throws IOException if it cannot be read.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length != 1)
        {
            System.err.println("usage: ResultsTable JMH_RESULT.csv");
            System.exit(2);
        }
        parse(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)).print(System.out);
    }

    private static double score(final Row row)
    {
        return null == row ? Double.NaN : row.score;
    }

    private static String shortName(final String benchmark)
    {
        final int colon = benchmark.indexOf(':');
        final String method = colon < 0 ? benchmark : benchmark.substring(0, colon);
        final int classDot = method.lastIndexOf('.', method.lastIndexOf('.') - 1);
        return benchmark.substring(classDot + 1);
    }

    private static List<String> splitCsv(final String line)
    {
        final List<String> cells = new ArrayList<>();
        for (final String cell : line.split(",", -1))
        {
            cells.add(cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")
                ? cell.substring(1, cell.length() - 1) : cell);
        }
        return cells;
    }

    private static double parseDouble(final String cell)
    {
        try
        {
            return Double.parseDouble(cell);
        }
        catch (final NumberFormatException ex)
        {
            return Double.NaN;
        }
    }

    private static String number(final double value)
    {
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            return "–";
        }
        return String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%,.2f", value);
    }

    private static String alloc(final double bytesPerOp)
    {
        return Double.isNaN(bytesPerOp) ? "–" : String.format(Locale.ROOT, "%.3f", bytesPerOp);
    }

    private static String percent(final double fraction)
    {
        return Double.isNaN(fraction) ? "–" : String.format(Locale.ROOT, "%.0f %%", fraction * 100);
    }

    private static String ratio(final double value)
    {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.2f", value);
    }
}
