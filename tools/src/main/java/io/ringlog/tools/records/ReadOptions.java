package io.ringlog.tools.records;

import io.ringlog.tools.client.DurationConverter;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What {@code consume} and {@code tail} share: which partitions, how to print, when to stop. */
public final class ReadOptions
{
    @Option(names = {"-p", "--partition"}, paramLabel = "N", description = "read only this partition, repeatable")
    List<Integer> partitions = new ArrayList<>();

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "value",
        converter = RecordFormat.Converter.class,
        description = "value, key-value or json (json has topic, partition, offset, timestamp, key, value, headers)")
    RecordFormat format;

    @Option(names = "--key-separator", paramLabel = "SEP", defaultValue = ":",
        description = "between key and value with --format key-value (default '${DEFAULT-VALUE}')")
    String keySeparator;

    @Option(names = {"-n", "--max-messages"}, paramLabel = "N", defaultValue = "0",
        description = "stop after N records (default: run until Ctrl-C)")
    long maxMessages;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "stop when no record arrives for this long, e.g. 5s")
    Duration idleTimeout;

    /** Apply the printing and stopping options to a stream. */
    RecordStream applyTo(final RecordStream stream)
    {
        return stream.format(format, keySeparator).limits(maxMessages, idleTimeout);
    }
}
