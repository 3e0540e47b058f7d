package io.ringlog.tools;

/**
 * A failure the user caused or can fix, with the one line that says so and the exit code to end with. Thrown by
 * commands; {@link Ringlog} prints the message (no stack trace unless {@code --verbose}) and exits with the code.
 */
public final class CliException extends RuntimeException
{
    /** Something went wrong at run time: the broker refused, timed out, or a check found a problem. */
    public static final int FAILED = 1;
    /** The command line itself is wrong. */
    public static final int USAGE = 2;

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(final String message)
    {
        this(message, FAILED, null);
    }

    public CliException(final String message, final int exitCode, final Throwable cause)
    {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException usage(final String message)
    {
        return new CliException(message, USAGE, null);
    }

    public int exitCode()
    {
        return exitCode;
    }
}
