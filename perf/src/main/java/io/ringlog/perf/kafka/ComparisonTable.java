package io.ringlog.perf.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the step results of one run into Markdown: a comparison table (one row per metric, Kafka, Ringlog, their
 * ratio and the target) and a table of every tool run with its CPU, so a reader can see where the time went
 * and whether the machine was busy with something else. Used once, by the main thread.
 */
final class ComparisonTable
{
    /** What the issue asks of the ratio Ringlog / Kafka on a row. */
    enum Target
    {
        /** No target: the row is context. */
        NONE("", Double.NaN, false),
        /** Throughput: at least twice Kafka's. */
        AT_LEAST_2X("≥ 2", 2.0, true),
        /** Broker CPU per record: at most a quarter of Kafka's. */
        AT_MOST_QUARTER("≤ 0.25", 0.25, false),
        /** End-to-end p99: at most a fifth of Kafka's. */
        AT_MOST_FIFTH("≤ 0.20", 0.20, false);

        private final String text;
        private final double bound;
        private final boolean atLeast;

        Target(final String text, final double bound, final boolean atLeast)
        {
            this.text = text;
            this.bound = bound;
            this.atLeast = atLeast;
        }

        String met(final double ratio)
        {
            if (this == NONE || Double.isNaN(ratio))
            {
                return "";
            }
            return (atLeast ? ratio >= bound : ratio <= bound) ? "yes" : "**no**";
        }
    }

    /**
     * A table cell: a number, or the reason there is none.
     *
     * @param value  the number, NaN if none.
     * @param reason why there is none, or null.
     */
    record Cell(double value, String reason)
    {
        static Cell of(final double value)
        {
            return new Cell(value, null);
        }

        static Cell missing(final String reason)
        {
            return new Cell(Double.NaN, reason);
        }

        boolean present()
        {
            return null == reason && !Double.isNaN(value);
        }
    }

    private final List<StepResult> results;
    private final Map<String, Double> idleCorePercent;
    private final long ticksPerSecond;
    private Map<String, Map<String, Long>> idleThreads = Map.of();
    private long idleSecs;

    /**
     * @param results         every step of both brokers.
     * @param idleCorePercent each broker's CPU while idle, in % of one core.
     * @param ticksPerSecond  clock ticks per second of /proc.
     */
    ComparisonTable(
        final List<StepResult> results, final Map<String, Double> idleCorePercent, final long ticksPerSecond)
    {
        this.results = List.copyOf(results);
        this.idleCorePercent = Map.copyOf(idleCorePercent);
        this.ticksPerSecond = ticksPerSecond;
    }

    /**
     * @param threads each broker's idle CPU by thread group.
     * @param secs    over how long it was sampled.
     * @return this table.
     */
    ComparisonTable withIdleThreads(final Map<String, Map<String, Long>> threads, final long secs)
    {
        this.idleThreads = Map.copyOf(threads);
        this.idleSecs = secs;
        return this;
    }

    /**
     * @return the comparison table, Markdown.
     */
    String comparison()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| metric | Kafka 4.3.1 | Ringlog | Ringlog / Kafka | target | met |\n");
        out.append("|---|---:|---:|---:|---|---|\n");
        row(out, "ProducerPerformance acks=1, records/s", "%,.0f", Target.AT_LEAST_2X, Step.ACKS_1,
            b -> producer(b, Step.ACKS_1).map(p -> p.recordsPerSec()));
        row(out, "ProducerPerformance acks=all, records/s", "%,.0f", Target.AT_LEAST_2X, Step.ACKS_ALL,
            b -> producer(b, Step.ACKS_ALL).map(p -> p.recordsPerSec()));
        row(out, "broker CPU, acks=1, s per 1M records", "%.2f", Target.AT_MOST_QUARTER, Step.ACKS_1,
            b -> cpuPerMillion(b, Step.ACKS_1));
        row(out, "broker CPU, acks=all, s per 1M records", "%.2f", Target.AT_MOST_QUARTER, Step.ACKS_ALL,
            b -> cpuPerMillion(b, Step.ACKS_ALL));
        row(out, "broker CPU without its JIT compiler threads, acks=1, s per 1M records", "%.2f", Target.NONE,
            Step.ACKS_1, b -> cpuWithoutJitPerMillion(b, Step.ACKS_1));
        row(out, "broker CPU without its JIT compiler threads, acks=all, s per 1M records", "%.2f", Target.NONE,
            Step.ACKS_ALL, b -> cpuWithoutJitPerMillion(b, Step.ACKS_ALL));
        row(out, "end-to-end p50, µs (LatencyProbe)", "%,.0f", Target.NONE, Step.E2E_PROBE,
            b -> probe(b, Step.E2E_PROBE, "p50.us"));
        row(out, "end-to-end p99, µs (LatencyProbe)", "%,.0f", Target.AT_MOST_FIFTH, Step.E2E_PROBE,
            b -> probe(b, Step.E2E_PROBE, "p99.us"));
        row(out, "end-to-end p99.9, µs (LatencyProbe)", "%,.0f", Target.NONE, Step.E2E_PROBE,
            b -> probe(b, Step.E2E_PROBE, "p99.9.us"));
        row(out, "end-to-end max, µs (LatencyProbe)", "%,.0f", Target.NONE, Step.E2E_PROBE,
            b -> probe(b, Step.E2E_PROBE, "max.us"));
        row(out, "end-to-end, produce ack p50, µs (LatencyProbe)", "%,.0f", Target.NONE, Step.E2E_PROBE,
            b -> probe(b, Step.E2E_PROBE, "ack.p50.us"));
        row(out, "EndToEndLatency avg, ms (tool; first cold record included)", "%.3f", Target.NONE, Step.E2E_TOOL,
            b -> endToEnd(b).map(e -> e.avgMs()));
        row(out, "EndToEndLatency p50, whole ms (tool)", "%.0f", Target.NONE, Step.E2E_TOOL,
            b -> endToEnd(b).map(e -> (double)e.p50Ms()));
        row(out, "EndToEndLatency p99, whole ms (tool)", "%.0f", Target.NONE, Step.E2E_TOOL,
            b -> endToEnd(b).map(e -> (double)e.p99Ms()));
        row(out, "EndToEndLatency p99.9, whole ms (tool)", "%.0f", Target.NONE, Step.E2E_TOOL,
            b -> endToEnd(b).map(e -> (double)e.p999Ms()));
        row(out, "ConsumerPerformance fetch MB/s", "%.1f", Target.NONE, Step.CONSUMER_PERF,
            b -> consumerPerf(b).map(c -> c.fetchMbPerSec()));
        row(out, "ConsumerPerformance fetch records/s", "%,.0f", Target.NONE, Step.CONSUMER_PERF,
            b -> consumerPerf(b).map(c -> c.fetchRecordsPerSec()));
        row(out, "ConsumerProbe MB/s (assign, no group)", "%.1f", Target.NONE, Step.CONSUMER_PROBE,
            b -> probe(b, Step.CONSUMER_PROBE, "MB.sec"));
        row(out, "ConsumerProbe records/s", "%,.0f", Target.NONE, Step.CONSUMER_PROBE,
            b -> probe(b, Step.CONSUMER_PROBE, "nMsg.sec"));
        row(out, "broker CPU, ConsumerProbe, s per 1M records", "%.2f", Target.NONE, Step.CONSUMER_PROBE,
            b -> cpuPerMillion(b, Step.CONSUMER_PROBE));
        row(out, "broker CPU, LatencyProbe, s per 1M records", "%.1f", Target.NONE, Step.E2E_PROBE,
            b -> cpuPerMillion(b, Step.E2E_PROBE));
        row(out, "broker CPU while idle, % of one core", "%.1f", Target.NONE, null,
            b -> Optional.ofNullable(idleCorePercent.get(b)));
        row(out, "client CPU, ProducerPerformance acks=1, s per 1M records", "%.2f", Target.NONE, Step.ACKS_1,
            b -> clientCpuPerMillion(b, Step.ACKS_1));
        row(out, "ceiling for acks=1 if the broker took no CPU: cores / client CPU per record", "%,.0f", Target.NONE,
            Step.ACKS_1, b -> clientCpuPerMillion(b, Step.ACKS_1)
                .map(s -> Runtime.getRuntime().availableProcessors() * 1e6 / s));
        return out.toString();
    }

    /**
     * @return one row per tool run, Markdown.
     */
    String runs()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| broker | step | records | exit | wall s | result | broker CPU s | broker CPU s / 1M rec "
            + "| client CPU s | other CPU s | machine busy |\n");
        out.append("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
        for (final StepResult r : results)
        {
            final ToolRun run = r.run();
            final double busy = null == r.machine() || 0 == r.machine().total() ? Double.NaN :
                100.0 * r.machine().busy() / r.machine().total();
            out.append("| ").append(r.broker())
                .append(" | ").append(r.step().label())
                .append(" | ").append(String.format(Locale.ROOT, "%,d", r.records()))
                .append(" | ").append(null == run ? "–" : Integer.toString(run.exitCode()))
                .append(" | ").append(null == run ? "–" : format("%.1f", run.wallNanos() / 1e9))
                .append(" | ").append(summary(r)).append(r.disturbed() ? " **(disturbed)**" : "")
                .append(r.attempt() > 1 ? " (attempt " + r.attempt() + ")" : "")
                .append(" | ").append(format("%.2f", seconds(r.brokerTicks())))
                .append(" | ").append(format("%.2f", seconds(r.brokerTicks()) / (r.records() / 1e6)))
                .append(" | ").append(null == run ? "–" : format("%.2f", seconds(run.cpuTicks())))
                .append(" | ").append(format("%.2f", seconds(r.otherTicks())))
                .append(" | ").append(Double.isNaN(busy) ? "–" : format("%.0f %%", busy))
                .append(" |\n");
        }
        return out.toString();
    }

    /**
     * The broker's busiest thread groups in the producer and latency runs, to see where its CPU went.
     *
     * @return Markdown, one row per broker and step.
     */
    String threads()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| broker | step | broker CPU s | busiest threads, CPU s (share) |\n|---|---|---:|---|\n");
        for (final Map.Entry<String, Map<String, Long>> idle : idleThreads.entrySet())
        {
            final long total = Math.max(1, idle.getValue().values().stream().mapToLong(Long::longValue).sum());
            out.append("| ").append(idle.getKey()).append(" | idle, ").append(idleSecs).append(" s")
                .append(" | ").append(format("%.2f", seconds(total)))
                .append(" | ").append(busiest(idle.getValue(), total)).append(" |\n");
        }
        for (final StepResult r : results)
        {
            if (!r.ok() || r.brokerThreads().isEmpty() || !(r.step() == Step.ACKS_1 || r.step() == Step.ACKS_ALL
                || r.step() == Step.CONSUMER_PROBE || r.step() == Step.E2E_PROBE))
            {
                continue;
            }
            final long total = Math.max(1, r.brokerTicks());
            out.append("| ").append(r.broker()).append(" | ").append(r.step().label())
                .append(" | ").append(format("%.2f", seconds(r.brokerTicks())))
                .append(" | ").append(busiest(r.brokerThreads(), total)).append(" |\n");
        }
        return out.toString();
    }

    private String busiest(final Map<String, Long> threads, final long total)
    {
        return String.join(", ", threads.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(6)
            .map(e -> format("`%s` %.2f (%.0f %%)", cellText(e.getKey()), seconds(e.getValue()),
                100.0 * e.getValue() / total))
            .toList());
    }

    /**
     * @param r a step.
     * @return its main numbers in a few words, or why it failed.
     */
    String summary(final StepResult r)
    {
        if (!r.ok())
        {
            return "failed: " + cellText(reason(r));
        }
        final List<String> lines = r.run().output();
        return switch (r.step())
        {
            case WARMUP, WARMUP_ALL, ACKS_1, ACKS_ALL -> ToolOutput.producer(lines)
                .map(p -> format("%,.0f rec/s, %.1f MB/s, ack p50 %d ms p99 %d ms", p.recordsPerSec(), p.mbPerSec(),
                    p.p50Ms(), p.p99Ms()))
                .orElse("no summary line");
            case CONSUMER_PERF -> ToolOutput.consumer(lines)
                .map(c -> c.records() < r.records() ?
                    format("read only %,d of %,d records before its timeout", c.records(), r.records()) :
                    format("fetch %.1f MB/s, %,.0f rec/s; join %d ms", c.fetchMbPerSec(), c.fetchRecordsPerSec(),
                        c.rebalanceMs()))
                .orElse("no summary line");
            case CONSUMER_PROBE -> ToolOutput.probe(lines, "consumer-probe")
                .map(m -> format("%.1f MB/s, %,.0f rec/s", Double.parseDouble(m.get("MB.sec")),
                    Double.parseDouble(m.get("nMsg.sec"))))
                .orElse("no summary line");
            case E2E_TOOL -> ToolOutput.endToEnd(lines)
                .map(e -> format("avg %.3f ms; p50 %d, p99 %d, p99.9 %d (whole ms)", e.avgMs(), e.p50Ms(),
                    e.p99Ms(), e.p999Ms()))
                .orElse("no summary line");
            case E2E_PROBE -> ToolOutput.probe(lines, "latency-probe")
                .map(m -> format("p50 %,.0f, p99 %,.0f, p99.9 %,.0f, max %,.0f µs",
                    Double.parseDouble(m.get("p50.us")), Double.parseDouble(m.get("p99.us")),
                    Double.parseDouble(m.get("p99.9.us")), Double.parseDouble(m.get("max.us"))))
                .orElse("no summary line");
        };
    }

    private interface Metric
    {
        Optional<Double> of(String broker);
    }

    private void row(
        final StringBuilder out, final String label, final String format, final Target target, final Step step,
        final Metric metric)
    {
        final Map<String, Cell> cells = new LinkedHashMap<>();
        for (final String broker : List.of("kafka", "ringlog"))
        {
            final Optional<Double> value = metric.of(broker);
            cells.put(broker, value.isPresent() ? Cell.of(value.get()) : Cell.missing(missingReason(broker, step)));
        }
        final Cell kafka = cells.get("kafka");
        final Cell ringlog = cells.get("ringlog");
        final double ratio = kafka.present() && ringlog.present() && kafka.value() != 0 ?
            ringlog.value() / kafka.value() : Double.NaN;
        out.append("| ").append(label)
            .append(" | ").append(text(kafka, format))
            .append(" | ").append(text(ringlog, format))
            .append(" | ").append(Double.isNaN(ratio) ? "–" : format("%.2f", ratio))
            .append(" | ").append(target.text)
            .append(" | ").append(target.met(ratio))
            .append(" |\n");
    }

    private String missingReason(final String broker, final Step step)
    {
        if (null == step)
        {
            return results.stream().anyMatch(r -> r.broker().equals(broker)) ? "not measured" : "not run";
        }
        return find(broker, step).map(r -> r.ok() ? "no value: " + summary(r) : "failed: " + reason(r))
            .orElse("not run");
    }

    private String text(final Cell cell, final String format)
    {
        return cell.present() ? format(format, cell.value()) : cellText(cell.reason());
    }

    private Optional<StepResult> find(final String broker, final Step step)
    {
        return results.stream().filter(r -> r.broker().equals(broker) && r.step() == step).findFirst();
    }

    private Optional<ToolOutput.ProducerSummary> producer(final String broker, final Step step)
    {
        return find(broker, step).filter(StepResult::ok).flatMap(r -> ToolOutput.producer(r.run().output()));
    }

    private Optional<ToolOutput.ConsumerSummary> consumerPerf(final String broker)
    {
        return find(broker, Step.CONSUMER_PERF).filter(StepResult::ok)
            .flatMap(r -> ToolOutput.consumer(r.run().output()).filter(c -> c.records() >= r.records()));
    }

    private Optional<ToolOutput.EndToEndSummary> endToEnd(final String broker)
    {
        return find(broker, Step.E2E_TOOL).filter(StepResult::ok).flatMap(r -> ToolOutput.endToEnd(r.run().output()));
    }

    private Optional<Double> probe(final String broker, final Step step, final String key)
    {
        final String prefix = step == Step.E2E_PROBE ? "latency-probe" : "consumer-probe";
        return find(broker, step).filter(StepResult::ok)
            .flatMap(r -> ToolOutput.probe(r.run().output(), prefix))
            .map(m -> m.get(key)).map(Double::parseDouble);
    }

    private Optional<Double> cpuPerMillion(final String broker, final Step step)
    {
        return find(broker, step).filter(StepResult::ok)
            .map(r -> seconds(r.brokerTicks()) / (r.records() / 1e6));
    }

    private Optional<Double> cpuWithoutJitPerMillion(final String broker, final Step step)
    {
        return find(broker, step).filter(StepResult::ok).filter(r -> !r.brokerThreads().isEmpty())
            .map(r -> seconds(r.brokerTicksWithoutJit()) / (r.records() / 1e6));
    }

    private Optional<Double> clientCpuPerMillion(final String broker, final Step step)
    {
        return find(broker, step).filter(StepResult::ok)
            .map(r -> seconds(r.run().cpuTicks()) / (r.records() / 1e6));
    }

    private double seconds(final long ticks)
    {
        return (double)ticks / ticksPerSecond;
    }

    private static String reason(final StepResult r)
    {
        if (null != r.error())
        {
            return r.error();
        }
        if (null == r.run())
        {
            return "not run";
        }
        final String why = ToolOutput.failureReason(r.run().output());
        return r.run().exitCode() == -1 ? "timed out; " + why : why;
    }

    private static String cellText(final String text)
    {
        final String flat = text.replace('|', '/').replace('\n', ' ');
        return flat.length() > 90 ? flat.substring(0, 87) + "..." : flat;
    }

    private static String format(final String format, final Object... args)
    {
        return String.format(Locale.ROOT, format, args);
    }

    /**
     * @return the rows whose ratio misses its target, or whose numbers are missing, for the closing lines.
     */
    List<String> unmetTargets()
    {
        final List<String> unmet = new ArrayList<>();
        for (final String line : comparison().split("\n"))
        {
            if (line.endsWith("| **no** |"))
            {
                unmet.add(line.substring(2, line.indexOf(" | ")));
            }
        }
        return unmet;
    }
}
