package io.ringlog.tools.records;

import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.NativeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ringlog tail TOPIC}: follow the end of a topic, as {@code tail -f} follows a file. It joins no group and
 * commits nothing, so no consumer group sees it or rebalances for it. With {@code --native} it reads the broker's
 * segment files in place through a same-host reader per partition (zero copy; the broker must be on this host).
 */
@Command(name = "tail", description = "follow the end of a topic without a consumer group (disturbs no consumer)")
public final class TailCommand extends BrokerCommand
{
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-l", "--last"}, paramLabel = "N", defaultValue = "0",
        description = "first print the last N records of each partition (default ${DEFAULT-VALUE})")
    long last;

    @Mixin
    ReadOptions read;

    @Mixin
    NativeOptions nativeOptions;

    @Override
    protected int run()
    {
        if (last < 0)
        {
            throw CliException.usage("--last must be at least 0");
        }
        if (nativeOptions.enabled())
        {
            new NativeRecordStream(nativeOptions, client, topic, read.partitions, null, RecordStream.Start.LAST, last)
                .format(read.format, read.keySeparator).limits(read.maxMessages, read.idleTimeout)
                .tail(out());
            return 0;
        }
        read.applyTo(new RecordStream(client, topic, read.partitions, null, RecordStream.Start.LAST, last))
            .run(out());
        return 0;
    }
}
