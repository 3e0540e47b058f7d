package io.ringlog.tools.client;

import picocli.CommandLine;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}; a bare number is milliseconds, as in Kafka's own tools. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration>
{
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(final String value)
    {
        return parse(value);
    }

    public static Duration parse(final String value)
    {
        final Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches())
        {
            throw new CommandLine.TypeConversionException(
                "'" + value + "' is not a duration (examples: 500ms, 10s, 2m, 1h)");
        }
        final long n = Long.parseLong(m.group(1));
        final String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit)
        {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMillis(n);
        };
    }

    /** The shortest exact form: {@code 3s} rather than {@code PT3S}. */
    public static String format(final Duration d)
    {
        final long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0)
        {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0)
        {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0)
        {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
