package io.ringlog.client;

/**
 * A configuration value is missing, malformed, out of range, or inconsistent with another. The message names the
 * key, as Kafka's {@code ConfigException} does, so the fix is obvious from the log line.
 */
public final class ConfigException extends IllegalArgumentException
{
    private final String key;

    public ConfigException(final String key, final Object value, final String reason)
    {
        super("invalid value " + value + " for " + key + ": " + reason);
        this.key = key;
    }

    /** The configuration key at fault. */
    public String key()
    {
        return key;
    }
}
