package io.ringlog.tools.records;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.client.NativeOptions;
import io.ringlog.tools.client.Timestamps;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ringlog consume TOPIC}: print records from the beginning, an offset or a time, with or without a group. */
@Command(name = "consume", description = "print a topic's records, one per line")
public final class ConsumeCommand extends BrokerCommand
{
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @ArgGroup(exclusive = true)
    StartOptions from = new StartOptions();

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP",
        description = "consume as a member of this group and commit what is printed (default: no group)")
    String group;

    @Mixin
    ReadOptions read;

    @Mixin
    NativeOptions nativeOptions;

    /** Where to start; at most one. */
    static final class StartOptions
    {
        @Option(names = "--from-beginning", description = "start at the earliest record kept")
        boolean beginning;

        @Option(names = "--offset", paramLabel = "OFFSET", description = "start at this offset in every partition read")
        Long offset;

        @Option(names = "--from-timestamp", paramLabel = "TIME",
            description = "start at the first record at or after TIME: epoch ms or ISO-8601 " +
                "(2024-05-01T12:00:00Z); not with --native (the native protocol has no look-up by time)")
        String timestamp;
    }

    @Override
    protected int run()
    {
        final RecordStream.Start start;
        long value = 0;
        if (from.beginning)
        {
            start = RecordStream.Start.BEGINNING;
        }
        else if (from.offset != null)
        {
            start = RecordStream.Start.OFFSET;
            value = from.offset;
        }
        else if (from.timestamp != null)
        {
            start = RecordStream.Start.TIMESTAMP;
            value = Timestamps.parse(from.timestamp);
        }
        else
        {
            start = group != null ? RecordStream.Start.COMMITTED : RecordStream.Start.END;
        }
        if (nativeOptions.enabled())
        {
            new NativeRecordStream(nativeOptions, client, topic, read.partitions, group, start, value)
                .format(read.format, read.keySeparator).limits(read.maxMessages, read.idleTimeout)
                .consume(out());
            return 0;
        }
        read.applyTo(new RecordStream(client, topic, read.partitions, group, start, value))
            .run(out());
        return 0;
    }
}
