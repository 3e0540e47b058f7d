package io.ringlog.tools.dist;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.ConfigKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code config/server.properties}: every broker key from {@link BrokerConfig#KEYS}, commented out with its
 * default and its one-line description, so an operator uncomments what to change. The file in the repository is
 * kept equal to this output by {@code ServerPropertiesTest}; after adding a key, regenerate it with
 * {@code java -cp ... io.ringlog.tools.dist.ServerPropertiesTemplate config/server.properties}.
 */
public final class ServerPropertiesTemplate
{
    private ServerPropertiesTemplate()
    {
    }

    public static String render()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# Ringlog broker configuration: bin/ringlog server --config config/server.properties\n")
            .append("#\n")
            .append("# Every key the broker knows, with its default. Keys follow Kafka's server.properties\n")
            .append("# where they mean the same; those marked Ringlog are Ringlog's own. Uncomment a line to\n")
            .append("# change it; any key can also be given as --override key=value. An unknown key is\n")
            .append("# reported at start and ignored. Generated from BrokerConfig.KEYS\n")
            .append("# (io.ringlog.tools.dist.ServerPropertiesTemplate); ServerPropertiesTest keeps it in step.\n");
        for (final ConfigKey<?> key : BrokerConfig.KEYS)
        {
            sb.append('\n')
                .append("# ").append(key.doc()).append('\n')
                .append('#').append(key.name()).append('=')
                .append(key.defaultValue() == null ? "" : key.defaultValue()).append('\n');
        }
        return sb.toString();
    }

    /** Write the template to the file named by the first argument, or print it. */
    public static void main(final String[] args) throws IOException
    {
        if (args.length == 0)
        {
            System.out.print(render());
        }
        else
        {
            Files.writeString(Path.of(args[0]), render(), StandardCharsets.UTF_8);
        }
    }
}
