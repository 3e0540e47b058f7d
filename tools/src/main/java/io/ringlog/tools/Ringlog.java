package io.ringlog.tools;

import io.ringlog.tools.cluster.ClusterCommand;
import io.ringlog.tools.groups.GroupsCommand;
import io.ringlog.tools.journal.JournalCommand;
import io.ringlog.tools.perf.PerfCommand;
import io.ringlog.tools.records.ConsumeCommand;
import io.ringlog.tools.records.ProduceCommand;
import io.ringlog.tools.records.TailCommand;
import io.ringlog.tools.topics.TopicsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;

/**
 * {@code ringlog}: the one entry point. {@code ringlog server ...} is handed to the broker's own {@code Main}
 * unchanged; every other subcommand is parsed here with picocli.
 * <p>
 * Errors are one line on stderr, {@code ringlog: <what went wrong>}, and exit code 1 (a failure at run time) or
 * 2 (a wrong command line); {@code --verbose} adds the stack trace and the clients' logs.
 */
@Command(name = "ringlog", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Ringlog.Version.class, sortOptions = false, usageHelpAutoWidth = true,
    description = "The Ringlog command line. Talks to any Kafka-protocol broker (Ringlog or Apache Kafka), " +
        "and to Ringlog natively over Aeron with --native (produce, consume, tail, perf).",
    subcommands = {
        ServerCommand.class, TopicsCommand.class, ProduceCommand.class, ConsumeCommand.class, TailCommand.class,
        GroupsCommand.class, ClusterCommand.class, JournalCommand.class, PerfCommand.class, CommandLine.HelpCommand.class
    })
public final class Ringlog implements Runnable
{
    private static final String VERBOSE = "--verbose";

    private static volatile boolean verboseRun;

    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
        description = "print stack traces and the Kafka clients' logs")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Ringlog()
    {
    }

    public static void main(final String[] args)
    {
        if (args.length > 0 && "server".equals(args[0]))
        {
            io.ringlog.broker.Main.main(args); // returns once the broker has stopped; it exits by itself on errors
            return;
        }
        System.exit(run(args));
    }

    /** Parse and run one command line; @return the exit code. */
    public static int run(final String... args)
    {
        final boolean verbose = Arrays.asList(args).contains(VERBOSE);
        verboseRun = verbose;
        quietLogging(verbose);
        final CommandLine cli = new CommandLine(new Ringlog());
        // Records and names are UTF-8 whatever the locale, so pipes between ringlog commands round-trip.
        cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        cli.setExecutionExceptionHandler((ex, cmd, parsed) ->
        {
            final PrintWriter err = cmd.getErr();
            err.println("ringlog: " + ErrorMessages.describe(ex));
            if (verbose)
            {
                ex.printStackTrace(err);
            }
            err.flush();
            final Throwable cause = ErrorMessages.unwrap(ex);
            return cause instanceof CliException c ? c.exitCode() : CliException.FAILED;
        });
        cli.setParameterExceptionHandler((ex, arguments) ->
        {
            final PrintWriter err = ex.getCommandLine().getErr();
            err.println("ringlog: " + ex.getMessage() + " (try '" +
                ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return CliException.USAGE;
        });
        return cli.execute(args);
    }

    /** Whether this run was asked for {@code --verbose}: stack traces and the clients' own reports. */
    public static boolean verbose()
    {
        return verboseRun;
    }

    /**
     * The command line is quiet by default: kafka-clients log every connection attempt and their whole config, which
     * would bury the one line of output or error. {@code -D} settings in {@code JAVA_OPTS} still win.
     */
    private static void quietLogging(final boolean verbose)
    {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka", verbose ? "info" : "off");
    }

    private static void setIfAbsent(final String key, final String value)
    {
        if (System.getProperty(key) == null)
        {
            System.setProperty(key, value);
        }
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed");
    }

    /** The project version, filtered into a resource at build time. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion() throws IOException
        {
            final Properties p = new Properties();
            try (InputStream in = Ringlog.class.getResourceAsStream("version.properties"))
            {
                if (in != null)
                {
                    p.load(in);
                }
            }
            return new String[]{"ringlog " + p.getProperty("version", "unknown")};
        }
    }
}
