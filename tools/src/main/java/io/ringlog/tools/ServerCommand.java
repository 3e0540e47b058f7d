package io.ringlog.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ringlog server [--config FILE] [--override key=value ...]}: the broker. {@link Ringlog#main} hands these
 * arguments to {@code io.ringlog.broker.Main} before picocli sees them; this class gives the command its place in
 * {@code ringlog --help} and serves a {@code server} reached another way (e.g. {@code ringlog help server}).
 */
@Command(name = "server", description = "start a broker: ringlog server [--config FILE] [--override key=value ...]",
    mixinStandardHelpOptions = false)
final class ServerCommand implements Runnable
{
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public void run()
    {
        final List<String> all = new ArrayList<>();
        all.add("server");
        all.addAll(args);
        io.ringlog.broker.Main.main(all.toArray(new String[0]));
    }
}
