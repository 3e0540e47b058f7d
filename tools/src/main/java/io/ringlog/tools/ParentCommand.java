package io.ringlog.tools;

import picocli.CommandLine;

/** A command that only groups subcommands ({@code topics}, {@code groups}, ...): alone, it is a usage error. */
public abstract class ParentCommand implements Runnable
{
    @CommandLine.Spec
    protected CommandLine.Model.CommandSpec spec;

    @Override
    public final void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed");
    }
}
