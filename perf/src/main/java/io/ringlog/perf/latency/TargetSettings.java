package io.ringlog.perf.latency;

import java.util.Map;

/**
 * What a {@link LatencyTarget} is told at {@link LatencyTarget#start}. Immutable.
 *
 * @param messageLength the size of every message in the run, in bytes, at least {@link Payload#MIN_LENGTH}.
 * @param idle          how the target's own threads wait when idle (the harness thread uses the same).
 * @param options       target-specific settings from {@code --target-option key=value}, e.g. a broker's address;
 *                      a target ignores keys it does not know.
 */
public record TargetSettings(int messageLength, IdleMode idle, Map<String, String> options)
{
    /**
     * @param messageLength the size of every message.
     * @param idle          how the target's threads wait.
     * @param options       target-specific settings.
     */
    public TargetSettings
    {
        if (messageLength < Payload.MIN_LENGTH)
        {
            throw new IllegalArgumentException("message size must be at least " + Payload.MIN_LENGTH + " bytes");
        }
        options = Map.copyOf(options);
    }

    /**
     * @param key          a target option's name.
     * @param defaultValue used when the option is not given.
     * @return the option's value.
     */
    public String option(final String key, final String defaultValue)
    {
        return options.getOrDefault(key, defaultValue);
    }
}
