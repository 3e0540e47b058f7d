package io.ringlog.perf.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code --name value} arguments of the probes that run in Kafka's process (they have no argument library on
 * that classpath they could rely on across versions). Not thread-safe; used once in {@code main}.
 */
final class ProbeArgs
{
    private final Map<String, String> values = new HashMap<>();

    private ProbeArgs(final String probe, final String[] args, final List<String> known)
    {
        for (int i = 0; i < args.length; i++)
        {
            if (!known.contains(args[i]) || i + 1 >= args.length)
            {
                throw new IllegalArgumentException(probe + ": expected " + String.join(" V, ", known) + " V; got "
                    + String.join(" ", args));
            }
            values.put(args[i], args[++i]);
        }
    }

    /**
     * The version of the kafka-clients jar the probe runs with, from the {@code kafka/kafka-version.properties} it
     * carries (the class that reports it, {@code AppInfoParser}, moved package in 4.4).
     *
     * @return e.g. "4.3.1", or "unknown".
     */
    static String clientVersion()
    {
        try (InputStream in = org.apache.kafka.clients.producer.KafkaProducer.class
            .getResourceAsStream("/kafka/kafka-version.properties"))
        {
            final Properties props = new Properties();
            if (null != in)
            {
                props.load(in);
            }
            return props.getProperty("version", "unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    /**
     * @param probe name for the error message.
     * @param args  the command line.
     * @param known the options it may hold, each followed by a value.
     * @return the parsed arguments.
     * @throws IllegalArgumentException on an unknown option or one without a value.
     */
    static ProbeArgs parse(final String probe, final String[] args, final String... known)
    {
        return new ProbeArgs(probe, args, List.of(known));
    }

    /**
     * @param name option, with its dashes.
     * @return its value.
     * @throws IllegalArgumentException if it was not given.
     */
    String required(final String name)
    {
        final String value = values.get(name);
        if (null == value)
        {
            throw new IllegalArgumentException("missing " + name);
        }
        return value;
    }

    /**
     * @param name         option, with its dashes.
     * @param defaultValue when it was not given.
     * @return its value.
     */
    String value(final String name, final String defaultValue)
    {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * @param name         option, with its dashes.
     * @param defaultValue when it was not given.
     * @return its value as a long.
     */
    long longValue(final String name, final long defaultValue)
    {
        final String value = values.get(name);
        return null == value ? defaultValue : Long.parseLong(value);
    }
}
