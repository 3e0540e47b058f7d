package io.ringlog.tools;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** A subcommand: what it prints goes to the command line's writers, so tests and pipes see the same thing. */
public abstract class CliCommand implements Callable<Integer>
{
    @Spec
    protected CommandSpec spec;

    protected final PrintWriter out()
    {
        return spec.commandLine().getOut();
    }

    protected final PrintWriter err()
    {
        return spec.commandLine().getErr();
    }
}
