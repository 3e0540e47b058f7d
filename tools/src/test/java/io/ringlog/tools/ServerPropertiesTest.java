package io.ringlog.tools;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.config.ConfigKey;
import io.ringlog.tools.dist.ServerPropertiesTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** config/server.properties documents every broker key with its default, as BrokerConfig.KEYS has them. */
@Timeout(30)
class ServerPropertiesTest
{
    private static final Path FILE = Path.of("../config/server.properties");

    @Test
    void configFileIsInStepWithBrokerConfigKeys() throws IOException
    {
        final String expected = ServerPropertiesTemplate.render();
        final String actual = Files.readString(FILE, StandardCharsets.UTF_8);
        if (!expected.equals(actual))
        {
            final Path fresh = Path.of("target/server.properties");
            Files.writeString(fresh, expected, StandardCharsets.UTF_8);
            fail("config/server.properties is out of step with BrokerConfig.KEYS (a key was added or changed): " +
                "cp tools/target/server.properties config/server.properties");
        }
    }

    @Test
    void everyKeyUncommentedGivesTheDefaults() throws IOException
    {
        final StringBuilder uncommented = new StringBuilder();
        for (final String line : ServerPropertiesTemplate.render().split("\n"))
        {
            if (line.matches("#[a-z][a-z0-9.]*=.*"))
            {
                uncommented.append(line.substring(1)).append('\n');
            }
        }
        final Properties p = new Properties();
        p.load(new StringReader(uncommented.toString()));
        assertEquals(BrokerConfig.KEYS.size(), p.size());
        final java.util.Map<String, String> given = new java.util.HashMap<>();
        p.stringPropertyNames().forEach(k -> given.put(k, p.getProperty(k)));
        final BrokerConfig config = BrokerConfig.from(given);
        assertTrue(config.unknownKeys().isEmpty(), config.unknownKeys()::toString);
        for (final ConfigKey<?> key : BrokerConfig.KEYS)
        {
            assertEquals(BrokerConfig.defaults().get(key), config.get(key), key.name());
        }
    }
}
