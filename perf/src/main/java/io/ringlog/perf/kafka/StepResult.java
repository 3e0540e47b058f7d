package io.ringlog.perf.kafka;

/**
 * One tool run against one broker, with the CPU it cost whom. Immutable.
 *
 * @param broker   "kafka" or "ringlog".
 * @param step     what ran.
 * @param records  records the step was asked to move.
 * @param run      the tool's process: exit code, output, wall time, its own CPU; null if it never started.
 * @param brokerCpu the broker's CPU between just before the tool started and just after it exited, in ticks
 *                 (its children's included: there are none, both brokers are single JVMs).
 * @param machine  the whole machine's ticks over the same interval.
 * @param harness  the harness JVM's own ticks over the interval.
 * @param error    why the step has no numbers, or null.
 * @param brokerThreads the broker's CPU over the same interval by thread group ({@link ProcStat#threadGroup}), or
 *                 empty.
 * @param attempt  1 for the first run of the step; more when earlier runs were {@link #disturbed()} and retried.
 */
record StepResult(
    String broker, Step step, long records, ToolRun run, ProcStat.ProcessTicks brokerCpu,
    ProcStat.MachineTicks machine, long harness, String error, java.util.Map<String, Long> brokerThreads,
    int attempt)
{
    /** The JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre" with digits folded). */
    static final String JIT_THREADS = "C# CompilerThre";

    /**
     * A run counts as disturbed when the rest of the machine (not the broker, the tool or the harness) took more
     * than a quarter of all its cores' time: then it was competing with someone else's build.
     */
    static final double DISTURBED_SHARE = 0.25;

    /**
     * @return true if other processes took more than {@link #DISTURBED_SHARE} of the machine during the run.
     */
    boolean disturbed()
    {
        return null != machine && machine.total() > 0 && (double)otherTicks() / machine.total() > DISTURBED_SHARE;
    }

    /** @return true if the tool ran and exited with 0. */
    boolean ok()
    {
        return null == error && null != run && run.ok();
    }

    /** @return the broker's CPU in ticks without its JIT compiler threads' (a warm-up that was too short). */
    long brokerTicksWithoutJit()
    {
        return Math.max(0, brokerTicks() - brokerThreads.getOrDefault(JIT_THREADS, 0L));
    }

    /** @return the broker's CPU in ticks, itself and children. */
    long brokerTicks()
    {
        return null == brokerCpu ? 0 : brokerCpu.own() + brokerCpu.children();
    }

    /**
     * @return ticks of everything else on the machine during the run: other engineers' builds, the kernel's
     *     unattributed work. A large value means the run was disturbed.
     */
    long otherTicks()
    {
        if (null == machine || null == run)
        {
            return 0;
        }
        return Math.max(0, machine.busy() - brokerTicks() - run.cpuTicks() - harness);
    }
}
