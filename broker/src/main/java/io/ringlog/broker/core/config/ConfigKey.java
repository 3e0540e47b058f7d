package io.ringlog.broker.core.config;

import java.util.function.Function;

/**
 * One configuration key: its name as Kafka spells it, its default, how to parse and check a value, and what it
 * does. Parsing failures become one message that names the key, the value and the rule.
 *
 * @param name         the key.
 * @param defaultValue the default as text, or null when the key has none (optional keys).
 * @param parser       turns text into a value, throwing IllegalArgumentException with the rule it broke.
 * @param doc          one line for {@code server.properties} and error messages.
 * @param <T>          the value's type.
 */
public record ConfigKey<T>(String name, String defaultValue, Function<String, T> parser, String doc)
{
    /**
     * @param text the value as given; null means "use the default".
     * @return the parsed value.
     * @throws IllegalArgumentException naming the key, the value and what is wrong.
     */
    public T parse(final String text)
    {
        final String raw = text == null ? defaultValue : text.trim();
        try
        {
            return parser.apply(raw);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(
                "invalid value '" + raw + "' for config " + name + ": " + ex.getMessage(), ex);
        }
    }

    public static Function<String, Integer> intAtLeast(final int min)
    {
        return s ->
        {
            final int v = parseInt(s);
            if (v < min)
            {
                throw new IllegalArgumentException("must be at least " + min);
            }
            return v;
        };
    }

    public static Function<String, Long> longAtLeast(final long min)
    {
        return s ->
        {
            final long v = parseLong(s);
            if (v < min)
            {
                throw new IllegalArgumentException("must be at least " + min);
            }
            return v;
        };
    }

    public static Function<String, Long> optionalLongAtLeast(final long min)
    {
        return s -> s == null || s.isEmpty() ? null : longAtLeast(min).apply(s);
    }

    public static Function<String, Boolean> bool()
    {
        return s ->
        {
            if (!"true".equalsIgnoreCase(s) && !"false".equalsIgnoreCase(s))
            {
                throw new IllegalArgumentException("must be true or false");
            }
            return Boolean.parseBoolean(s);
        };
    }

    public static Function<String, String> text()
    {
        return s -> s;
    }

    public static Function<String, String> oneOf(final String... allowed)
    {
        return s ->
        {
            for (final String a : allowed)
            {
                if (a.equalsIgnoreCase(s))
                {
                    return a;
                }
            }
            throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
        };
    }

    private static int parseInt(final String s)
    {
        try
        {
            return Integer.parseInt(s);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not an integer");
        }
    }

    private static long parseLong(final String s)
    {
        try
        {
            return Long.parseLong(s);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a long integer");
        }
    }
}
