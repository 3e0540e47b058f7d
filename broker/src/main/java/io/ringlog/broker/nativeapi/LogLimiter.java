package io.ringlog.broker.nativeapi;

import org.slf4j.Logger;

import java.util.HashSet;
import java.util.Set;

/**
 * Logs a kind of bad input at WARN the first time, and at DEBUG after, so a client sending garbage cannot make the
 * gateway log (and allocate, and block on the log's stream) on every message. The counters count every one.
 * Single-threaded (the gateway's); logging is the cold path.
 */
final class LogLimiter
{
    private final Logger log;
    private final Set<String> warned = new HashSet<>();

    LogLimiter(final Logger log)
    {
        this.log = log;
    }

    void warn(final String kind, final String format, final Object... args)
    {
        if (warned.add(kind))
        {
            log.warn(format + " (later ones of this kind are logged at DEBUG)", args);
        }
        else if (log.isDebugEnabled())
        {
            log.debug(format, args);
        }
    }
}
