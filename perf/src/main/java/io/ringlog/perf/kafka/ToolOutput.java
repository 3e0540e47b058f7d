package io.ringlog.perf.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the summary lines the Kafka 4.3.1 tools and this package's probes print. Each returns empty when its
 * line is missing (the tool failed), so the caller reports the failure instead of a number. Stateless.
 *
 * <p>The formats, from the 4.3.1 jars:
 * <pre>
 * ProducerPerformance (last line; progress lines lack the percentiles):
 *   300000 records sent, 24125.452352 records/sec (2.30 MB/sec), 5217.77 ms avg latency, 6900.00 ms max latency,
 *   4883 ms 50th, 6730 ms 95th, 6880 ms 99th, 6895 ms 99.9th.
 * ConsumerPerformance (a header, then one comma-separated row):
 *   start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
 *   fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
 * EndToEndLatency (percentiles in whole milliseconds, truncated):
 *   Avg latency: 3.0762 ms
 *   Percentiles: 50th = 0, 99th = 35, 99.9th = 215
 * </pre>
 * MB there is 2^20 bytes.
 */
final class ToolOutput
{
    private static final String NUMBER = "([0-9]+(?:\\.[0-9]+)?)";
    private static final Pattern PRODUCER_SUMMARY = Pattern.compile(
        "^([0-9]+) records sent, " + NUMBER + " records/sec \\(" + NUMBER + " MB/sec\\), " + NUMBER
            + " ms avg latency, " + NUMBER + " ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th, "
            + "([0-9]+) ms 99\\.9th\\.\\s*$");
    private static final Pattern E2E_AVERAGE = Pattern.compile("^Avg latency: " + NUMBER + " ms\\s*$");
    private static final Pattern E2E_PERCENTILES = Pattern.compile(
        "^Percentiles: 50th = ([0-9]+), 99th = ([0-9]+), 99\\.9th = ([0-9]+)\\s*$");
    private static final String CONSUMER_HEADER_START = "start.time, end.time,";

    private ToolOutput()
    {
    }

    /**
     * ProducerPerformance's final summary (not the progress lines, not the steady-state line).
     *
     * @param recordsSent   records sent.
     * @param recordsPerSec throughput over the whole run, as the tool measures it (first send to last callback).
     * @param mbPerSec      the same in MB (2^20 bytes) of record values per second.
     * @param avgLatencyMs  mean time from send to acknowledgement, queueing in the client included.
     * @param maxLatencyMs  the largest.
     * @param p50Ms         percentiles, whole milliseconds.
     * @param p95Ms         .
     * @param p99Ms         .
     * @param p999Ms        .
     */
    record ProducerSummary(
        long recordsSent, double recordsPerSec, double mbPerSec, double avgLatencyMs, double maxLatencyMs,
        long p50Ms, long p95Ms, long p99Ms, long p999Ms)
    {
    }

    /**
     * ConsumerPerformance's row, by the header's names.
     *
     * @param fields header name to value.
     */
    record ConsumerSummary(Map<String, String> fields)
    {
        /** @return records consumed. */
        long records()
        {
            return Long.parseLong(fields.get("data.consumed.in.nMsg"));
        }

        /** @return MB (2^20 bytes) per second over fetching only, the group's join excluded. */
        double fetchMbPerSec()
        {
            return Double.parseDouble(fields.get("fetch.MB.sec"));
        }

        /** @return records per second over fetching only. */
        double fetchRecordsPerSec()
        {
            return Double.parseDouble(fields.get("fetch.nMsg.sec"));
        }

        /** @return MB per second over the whole run, the group's join included. */
        double mbPerSec()
        {
            return Double.parseDouble(fields.get("MB.sec"));
        }

        /** @return the group's join (rebalance), in ms. */
        long rebalanceMs()
        {
            return Long.parseLong(fields.get("rebalance.time.ms"));
        }
    }

    /**
     * EndToEndLatency's two result lines.
     *
     * @param avgMs  mean over every record, the first (cold) one included.
     * @param p50Ms  percentiles, as the tool prints them: each latency truncated to whole milliseconds first.
     * @param p99Ms  .
     * @param p999Ms .
     */
    record EndToEndSummary(double avgMs, long p50Ms, long p99Ms, long p999Ms)
    {
    }

    /**
     * @param lines the tool's output.
     * @return the last final summary line, or empty.
     */
    static Optional<ProducerSummary> producer(final List<String> lines)
    {
        ProducerSummary found = null;
        for (final String line : lines)
        {
            final Matcher m = PRODUCER_SUMMARY.matcher(line);
            if (m.matches())
            {
                found = new ProducerSummary(
                    Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                    Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)), Long.parseLong(m.group(6)),
                    Long.parseLong(m.group(7)), Long.parseLong(m.group(8)), Long.parseLong(m.group(9)));
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * @param lines the tool's output.
     * @return the first row after the header with as many fields as the header (a warning may come between
     *     them), or empty if there is none (the tool failed).
     */
    static Optional<ConsumerSummary> consumer(final List<String> lines)
    {
        for (int i = 0; i < lines.size() - 1; i++)
        {
            if (lines.get(i).startsWith(CONSUMER_HEADER_START))
            {
                final String[] names = lines.get(i).split(",");
                String[] values = null;
                for (int j = i + 1; j < lines.size() && null == values; j++)
                {
                    final String[] candidate = lines.get(j).split(",");
                    values = candidate.length == names.length ? candidate : null;
                }
                if (null == values)
                {
                    return Optional.empty();
                }
                final Map<String, String> fields = new LinkedHashMap<>();
                for (int f = 0; f < names.length; f++)
                {
                    fields.put(names[f].trim(), values[f].trim());
                }
                try
                {
                    final ConsumerSummary summary = new ConsumerSummary(fields);
                    summary.records();
                    summary.fetchMbPerSec();
                    summary.fetchRecordsPerSec();
                    return Optional.of(summary);
                }
                catch (final RuntimeException ex)
                {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /**
     * @param lines the tool's output.
     * @return both result lines, or empty if either is missing.
     */
    static Optional<EndToEndSummary> endToEnd(final List<String> lines)
    {
        Double avg = null;
        Matcher percentiles = null;
        for (final String line : lines)
        {
            final Matcher a = E2E_AVERAGE.matcher(line);
            if (a.matches())
            {
                avg = Double.parseDouble(a.group(1));
            }
            final Matcher p = E2E_PERCENTILES.matcher(line);
            if (p.matches())
            {
                percentiles = p;
            }
        }
        if (null == avg || null == percentiles)
        {
            return Optional.empty();
        }
        return Optional.of(new EndToEndSummary(avg, Long.parseLong(percentiles.group(1)),
            Long.parseLong(percentiles.group(2)), Long.parseLong(percentiles.group(3))));
    }

    /**
     * A probe's result line, {@code <prefix>: key=value key=value ...} (see {@link LatencyProbe} and
     * {@link ConsumerProbe}).
     *
     * @param lines  the probe's output.
     * @param prefix the line's first word, without the colon.
     * @return the last such line's pairs, in order, or empty.
     */
    static Optional<Map<String, String>> probe(final List<String> lines, final String prefix)
    {
        Map<String, String> found = null;
        for (final String line : lines)
        {
            if (line.startsWith(prefix + ": "))
            {
                final Map<String, String> pairs = new LinkedHashMap<>();
                for (final String word : line.substring(prefix.length() + 2).trim().split("\\s+"))
                {
                    final int eq = word.indexOf('=');
                    if (eq > 0)
                    {
                        pairs.put(word.substring(0, eq), word.substring(eq + 1));
                    }
                }
                found = pairs;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * The first line that looks like the reason a tool failed, for the report.
     *
     * @param lines the tool's output.
     * @return an exception or error line, else the last non-blank line, else "no output".
     */
    static String failureReason(final List<String> lines)
    {
        for (final String line : lines)
        {
            if (line.contains("Exception") || line.startsWith("ERROR") || line.contains(" ERROR ")
                || line.startsWith("Error") || line.startsWith("The node does not support"))
            {
                return line.trim();
            }
        }
        for (int i = lines.size() - 1; i >= 0; i--)
        {
            if (!lines.get(i).isBlank())
            {
                return lines.get(i).trim();
            }
        }
        return "no output";
    }
}
