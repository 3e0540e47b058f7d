package io.ringlog.perf.kafka;

/**
 * The tool runs against each broker, in the order they run. The same arguments go to both brokers.
 */
enum Step
{
    /** ProducerPerformance acks=1 into its own topic, not measured: JIT and page cache warm-up for the broker. */
    WARMUP("warm-up, ProducerPerformance acks=1", false, false),
    /** ProducerPerformance acks=all into its own topic, not measured: the acks=all and idempotence paths' JIT. */
    WARMUP_ALL("warm-up, ProducerPerformance acks=all", false, false),
    /** ProducerPerformance, acks=1. */
    ACKS_1("ProducerPerformance acks=1", true, false),
    /** ProducerPerformance, acks=all (idempotent, the producer's default for acks=all). */
    ACKS_ALL("ProducerPerformance acks=all", true, false),
    /** ConsumerPerformance over the acks=1 topic: needs consumer groups (FindCoordinator, JoinGroup). */
    CONSUMER_PERF("ConsumerPerformance", true, true),
    /** {@link ConsumerProbe} over the acks=1 topic: assigned, no group. */
    CONSUMER_PROBE("ConsumerProbe (assign, no group)", true, false),
    /** EndToEndLatency, acks=1: percentiles in whole ms. */
    E2E_TOOL("EndToEndLatency acks=1", true, false),
    /** {@link LatencyProbe}, acks=1: EndToEndLatency's method in µs. */
    E2E_PROBE("LatencyProbe acks=1 (EndToEndLatency's method, ns clock)", true, false);

    private final String label;
    private final boolean measured;
    private final boolean optional;

    Step(final String label, final boolean measured, final boolean optional)
    {
        this.label = label;
        this.measured = measured;
        this.optional = optional;
    }

    /** @return what the step runs, for progress lines and the table. */
    String label()
    {
        return label;
    }

    /** @return false for warm-up steps, left out of the comparison. */
    boolean measured()
    {
        return measured;
    }

    /** @return true if a broker may legitimately not support it: its failure is reported, not fatal. */
    boolean optional()
    {
        return optional;
    }
}
