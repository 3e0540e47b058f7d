package io.ringlog.tools;

import io.ringlog.client.RinglogException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns an exception into the one line a user reads: the innermost useful message, without class names or traces. */
public final class ErrorMessages
{
    private ErrorMessages()
    {
    }

    /** The exception a wrapper (a future's, or kafka-clients' "failed to construct") carries, else itself. */
    public static Throwable unwrap(final Throwable t)
    {
        Throwable current = t;
        while (current.getCause() != null && current.getCause() != current &&
            (current instanceof ExecutionException || current instanceof CompletionException ||
            (current instanceof KafkaException && !(current instanceof ApiException))))
        {
            current = current.getCause();
        }
        return current;
    }

    public static String describe(final Throwable t)
    {
        final Throwable e = unwrap(t);
        if (e instanceof CliException)
        {
            return e.getMessage();
        }
        if (e instanceof RinglogException)
        {
            return message(e); // the native client's messages start with the error's name
        }
        if (e instanceof UnsupportedVersionException)
        {
            return "the broker does not support this request: " + message(e);
        }
        if (e instanceof NoSuchFileException)
        {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException)
        {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof IOException || e instanceof ApiException || e instanceof KafkaException)
        {
            return message(e);
        }
        return e.getClass().getSimpleName() + ": " + message(e);
    }

    private static String message(final Throwable e)
    {
        final String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
