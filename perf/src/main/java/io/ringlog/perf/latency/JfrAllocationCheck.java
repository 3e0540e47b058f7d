package io.ringlog.perf.latency;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JFR check of allocation ({@code --jfr DIR}): a flight recording of every new TLAB and every allocation outside a
 * TLAB, with stack traces, around one run, then a summary of the events that fell inside the measured window, by
 * thread, with the frame that allocated most often. {@link AllocationMeter} gives the exact bytes; this says where
 * they come from. A thread that allocates nothing takes no new TLAB, so it has no events; one that allocates a few
 * bytes in total may not need a new TLAB either, which is why the exact counter is the verdict and JFR the pointer.
 * The recording starts before the run and stops after it, so starting it does not stall the window.
 * <p>
 * Not thread-safe: used by the harness thread, between runs.
 */
final class JfrAllocationCheck implements AutoCloseable
{
    private static final String NEW_TLAB = "jdk.ObjectAllocationInNewTLAB";
    private static final String OUTSIDE_TLAB = "jdk.ObjectAllocationOutsideTLAB";

    private final Recording recording;
    private final Path file;

    private JfrAllocationCheck(final Recording recording, final Path file)
    {
        this.recording = recording;
        this.file = file;
    }

    /**
     * @param file where the recording is written when it stops; kept for a look with JDK Mission Control or
     *             {@code jfr print --events jdk.ObjectAllocationInNewTLAB FILE}.
     * @return a running recording.
     */
    static JfrAllocationCheck start(final Path file)
    {
        final Recording recording = new Recording();
        recording.setName("ringlog-latency-allocation");
        recording.enable(NEW_TLAB).withStackTrace();
        recording.enable(OUTSIDE_TLAB).withStackTrace();
        recording.setToDisk(true);
        try
        {
            recording.setDestination(file);
        }
        catch (final IOException ex)
        {
            recording.close();
            throw new IllegalStateException("cannot write a recording to " + file, ex);
        }
        recording.start();
        return new JfrAllocationCheck(recording, file);
    }

    /**
     * Stop the recording, write it, and summarise the window.
     *
     * @param from start of the measured window.
     * @param to   end of the measured window.
     * @return e.g. {@code "no allocation events"} or {@code "main: 3 (12,288 B), top LatencyTarget.poll:42; ..."}.
     * @throws IOException if the recording cannot be read back.
     */
    String stopAndSummarise(final Instant from, final Instant to) throws IOException
    {
        recording.stop();
        recording.close();

        final Map<String, long[]> byThread = new TreeMap<>();
        final Map<String, Map<String, Integer>> framesByThread = new HashMap<>();
        for (final RecordedEvent event : RecordingFile.readAllEvents(file))
        {
            final String type = event.getEventType().getName();
            if (!NEW_TLAB.equals(type) && !OUTSIDE_TLAB.equals(type) ||
                event.getStartTime().isBefore(from) || event.getStartTime().isAfter(to))
            {
                continue;
            }
            final RecordedThread thread = event.getThread();
            final String name = null == thread ? "?" : thread.getJavaName();
            final long[] totals = byThread.computeIfAbsent(name, (key) -> new long[2]);
            totals[0]++;
            totals[1] += NEW_TLAB.equals(type) ? event.getLong("tlabSize") : event.getLong("allocationSize");
            framesByThread.computeIfAbsent(name, (key) -> new HashMap<>()).merge(topFrame(event), 1, Integer::sum);
        }
        if (byThread.isEmpty())
        {
            return "no allocation events in the window";
        }
        final List<String> parts = new ArrayList<>();
        byThread.forEach((name, totals) ->
        {
            final String frame = framesByThread.get(name).entrySet().stream()
                .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("?");
            parts.add(String.format("%s: %,d events (%,d B in new TLABs and outside them), most often at %s",
                name, totals[0], totals[1], frame));
        });
        return String.join("; ", parts);
    }

    @Override
    public void close()
    {
        recording.close();
    }

    private static String topFrame(final RecordedEvent event)
    {
        final RecordedStackTrace stack = event.getStackTrace();
        if (null == stack || stack.getFrames().isEmpty())
        {
            return "?";
        }
        // The first frame outside java.* and jdk.*, else the top one.
        final List<RecordedFrame> frames = stack.getFrames();
        RecordedFrame chosen = frames.get(0);
        for (final RecordedFrame frame : frames)
        {
            final String type = frame.getMethod().getType().getName();
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun."))
            {
                chosen = frame;
                break;
            }
        }
        final String type = chosen.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + chosen.getMethod().getName() + ":"
            + chosen.getLineNumber();
    }
}
